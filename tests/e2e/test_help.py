"""Issue 8 §4: help that reaches a person, and no question is a dead end."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.flows import register_until
from wrse_bot.db.models import (
    ActiveForm,
    OutboxMessage,
    Registrant,
    RoleGrant,
    StaffFlag,
    User,
)
from wrse_bot.devtools.emulator import BotApiEmulator, BotMessage, FakeUser
from wrse_bot.forms.intake import NAME as INTAKE

HER_INTAKE = select(ActiveForm).where(ActiveForm.form == INTAKE)  # her registration in progress

DUTY_PHONE = 9500  # the officer on duty's chat, as WRSE_HELP_CHAT_ID
STAFF_A, STAFF_B = 9501, 9502
HELP = "🙋 Minta bantuan petugas"


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def scalar(app: Application, stmt):  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return await s.scalar(stmt)


@pytest.fixture
async def office(start_bot: RunningBot) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with start_bot(help_chat_id=DUTY_PHONE, dispatch_interval_seconds=0.05) as app:
        yield app


async def miss_three_times(user: FakeUser, answer: str = "entah") -> BotMessage:
    for _ in range(2):
        await user.ask(answer)
    return await user.ask(answer)


async def test_help_reaches_the_officer_on_duty_now_with_who_where_and_how_to_reach_her(
    emulator: BotApiEmulator, office: Application
) -> None:
    duty = emulator.user(DUTY_PHONE, "Petugas")
    siti = emulator.user(4001)
    await register_until(siti, "status perkawinan")
    await miss_three_times(siti)
    await siti.tap(HELP)

    told = await duty.reply()
    assert "minta bantuan petugas" in told.plain_text
    assert "Siti Aminah" in told.plain_text
    assert "Beji, Junrejo" in told.plain_text
    assert "Status perkawinan" in told.plain_text  # the question, as staff know it
    assert "marital" not in told.plain_text
    assert 'href="tg://user?id=4001"' in told.text
    assert "/verifikasi" in told.plain_text


async def test_without_a_help_chat_every_staff_member_is_told(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    staff = [emulator.user(uid, "Petugas") for uid in (STAFF_A, STAFF_B)]
    async with start_bot(dispatch_interval_seconds=0.05) as app:
        async with db_of(app).transaction() as s:
            for uid in (STAFF_A, STAFF_B):
                s.add(User(id=uid))
                s.add(RoleGrant(user_id=uid, role="staff"))
        siti = emulator.user(4002)
        await register_until(siti, "NIK")
        await miss_three_times(siti, "123")
        await siti.tap(HELP)
        for officer in staff:
            told = await officer.reply()
            assert "Siti Aminah" in told.plain_text and "NIK (16 angka)" in told.plain_text
            assert "Desa/kelurahan: -" in told.plain_text  # not answered yet


async def test_a_verifikasi_card_names_her_question_never_a_step_code(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_A})):
        siti = emulator.user(4003)
        await register_until(siti, "kelas apa")
        await miss_three_times(siti)
        await siti.tap(HELP)
        card = await emulator.user(STAFF_A).ask("/verifikasi")
    assert "Kelas yang diminati" in card.plain_text
    assert "intake step" not in card.plain_text and "interests" not in card.plain_text


async def test_the_help_button_comes_below_the_answers_so_none_moves(
    emulator: BotApiEmulator, office: Application
) -> None:
    siti = emulator.user(4004)
    question = await register_until(siti, "status perkawinan")
    third = await miss_three_times(siti)
    assert third.button_labels == [*question.button_labels, HELP]


async def test_a_woman_without_a_phone_of_her_own_can_say_so(
    emulator: BotApiEmulator, office: Application
) -> None:
    siti = emulator.user(4005)
    question = await register_until(siti, "nomor HP")
    assert "Tidak punya HP sendiri" in question.button_labels
    assert "Pakai akun Telegram ini" in question.button_labels
    review = await siti.tap("Tidak punya HP sendiri")
    assert "Nomor HP: Tidak punya HP sendiri" in review.plain_text
    await siti.tap("✅ Kirim")
    reg = await scalar(office, select(Registrant))
    assert reg.phone is None and reg.contact_by == "no_phone"


async def test_a_woman_who_borrows_a_phone_asks_to_be_reached_on_this_telegram_account(
    emulator: BotApiEmulator, office: Application
) -> None:
    siti = emulator.user(4006)
    await register_until(siti, "nomor HP")
    review = await siti.tap("Pakai akun Telegram ini")
    assert "Nomor HP: Lewat akun Telegram ini" in review.plain_text
    await siti.tap("✅ Kirim")
    reg = await scalar(office, select(Registrant))
    assert reg.phone is None and reg.contact_by == "telegram"
    data = await siti.ask("/data_saya")
    assert "Lewat akun Telegram ini" in data.plain_text


async def test_the_phone_question_offers_help_after_three_misses_like_every_other(
    emulator: BotApiEmulator, office: Application
) -> None:
    duty = emulator.user(DUTY_PHONE, "Petugas")
    siti = emulator.user(4007)
    question = await register_until(siti, "nomor HP")
    third = await miss_three_times(siti, "belum tahu")
    assert third.button_labels == [*question.button_labels, HELP]
    helped = await siti.tap(HELP)
    assert "Petugas sudah diberi tahu" in helped.plain_text and "nomor HP" in helped.plain_text
    assert "Nomor HP" in (await duty.reply()).plain_text
    flag = await scalar(office, select(StaffFlag).where(StaffFlag.kind == "help_requested"))
    assert flag.user_id == 4007


async def test_bantuan_gives_the_office_phone_and_hours(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(office_phone="0812 0000 1111", office_hours="Senin–Jumat 08.00–15.00"):
        reply = await emulator.user(4008).ask("/bantuan")
    assert "Telepon atau WhatsApp: 0812 0000 1111" in reply.plain_text
    assert "Jam layanan: Senin–Jumat 08.00–15.00" in reply.plain_text


# ---- issue 9: help requests honour the button, one open request per woman ----


async def test_a_help_button_from_an_earlier_question_is_refused(
    emulator: BotApiEmulator, office: Application
) -> None:
    siti = emulator.user(4009)
    await register_until(siti, "status perkawinan")
    offered = await miss_three_times(siti)
    await siti.tap("Cerai mati")  # she found the answer after all
    await siti.press(HELP, message=offered)
    again = await siti.reply()
    assert "pencari nafkah utama" in again.plain_text  # the current question
    assert "sebelumnya" in (await siti.callback_answer()).text
    assert await scalar(office, select(func.count()).select_from(StaffFlag)) == 0


async def test_asking_again_keeps_one_open_request_and_tells_staff_once(
    emulator: BotApiEmulator, office: Application
) -> None:
    duty = emulator.user(DUTY_PHONE, "Petugas")
    siti = emulator.user(4010)
    await register_until(siti, "status perkawinan")
    await miss_three_times(siti)
    await siti.tap(HELP)
    await miss_three_times(siti)
    await siti.tap(HELP)
    flags = await scalar(office, select(func.count()).select_from(StaffFlag))
    assert flags == 1
    await duty.reply()
    told = await scalar(
        office,
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "staff_help"),
    )
    assert told == 1


async def test_a_shared_contact_counts_only_when_it_is_her_own(
    emulator: BotApiEmulator, office: Application
) -> None:
    siti = emulator.user(4011)
    await register_until(siti, "nomor HP")
    await siti.send_contact("+6281299998888", own=False, first_name="Anak")
    asked = await siti.reply()
    assert "kontak orang lain" in asked.plain_text and "ketik nomor HP Ibu" in asked.plain_text
    assert "nomor HP" in asked.plain_text  # the same question again
    draft = await scalar(office, HER_INTAKE)
    assert draft.step == "phone" and "phone" not in draft.answers
    await siti.send_contact(siti.phone.removeprefix("+"), own=True)
    review = await siti.reply()
    assert "periksa" in review.plain_text


async def test_the_officer_sees_how_to_reach_a_woman_without_a_phone(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_A})):
        siti = emulator.user(4012)
        await register_until(siti, "penghasilan")
        await siti.ask("3,5 juta")  # an income an officer must look at
        await siti.tap("Tamat SD")
        await siti.tap("Buruh tani")
        await siti.press("▫️ Menjahit")
        await siti.reply()
        await siti.tap("Selesai")
        await siti.tap("Pakai akun Telegram ini")
        await siti.tap("✅ Kirim")
        card = await emulator.user(STAFF_A).ask("/verifikasi")
    assert "Nomor HP: Lewat akun Telegram ini" in card.plain_text
    assert "tg://user?id=4012" in card.text


async def test_typing_minta_bantuan_petugas_on_any_question_asks_for_help(
    emulator: BotApiEmulator, office: Application
) -> None:
    duty = emulator.user(DUTY_PHONE, "Petugas")
    siti = emulator.user(4013)
    await register_until(siti, "NIK")
    helped = await siti.ask("minta bantuan petugas")
    assert "Petugas sudah diberi tahu" in helped.plain_text and "NIK" in helped.plain_text
    assert "NIK (16 angka)" in (await duty.reply()).plain_text
