"""Registration, as a woman in Kota Batu experiences it: the real bot over
HTTP against the Bot API emulator, answering in Indonesian."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.flows import SITI_NIK, continue_to_review, register, register_until
from wrse_bot.db.models import ActiveForm, Assessment, Consent, Registrant, StaffFlag
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.forms.intake import NAME as INTAKE
from wrse_bot.services.registration import CONSENT_VERSION

HER_INTAKE = select(ActiveForm).where(ActiveForm.form == INTAKE)  # her registration in progress


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def scalar(app: Application, stmt):  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return await s.scalar(stmt)


# ---- the happy path -------------------------------------------------------------


async def test_start_greets_briefly_and_shows_the_main_menu(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1001)
    greeting = await siti.ask("/start")
    assert "Dinas Sosial Kota Batu" in greeting.text
    assert greeting.text.count("\n") <= 3
    assert greeting.reply_keyboard == [["Daftar"], ["Kelas", "Data saya"], ["Bantuan"]]


async def test_a_widow_with_low_income_registers_and_is_told_she_is_eligible(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1002)
    review = await register_until(siti)
    assert "Siti Aminah" in review.text
    assert "Beji" in review.text and "Junrejo" in review.text
    assert "Rp500.000 per bulan" in review.text
    assert "✅ Kirim" in review.button_labels

    verdict = await siti.tap("✅ Kirim")
    assert "Ibu memenuhi syarat program WRSE" in verdict.text
    assert verdict.text.count("✅") == 5  # every rule met, each with its reason
    assert "Kelas" in verdict.text  # what happens next

    reg = await scalar(wrse, select(Registrant))
    assert reg.full_name == "Siti Aminah" and reg.nik == SITI_NIK
    assert reg.verdict == "eligible" and reg.monthly_income == "500000"
    assert reg.consent_version and reg.consent_at is not None
    assessment = await scalar(wrse, select(Assessment))
    assert assessment.ruleset_version == "permensos-08-2012/v2"


async def test_nik_and_income_are_not_stored_in_plain_text(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    await register(emulator.user(1003))
    async with db_of(wrse).engine.connect() as conn:
        row = (
            await conn.exec_driver_sql(
                "SELECT nik, monthly_income, phone, nik_hash FROM registrants"
            )
        ).one()
    assert SITI_NIK not in row.nik and "500000" not in row.monthly_income
    assert "812" not in row.phone
    assert SITI_NIK not in row.nik_hash


async def test_too_much_income_per_person_is_explained_kindly(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    verdict = await register(emulator.user(1004), income="12 juta")
    assert "belum memenuhi syarat" in verdict.text
    assert "❌" in verdict.text
    assert "Dinas Sosial" in verdict.text  # where else to ask


# ---- consent --------------------------------------------------------------------


async def test_consent_shows_the_few_lines_that_matter_first_and_the_full_text_on_request(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1011)
    short = await siti.ask("/daftar")
    assert short.plain_text.startswith("Sebelum mulai")
    assert "/data_saya" in short.text and "/hapus_data" in short.text
    assert len(short.plain_text.split()) <= 60
    assert short.button_labels == ["Setuju", "Tidak setuju", "📄 Baca selengkapnya"]

    full = await siti.tap("📄 Baca selengkapnya")
    assert "Hak Ibu" in full.text and "UU 27/2022" in full.text and "3 x 24 jam" in full.text
    assert full.button_labels == ["Setuju", "Tidak setuju"]
    name = await siti.tap("Setuju")
    assert "nama lengkap" in name.text
    consent = await scalar(wrse, select(Consent))
    assert consent.agreed and consent.text_version == CONSENT_VERSION
    draft = await scalar(wrse, HER_INTAKE)
    assert draft.answers["consent_version"] == CONSENT_VERSION


async def test_agreeing_on_the_short_screen_stores_the_same_consent_version(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    await register(emulator.user(1012))
    assert await scalar(wrse, select(Consent.text_version)) == CONSENT_VERSION
    assert await scalar(wrse, select(Registrant.consent_version)) == CONSENT_VERSION


async def test_declining_after_reading_the_full_text_saves_nothing(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1013)
    await siti.ask("/daftar")
    await siti.tap("📄 Baca selengkapnya")
    goodbye = await siti.tap("Tidak setuju")
    assert "Balai Kota" in goodbye.text
    assert (
        await scalar(
            wrse, select(func.count()).select_from(ActiveForm).where(ActiveForm.form == INTAKE)
        )
        == 0
    )
    assert await scalar(wrse, select(Consent.agreed)) is False


async def test_declining_consent_ends_politely_and_saves_nothing(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1010)
    consent = await siti.ask("/daftar")
    assert consent.plain_text.startswith("Sebelum mulai")
    goodbye = await siti.tap("Tidak setuju")
    assert "Balai Kota" in goodbye.text  # how to register at the office
    assert goodbye.reply_keyboard is not None and ["Daftar"] in goodbye.reply_keyboard
    assert (
        await scalar(
            wrse, select(func.count()).select_from(ActiveForm).where(ActiveForm.form == INTAKE)
        )
        == 0
    )
    assert await scalar(wrse, select(Consent.agreed)) is False


# ---- bad answers get a kind message and the same question ---------------------
# Every bad answer at every question is a unit test (tests/unit/test_intake_form.py);
# these show the kind message and the same question as she reads them.

BAD_ANSWERS = [
    ("nama lengkap", "x" * 4000),
    ("NIK", "3579039913800001"),  # day 99 is no date
    ("penghasilan", "lumayan"),
]


@pytest.mark.parametrize(("question", "bad"), BAD_ANSWERS)
async def test_a_bad_answer_is_explained_and_the_same_question_asked_again(
    emulator: BotApiEmulator, wrse: Application, question: str, bad: str
) -> None:
    siti = emulator.user(1020)
    asked = await register_until(siti, question)
    again = await siti.ask(bad)
    assert again.text.startswith("⚠️")
    assert "contoh" in again.text.lower()
    assert asked.text in again.text  # the very same question


UNREADABLE = {
    "sticker": "gambar, stiker, dan video belum bisa kami lihat",
    "photo": "gambar, stiker, dan video belum bisa kami lihat",
    "voice": "pesan suara belum bisa kami dengar",
    "location": "hanya bisa membaca tombol dan tulisan",
    "document": "hanya bisa membaca tombol dan tulisan",
}


@pytest.mark.parametrize(("question", "send"), [("NIK", "voice"), ("status perkawinan", "sticker")])
async def test_things_the_bot_cannot_read_get_a_kind_word_and_the_same_question(
    emulator: BotApiEmulator, wrse: Application, send: str, question: str
) -> None:
    """A voice note gets "pesan suara belum bisa kami dengar", never only "not understood"."""
    siti = emulator.user(1021)
    asked = await register_until(siti, question)
    sender = {
        "sticker": siti.send_sticker,
        "photo": siti.send_photo,
        "voice": siti.send_voice,
        "document": siti.send_document,
        "location": lambda: siti.send_location(-7.87, 112.52),
    }[send]
    await sender()
    again = await siti.reply()
    assert UNREADABLE[send] in again.text
    assert asked.text in again.text
    assert "belum mengerti" not in again.text


# ---- greetings and messages outside the form -------------------------------------


@pytest.mark.parametrize(
    "typed", ["halo", "Assalamu'alaikum wr. wb. 🙏", "selamat pagiii bu", "punten", "Hallo min"]
)
async def test_a_greeting_gets_a_greeting_with_the_menu(
    emulator: BotApiEmulator, wrse: Application, typed: str
) -> None:
    reply = await emulator.user(1025).ask(typed)
    assert "Dinas Sosial Kota Batu" in reply.text
    assert "belum mengerti" not in reply.text
    assert reply.reply_keyboard == [["Daftar"], ["Kelas", "Data saya"], ["Bantuan"]]


async def test_a_greeting_mid_form_is_greeted_and_the_same_question_asked(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1026)
    asked = await register_until(siti, "nama lengkap")
    reply = await siti.ask("Assalamualaikum")
    assert reply.text.startswith("Halo, Bu!") and asked.text in reply.text
    nik = await siti.ask("Siti Aminah")  # the greeting was not taken as her name
    assert "NIK" in nik.text
    assert (await scalar(wrse, HER_INTAKE)).answers["full_name"] == "Siti Aminah"


@pytest.mark.parametrize(
    ("send", "expected"),
    [("voice", "pesan suara belum bisa kami dengar"), ("sticker", "belum bisa kami lihat")],
)
async def test_a_voice_note_or_sticker_outside_the_form_says_so_and_shows_the_menu(
    emulator: BotApiEmulator, wrse: Application, send: str, expected: str
) -> None:
    siti = emulator.user(1027)
    await (siti.send_voice() if send == "voice" else siti.send_sticker())
    reply = await siti.reply()
    assert expected in reply.text and "belum mengerti" not in reply.text
    assert reply.reply_keyboard is not None and ["Daftar"] in reply.reply_keyboard


async def test_a_message_the_bot_does_not_understand_is_shown_what_it_can_do(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    reply = await emulator.user(1028).ask("berapa harga beras sekarang")
    assert reply.text.startswith("Maaf, saya belum mengerti")
    for choice in ("Daftar", "Kelas", "Data saya", "Bantuan"):
        assert choice in reply.text
    assert reply.reply_keyboard is not None


async def test_typing_instead_of_tapping_asks_her_to_tap(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1022)
    await register_until(siti, "status perkawinan")
    again = await siti.ask("entahlah")
    assert "tekan salah satu tombol" in again.text
    assert "Cerai mati" in again.button_labels


async def test_a_valid_pick_after_a_warning_clears_the_warning_in_place(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1023)
    asked = await register_until(siti, "kelas apa")
    warned = await siti.ask("entahlah")
    assert warned.text.startswith("⚠️")
    await siti.press("▫️ Menjahit", message=warned)
    toggled = await siti.reply()
    assert toggled.kind == "edit" and toggled.message_id == warned.message_id
    assert "⚠️" not in toggled.text and asked.text == toggled.text  # the question alone
    assert "✅ Menjahit" in toggled.button_labels
    await siti.press("▫️ Memasak", message=toggled)  # no warning: the buttons alone change
    again = await siti.reply()
    assert again.text == asked.text and "✅ Memasak" in again.button_labels


async def test_three_misses_offer_help_from_an_officer(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1024)
    await register_until(siti, "NIK")
    for _ in range(2):
        assert "Minta bantuan petugas" not in " ".join((await siti.ask("123")).button_labels)
    third = await siti.ask("123")
    assert "🙋 Minta bantuan petugas" in third.button_labels
    helped = await siti.tap("🙋 Minta bantuan petugas")
    assert "petugas" in helped.text.lower() and "NIK" in helped.text  # she can keep going
    flag = await scalar(wrse, select(StaffFlag).where(StaffFlag.kind == "help_requested"))
    assert flag is not None and flag.user_id == 1024


# ---- commands, stale buttons and double taps mid-form --------------------------


async def test_a_command_mid_form_answers_and_shows_the_open_question(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1030)
    asked = await register_until(siti, "penghasilan")
    for command in ("/bantuan", "/kelas", "/start", "/data_saya", "/entah"):
        reply = await siti.ask(command)
        assert asked.text in reply.text, command
    reg_draft = await scalar(wrse, HER_INTAKE)
    assert reg_draft.step == "income"  # nothing answered was lost


async def test_an_old_button_is_refused_and_the_current_question_shown(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1031)
    consent = await siti.ask("/daftar")
    await siti.tap("Setuju")
    await siti.ask("Siti Aminah")
    await siti.press("Setuju", message=consent)  # the consent buttons, long answered
    toast = await siti.callback_answer()
    assert "pertanyaan sebelumnya" in toast.text
    current = await siti.reply()
    assert "NIK" in current.text
    assert (await scalar(wrse, HER_INTAKE)).step == "nik"


async def test_a_double_tap_counts_once(emulator: BotApiEmulator, wrse: Application) -> None:
    siti = emulator.user(1032)
    question = await register_until(siti, "berapa orang")
    await siti.press("3", message=question)
    await siti.press("4", message=question)  # a second tap before the reply arrived
    next_question = await siti.reply()
    assert "penghasilan" in next_question.text
    await siti.callback_answer()  # the first tap: accepted quietly
    assert "Sudah dicatat" in (await siti.callback_answer()).text
    draft = await scalar(wrse, HER_INTAKE)
    assert draft.answers["dependents"] == 3 and draft.step == "income"


async def test_forged_callback_data_changes_nothing(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1033)
    question = await register_until(siti, "kecamatan")
    draft_before = await scalar(wrse, HER_INTAKE)
    await siti.press_data(f"f:{draft_before.rev}:99.99.99", question.message_id)
    again = await siti.reply()
    assert "tekan salah satu tombol" in again.text
    await siti.press_data("garbage-data", question.message_id)
    assert "tidak berlaku" in (await siti.callback_answer()).text
    draft = await scalar(wrse, HER_INTAKE)
    assert draft.step == "kecamatan" and "kecamatan_code" not in draft.answers


# ---- back, edit, pause and resume ---------------------------------------------


async def test_an_answer_is_changed_from_the_review(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1041)
    await register_until(siti)
    question = await siti.tap("✏️ Penghasilan")
    assert "penghasilan" in question.text.lower()
    review = await siti.ask("750rb")
    assert "periksa" in review.text and "Rp750.000 per bulan" in review.text
    question = await siti.tap("✏️ Tempat")
    await siti.tap("Batu")
    review = await siti.tap("Temas")
    assert "Temas" in review.text and "Beji" not in review.text


async def test_batal_pauses_and_lanjutkan_resumes_where_she_stopped(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1043)
    await register_until(siti, "status perkawinan")
    paused = await siti.ask("/batal")
    assert "dihentikan sementara" in paused.text
    assert ["Lanjutkan pendaftaran"] in paused.reply_keyboard
    resumed = await siti.tap("Lanjutkan pendaftaran")
    assert "status perkawinan" in resumed.text


# ---- the NIK: confirmation, mismatch, duplicates --------------------------------


async def test_a_wrong_nik_birth_date_is_kept_and_flagged_for_staff(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1050)
    await register_until(siti, "12 Maret 1980")
    asked = await siti.tap("Tidak")
    assert "tanggal lahir" in asked.text
    kecamatan = await siti.ask("13 Maret 1980")
    assert "kecamatan" in kecamatan.text
    await continue_to_review(siti, kecamatan, "kecamatan")
    await siti.tap("✅ Kirim")
    reg = await scalar(wrse, select(Registrant))
    assert reg.nik_mismatch and str(reg.birth_date) == "1980-03-13"
    assert str(reg.nik_birth_date) == "1980-03-12"
    assert await scalar(wrse, select(StaffFlag).where(StaffFlag.kind == "nik_mismatch"))


async def test_a_male_nik_she_confirmed_is_reported_as_shown_and_sent_to_staff(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    """DOMAIN.md rule 1: never "✅ Perempuan, sesuai NIK" when the NIK shows a man."""
    siti = emulator.user(1054)
    await register_until(siti, "NIK")
    await siti.ask("3579031203800001")  # day 12: the NIK shows a man
    dob = await siti.tap("Ya, NIK saya")
    await continue_to_review(siti, dob, "12 Maret 1980")
    verdict = await siti.tap("✅ Kirim")
    assert "sesuai NIK" not in verdict.text
    assert "❔ Menurut NIK, pemiliknya laki-laki" in verdict.text
    assert "petugas perlu memeriksa" in verdict.text.lower()
    reg = await scalar(wrse, select(Registrant))
    assert reg.verdict == "needs_review" and reg.nik_mismatch
    stored = await scalar(wrse, select(Assessment))
    assert stored.results[0]["outcome"] == "review"
    assert stored.results[0]["message"].startswith("The NIK shows a man")


async def test_a_married_woman_who_is_not_the_main_earner_is_told_only_what_she_said(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    """The form never asks whether a husband lives with her, so no reason says so."""
    siti = emulator.user(1055)
    await register_until(siti, "status perkawinan")
    await siti.tap("Kawin tercatat")
    dependents = await siti.tap("Tidak")
    await continue_to_review(siti, dependents, "berapa orang")
    verdict = await siti.tap("✅ Kirim")
    assert "tinggal bersama suami" not in verdict.text
    assert "❌ Berstatus kawin dan bukan pencari nafkah utama" in verdict.text


async def test_the_same_nik_from_another_account_goes_to_staff(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    await register(emulator.user(1052))
    other = emulator.user(1053, "Aminah")
    reply = await register(other, name="Aminah Siti")
    # Told what any record an officer checks is told, never that the NIK is taken.
    assert "Petugas perlu memeriksa" in reply.text and "sudah terdaftar" not in reply.text
    async with db_of(wrse).sessions() as s:
        regs = (await s.scalars(select(Registrant).order_by(Registrant.id))).all()
        flags = (await s.scalars(select(StaffFlag).where(StaffFlag.kind == "duplicate_nik"))).all()
    assert [r.full_name for r in regs] == ["Siti Aminah", "Aminah Siti"]  # nothing overwritten
    assert regs[1].duplicate_of_id == regs[0].id and regs[1].status == "duplicate_review"
    assert len(flags) == 1


# ---- already registered, her data, deletion -------------------------------------


async def test_daftar_again_offers_to_view_or_change_instead_of_starting_over(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1060)
    await register(siti)
    offer = await siti.ask("/daftar")
    assert "sudah terdaftar" in offer.text
    review = await siti.tap("Ubah data saya")
    assert "periksa" in review.text
    await siti.tap("✏️ Penghasilan")
    await siti.ask("15 juta")
    verdict = await siti.tap("✅ Kirim")
    assert "belum memenuhi syarat" in verdict.text
    async with db_of(wrse).sessions() as s:
        verdicts = (await s.scalars(select(Assessment.verdict).order_by(Assessment.id))).all()
    assert verdicts == ["eligible", "not_eligible"]  # the decision history is kept


async def test_data_saya_shows_her_data_with_the_nik_masked(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1061)
    await register(siti)
    data = await siti.ask("/data_saya")
    assert "************0001" in data.text
    assert SITI_NIK not in data.text
    assert "Siti Aminah" in data.text and "Rp500.000" in data.text


async def test_hapus_data_after_confirmation_leaves_only_anonymous_counts(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1062)
    await register(siti)
    confirm = await siti.ask("/hapus_data")
    assert "Ya, hapus data saya" in confirm.button_labels
    done = await siti.tap("Ya, hapus data saya")
    assert "sudah dihapus" in done.text
    reg = await scalar(wrse, select(Registrant))
    assert reg.status == "deleted" and reg.verdict == "eligible"
    assert reg.kecamatan_code == "35.79.03"  # still counted by kecamatan
    for column in (
        "full_name",
        "nik",
        "nik_hash",
        "phone",
        "monthly_income",
        "birth_date",
        "address",
        "user_id",
    ):
        assert getattr(reg, column) is None, column
    assert await scalar(wrse, select(Assessment.results)) is None
    assert reg.consent_at is not None and reg.deleted_at is not None  # anonymous proof
    assert await scalar(wrse, select(Consent)) is None  # nothing links to her any more
    again = await siti.ask("/data_saya")
    assert "belum terdaftar" in again.text


# ---- durability: redelivery and restarts ----------------------------------------


async def test_a_redelivered_update_is_handled_once(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1070)
    await register_until(siti, "nama lengkap")
    update_id = await siti.send("Siti Aminah")
    nik_question = await siti.reply()
    assert "NIK" in nik_question.text
    emulator.redeliver(update_id)  # Telegram sends "Siti Aminah" again
    await siti.send(SITI_NIK)
    reply = await siti.reply()
    # Had the copy been applied, it would have been refused as a NIK first.
    assert "12 Maret 1980" in reply.text


async def test_an_answer_survives_a_restart_and_no_question_is_asked_twice(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    siti = emulator.user(1071)
    async with start_bot():
        await register_until(siti, "status perkawinan")
    async with start_bot():
        reply = await siti.tap("Cerai mati")
        assert "pencari nafkah utama" in reply.text


async def test_a_question_saved_but_never_sent_is_sent_after_restart(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    from wrse_bot.forms.engine import Answer

    siti = emulator.user(1072)
    async with start_bot() as app:
        await register_until(siti, "nama lengkap")
        # The process dies between saving her answer and sending the next question.
        await app.bot_data.runtime.forms.handle(1072, None, Answer("text", "Siti Aminah"))
    async with start_bot():
        owed = await siti.reply()
        assert "NIK" in owed.text


async def test_the_whole_registration_works_on_postgresql(
    emulator: BotApiEmulator, start_bot: RunningBot, pg_url: str
) -> None:
    siti = emulator.user(1080)
    async with start_bot(pg_url) as app:
        verdict = await register(siti)
        assert "Ibu memenuhi syarat program WRSE" in verdict.text
        assert (await scalar(app, select(Registrant))).nik == SITI_NIK
    async with start_bot(pg_url):  # and it survives a restart there too
        data = await siti.ask("/data_saya")
        assert "************0001" in data.text
