"""Issue 9: no oracle for "is this NIK registered". Typing a NIK that is
already registered reads like any record an officer checks, and one account
can try only a few different NIKs a day."""

from __future__ import annotations

from sqlalchemy import select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.flows import SITI_NIK, register, register_until
from wrse_bot.db.models import NikAttempt, Registrant, StaffFlag
from wrse_bot.devtools.emulator import BotApiEmulator

OTHER_NIK = "3579035203800002"  # same woman's birth date, another serial: not registered
REVIEW_INCOME = "3,5 juta"  # per person between 1.2 and 1.6 x the poverty line


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def test_a_registered_nik_gets_the_same_reply_as_a_new_one_that_staff_check(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    await register(emulator.user(6001))
    fresh = await register(emulator.user(6002), nik=OTHER_NIK, income=REVIEW_INCOME)
    taken = await register(emulator.user(6003), income=REVIEW_INCOME)  # SITI_NIK again
    assert taken.text == fresh.text
    assert taken.reply_keyboard == fresh.reply_keyboard
    async with db_of(wrse).sessions() as s:
        flag = await s.scalar(select(StaffFlag).where(StaffFlag.kind == "duplicate_nik"))
        held = await s.scalar(select(Registrant).where(Registrant.user_id == 6003))
    assert flag is not None and flag.user_id == 6003  # staff are told
    assert held.status == "duplicate_review"  # and nothing was overwritten


async def test_a_registered_nik_is_never_called_registered_and_staff_will_contact_her(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    await register(emulator.user(6004))
    other = emulator.user(6005)
    reply = await register(other)  # eligible answers, someone else's NIK
    assert "sudah terdaftar" not in reply.text
    assert "Petugas perlu memeriksa" in reply.text
    assert "petugas Dinas Sosial akan menghubungi Ibu" in reply.text
    mine = await other.ask("/data_saya")
    assert "Sedang diperiksa petugas" in mine.plain_text and "sudah terdaftar" not in mine.text
    classes = await other.ask("/kelas")
    assert "sudah terdaftar" not in classes.text


async def test_one_account_may_try_only_a_few_different_niks_a_day(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(nik_tries_per_day=2) as app:
        siti = emulator.user(6006)
        await register_until(siti, "NIK")
        assert "12 Maret 1980" in (await siti.ask(SITI_NIK)).text
        await siti.tap("⬅️ Kembali")
        assert "12 Maret 1980" in (await siti.ask(OTHER_NIK)).text
        await siti.tap("⬅️ Kembali")
        refused = await siti.ask("3579035203800003")
        assert "beberapa NIK yang berbeda" in refused.text and "besok" in refused.text
        assert "NIK" in refused.text  # the same question again
        assert "🙋 Minta bantuan petugas" in refused.button_labels  # help at once
        # A NIK she already typed today is still accepted.
        assert "12 Maret 1980" in (await siti.ask(SITI_NIK)).text
        async with db_of(app).sessions() as s:
            hashes = (await s.scalars(select(NikAttempt.nik_hash))).all()
    assert len(hashes) == 2 and SITI_NIK not in hashes  # keyed hashes only
