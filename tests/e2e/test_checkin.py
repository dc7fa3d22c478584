"""Check-ins, as a woman experiences them months after her class: the real bot
over HTTP against the Bot API emulator, with offsets of seconds and, where the
test needs days to pass, the tick called with an injected ``now``."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from telegram.ext import Application

from conversations.checkin import checkin_tick
from tests.e2e.conftest import RunningBot
from tests.factories import make_class, make_woman
from wrse_bot.db.models import (
    ActiveForm,
    CheckIn,
    ClassSession,
    Enrolment,
    FollowUp,
    Registrant,
)
from wrse_bot.devtools.emulator import BotApiEmulator, BotMessage, FakeUser
from wrse_bot.services.attendance import mark, recompute_completion

HOUR = 3600
DAY = 86_400
# Quiet hours off (start == end): the tests run at any hour of the day.
NO_QUIET = {"quiet_start": time(0, 0), "quiet_end": time(0, 0)}


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def complete_class(app: Application, uid: int, *, income: str = "500000") -> None:  # type: ignore[type-arg]
    """She registered (income at intake ``income``), enrolled and attended every session."""
    runtime = app.bot_data.runtime
    db = db_of(app)
    await make_woman(db, uid)
    cid = await make_class(db)
    async with db.transaction() as s:
        reg = await s.scalar(select(Registrant).where(Registrant.user_id == uid))
        reg.monthly_income = income
        enrolment = Enrolment(class_id=cid, user_id=uid, status="enrolled")
        s.add(enrolment)
        await s.flush()
        for sid in await s.scalars(select(ClassSession.id).where(ClassSession.class_id == cid)):
            await mark(s, sid, enrolment.id, True, marked_by=None)
        await recompute_completion(
            s,
            cid,
            runtime.settings.completion_share,
            checkin_after_seconds=runtime.settings.checkin_after_seconds,
        )


async def checkin_of(app: Application, uid: int) -> CheckIn:  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return await s.scalar(select(CheckIn).where(CheckIn.user_id == uid))


async def open_step(app: Application, uid: int) -> str | None:  # type: ignore[type-arg]
    """The question her open check-in stands at (the engine service's row)."""
    async with db_of(app).sessions() as s:
        return await s.scalar(
            select(ActiveForm.step).where(ActiveForm.user_id == uid, ActiveForm.form == "checkin")
        )


async def follow_ups(app: Application) -> list[str]:  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return sorted((await s.scalars(select(FollowUp.reason))).all())


async def asked(app: Application, user: FakeUser) -> BotMessage:  # type: ignore[type-arg]
    """Time passes until her check-in is due; the greeting with "Mulai" arrives."""
    ci = await checkin_of(app, user.id)
    await checkin_tick(app, ci.due_at + timedelta(seconds=1))
    greeting = await user.reply()
    assert "Halo, Ibu" in greeting.text and "Menjahit Dasar" in greeting.text
    assert greeting.button_labels == ["▶️ Mulai"]
    return greeting


async def started(app: Application, user: FakeUser) -> BotMessage:  # type: ignore[type-arg]
    """She completed a class, her check-in came and she tapped "Mulai": question 1."""
    await complete_class(app, user.id)
    await asked(app, user)
    return await user.tap("▶️ Mulai")


# ---- the whole check-in ----------------------------------------------------------------


async def test_a_check_in_fires_seconds_after_completion_and_she_answers_everything(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    siti = emulator.user(4001)
    async with start_bot(
        checkin_after_seconds=[1], dispatch_interval_seconds=0.5, **NO_QUIET
    ) as app:
        await complete_class(app, siti.id, income="500000")
        greeting = await siti.reply(timeout=15)  # the repeating job asks her by itself
        assert "Halo, Ibu" in greeting.text and "5 pertanyaan singkat" in greeting.text

        q1 = await siti.tap("▶️ Mulai")
        assert "(1/5)" in q1.text and "penghasilan" in q1.text and "bulan lalu" in q1.text
        assert "Tidak ada penghasilan" in q1.button_labels
        q2 = await siti.ask("300rb")
        assert "(2/5)" in q2.text and "usaha sendiri" in q2.text
        assert q2.button_labels == ["Ya", "Belum", "⬅️ Kembali"]
        kind = await siti.tap("Ya")
        assert "Usaha apa" in kind.text
        assert {"Menjahit", "Memasak", "Kue kering", "Membatik", "Lainnya"} <= set(
            kind.button_labels
        )
        q3 = await siti.tap("Menjahit")
        assert "(3/5)" in q3.text and "Bantuan usaha" in q3.text
        await siti.press("▫️ Mesin jahit")
        toggled = await siti.reply()
        assert "✅ Mesin jahit" in toggled.button_labels
        q4 = await siti.tap("Selesai")
        assert "(4/5)" in q4.text and "hambatan terbesar" in q4.text
        assert "Waktu / mengurus anak" in q4.button_labels
        other = await siti.tap("Lainnya")
        assert "apa yang menghambat" in other.text
        q5 = await siti.ask("anak sering sakit")
        assert "(5/5)" in q5.text and "dihubungi petugas" in q5.text
        thanks = await siti.tap("Ya")
        assert "Terima kasih, Ibu" in thanks.text and "Petugas akan segera" in thanks.text

        ci = await checkin_of(app, siti.id)
        assert ci.status == "answered" and ci.answered_at is not None
        assert ci.income == "300000" and ci.income_bracket == 3 and ci.income_change == "fell"
        assert ci.business_started is True and ci.business_kind == "menjahit"
        assert ci.help_received == ["mesin_jahit"]
        assert ci.obstacle == "lainnya" and ci.obstacle_other == "anak sering sakit"
        assert ci.wants_contact is True
        assert await follow_ups(app) == ["income_fell", "wants_contact"]

        # Afterwards her messages are the bot's ordinary business again.
        after = await siti.ask("halo")
        assert "Dinas Sosial Kota Batu" in after.text and after.reply_keyboard is not None


async def test_kembali_goes_back_one_question_and_a_new_answer_replaces_the_old(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    siti = emulator.user(4005)
    async with start_bot(checkin_after_seconds=[HOUR], **NO_QUIET) as app:
        q1 = await started(app, siti)
        assert "⬅️ Kembali" not in q1.button_labels  # nothing before the first question
        q2 = await siti.ask("300rb")
        assert "(2/5)" in q2.text

        again = await siti.tap("⬅️ Kembali")
        assert "(1/5)" in again.text and "penghasilan" in again.text
        assert "(2/5)" in (await siti.ask("450rb")).text
        q3 = await siti.tap("Belum")
        assert "(3/5)" in q3.text
        back = await siti.ask("kembali")  # typed works as well as the button
        assert "(2/5)" in back.text and "usaha sendiri" in back.text
        assert "(3/5)" in (await siti.tap("Belum")).text

        ci = await checkin_of(app, siti.id)
        assert ci.status == "asked" and await open_step(app, siti.id) == "help"
        assert ci.income == "450000" and ci.business_started is False


async def test_unclear_answers_are_asked_again_kindly(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    sri = emulator.user(4002)
    async with start_bot(checkin_after_seconds=[HOUR], **NO_QUIET) as app:
        await complete_class(app, sri.id, income="500000")
        before = await sri.ask("halo")  # nothing open yet: the ordinary greeting and menu
        assert "Dinas Sosial Kota Batu" in before.text and before.reply_keyboard is not None
        await asked(app, sri)
        q1 = await sri.ask("halo")  # typing instead of "Mulai" starts it too
        assert "(1/5)" in q1.text

        await sri.send_sticker()
        sticker = await sri.reply()
        assert sticker.text.startswith("⚠️") and "500rb atau 1,5 juta" in sticker.text
        assert "stiker, dan video belum bisa kami lihat" in sticker.text
        await sri.send_voice()
        voice = await sri.reply()
        assert "pesan suara belum bisa kami dengar" in voice.text and "(1/5)" in voice.text
        nonsense = await sri.ask("banyak sekali")
        assert nonsense.text.startswith("⚠️") and "(1/5)" in nonsense.text
        confirm = await sri.ask("1,5")
        assert "Maksud Ibu" in confirm.text and "Rp1.500.000 per bulan" in confirm.button_labels
        q2 = await sri.tap("Rp1.500.000 per bulan")
        assert "(2/5)" in q2.text

        # A button two questions old is refused, and the open question shown again.
        await sri.press_data(q1.inline_data("Tidak ada penghasilan"), q1.message_id)
        note = await sri.callback_answer()
        assert "pertanyaan sebelumnya" in note.text
        again = await sri.reply()
        assert "Mari lanjutkan" in again.text and "(2/5)" in again.text

        unsure = await sri.ask("mungkin")
        assert "Silakan tekan salah satu tombol" in unsure.text
        q3 = await sri.ask("belum")
        assert "(3/5)" in q3.text
        empty = await sri.tap("Selesai")
        assert empty.text.startswith("⚠️") and "Tidak ada" in empty.text
        q4 = await sri.tap("Tidak ada")
        assert "(4/5)" in q4.text
        q5 = await sri.tap("Modal")
        thanks = await sri.tap("Tidak")
        assert "Terima kasih, Ibu" in thanks.text and "Petugas" not in thanks.text
        assert "(5/5)" in q5.text

        ci = await checkin_of(app, sri.id)
        assert ci.status == "answered" and ci.income == "1500000"
        assert ci.income_change == "rose" and ci.business_started is False
        assert ci.help_received == ["tidak_ada"] and ci.obstacle == "modal"
        assert ci.wants_contact is False
        assert await follow_ups(app) == []


# ---- resuming -----------------------------------------------------------------------------


async def test_a_half_answered_check_in_resumes_after_a_restart(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    ani = emulator.user(4003)
    settings = {"checkin_after_seconds": [HOUR], **NO_QUIET}
    async with start_bot(**settings) as app:
        await complete_class(app, ani.id)
        greeting = await asked(app, ani)
        await ani.tap("▶️ Mulai")
        await ani.ask("750rb")
        kind = await ani.tap("Ya")
        assert "Usaha apa" in kind.text

    async with start_bot(**settings) as app:  # the bot restarted
        q3 = await ani.ask("jualan gorengan")  # her typed answer still reaches the check-in
        assert "(3/5)" in q3.text
        ci = await checkin_of(app, ani.id)
        assert ci.income == "750000" and ci.business_kind == "jualan gorengan"
        assert ci.status == "asked" and await open_step(app, ani.id) == "help"

    async with start_bot(**settings) as app:
        resumed = await ani.tap("▶️ Mulai", message=greeting)  # "Mulai" again: where she stopped
        assert "(3/5)" in resumed.text and "Bantuan usaha" in resumed.text
        await ani.tap("Tidak ada")
        await ani.tap("Pemasaran")
        await ani.tap("Tidak")
        ci = await checkin_of(app, ani.id)
        assert ci.status == "answered" and ci.obstacle == "pemasaran"
        assert ci.income_change == "rose"


async def test_a_question_saved_but_never_sent_is_sent_after_a_restart(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    from wrse_bot.forms.engine import Answer

    nur = emulator.user(4004)
    settings = {"checkin_after_seconds": [HOUR], **NO_QUIET}
    async with start_bot(**settings) as app:
        await started(app, nur)
        # The process dies between saving her answer and sending the next question.
        await app.bot_data.runtime.forms.handle(nur.id, None, Answer("text", "600rb"))

    async with start_bot(**settings):
        owed = await nur.reply()
        assert "(2/5)" in owed.text and "usaha sendiri" in owed.text
        assert "(3/5)" in (await nur.tap("Belum")).text
    async with start_bot(**settings):  # delivered questions are not owed again
        await nur.no_reply()


# ---- no answer -----------------------------------------------------------------------------


async def test_one_gentle_reask_then_no_response_goes_to_the_coordinators(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    wati = emulator.user(4004)
    async with start_bot(
        checkin_after_seconds=[HOUR], checkin_reask_after_seconds=3 * DAY, **NO_QUIET
    ) as app:
        await complete_class(app, wati.id)
        due = (await checkin_of(app, wati.id)).due_at
        await asked(app, wati)

        await checkin_tick(app, due + timedelta(days=2))
        await wati.no_reply()
        await checkin_tick(app, due + timedelta(days=3, seconds=1))
        reask = await wati.reply()
        assert "masih ingin tahu kabar Ibu" in reask.text
        assert reask.button_labels == ["▶️ Mulai"]
        assert (await checkin_of(app, wati.id)).status == "reasked"

        await checkin_tick(app, due + timedelta(days=6, seconds=2))
        await checkin_tick(app, due + timedelta(days=9, seconds=3))
        await wati.no_reply()  # one re-ask only
        assert (await checkin_of(app, wati.id)).status == "no_response"
        assert await follow_ups(app) == ["no_response"]

        late = await wati.tap("▶️ Mulai", message=reask)  # a late answer is still welcome
        assert "(1/5)" in late.text


# ---- forged buttons ------------------------------------------------------------------------


async def test_a_forged_button_for_another_womans_check_in_is_refused(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    siti, eve = emulator.user(4005), emulator.user(4006)
    async with start_bot(checkin_after_seconds=[HOUR], **NO_QUIET) as app:
        await complete_class(app, siti.id)
        await asked(app, siti)
        cid = (await checkin_of(app, siti.id)).id
        start_before = datetime.now(UTC)

        hello = await eve.ask("/start")
        forged = (f"fo:checkin:{cid}", "fm:checkin:1:none", f"ci:{cid}:go", f"ci:{cid}:1:none")
        for data in (*forged, f"fo:checkin:{cid}x", "ci:x:go"):
            await eve.press_data(data, hello.message_id)
            refusal = await eve.callback_answer()
            assert "tidak berlaku" in refusal.text
        await eve.no_reply()

        ci = await checkin_of(app, siti.id)
        assert await open_step(app, eve.id) is None and await open_step(app, siti.id) is None
        assert ci.income is None
        assert ci.status == "asked" and ci.asked_at <= start_before + timedelta(hours=2)


async def test_a_redelivered_answer_is_applied_once(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    rina = emulator.user(4007)
    async with start_bot(checkin_after_seconds=[HOUR], **NO_QUIET) as app:
        await started(app, rina)
        await rina.ask("500rb")
        await rina.tap("Ya")
        update_id = await rina.send("warung bakso")
        assert "(3/5)" in (await rina.reply()).text
        emulator.redeliver(update_id)  # Telegram sends "warung bakso" again
        q4 = await rina.tap("Tidak ada")
        # Had the copy been applied, it would have been refused as a help choice first.
        assert "(4/5)" in q4.text
        ci = await checkin_of(app, rina.id)
        assert ci.business_kind == "warung bakso" and ci.help_received == ["tidak_ada"]


async def test_she_may_type_every_answer_instead_of_tapping(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    """Issue 10: labels, synonyms and small typos are accepted on every button question."""
    yuli = emulator.user(4009)
    async with start_bot(checkin_after_seconds=[HOUR], **NO_QUIET) as app:
        await started(app, yuli)
        assert "(2/5)" in (await yuli.ask("400rb")).text
        assert "Usaha apa" in (await yuli.ask("nggih")).text
        assert "(3/5)" in (await yuli.ask("masak")).text
        toggled = await yuli.ask("mesin jahit")  # typed: the question again, marked
        assert "(3/5)" in toggled.text and "✅ Mesin jahit" in toggled.button_labels
        assert "(4/5)" in (await yuli.ask("selesai")).text
        assert "(5/5)" in (await yuli.ask("kurang modal")).text
        thanks = await yuli.ask("mboten")
        assert "Terima kasih, Ibu" in thanks.text

        ci = await checkin_of(app, yuli.id)
        assert ci.business_started is True and ci.business_kind == "memasak"
        assert ci.help_received == ["mesin_jahit"] and ci.obstacle == "modal"
        assert ci.wants_contact is False
