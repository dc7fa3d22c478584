"""Issue 8 §5: a registered woman is greeted as registered, and "Ubah data
saya" has a way out that keeps her registration unchanged."""

from __future__ import annotations

from sqlalchemy import func, select
from telegram.ext import Application

from tests.e2e.flows import register, register_until
from wrse_bot.db.models import ActiveForm, Assessment, Registrant
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.forms.intake import NAME as INTAKE

HER_INTAKE = select(ActiveForm).where(ActiveForm.form == INTAKE)  # her registration in progress

REGISTERED_MENU = [["Kelas", "Data saya"], ["Bantuan"]]


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def scalar(app: Application, stmt):  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return await s.scalar(stmt)


async def test_start_greets_a_registered_woman_as_registered(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(5001)
    verdict = await register(siti)
    assert verdict.reply_keyboard == REGISTERED_MENU
    greeting = await siti.ask("/start")
    assert "sudah terdaftar" in greeting.plain_text
    assert "Tekan Daftar" not in greeting.plain_text
    assert greeting.reply_keyboard == REGISTERED_MENU


async def test_leaving_ubah_data_half_way_keeps_her_greeted_as_registered(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(5002)
    await register(siti)
    await siti.ask("/data_saya")
    await siti.tap("✏️ Ubah data saya")
    await siti.tap("✏️ Penghasilan")
    left = await siti.ask("/batal")
    assert "Tidak ada yang diubah" in left.plain_text
    greeting = await siti.ask("/start")
    assert "sudah terdaftar" in greeting.plain_text
    assert greeting.reply_keyboard == REGISTERED_MENU  # no "Lanjutkan pendaftaran"
    assert (await scalar(wrse, select(Registrant))).monthly_income == "500000"


async def test_ubah_data_has_a_way_out_that_keeps_her_registration_unchanged(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(5003)
    await register(siti)
    await siti.ask("/daftar")
    await siti.tap("Ubah data saya")
    await siti.tap("✏️ Penghasilan")
    review = await siti.ask("15 juta")
    assert "Rp15.000.000" in review.plain_text
    kept = await siti.tap("↩️ Batal, data saya tetap")
    assert "Tidak ada yang diubah" in kept.plain_text
    assert kept.reply_keyboard == REGISTERED_MENU
    reg = await scalar(wrse, select(Registrant))
    assert reg.monthly_income == "500000" and reg.verdict == "eligible"
    assert await scalar(wrse, select(func.count()).select_from(Assessment)) == 1
    assert (
        await scalar(
            wrse, select(func.count()).select_from(ActiveForm).where(ActiveForm.form == INTAKE)
        )
        == 0
    )
    mine = await siti.ask("/data_saya")
    assert "Rp500.000" in mine.plain_text


async def test_a_new_registration_offers_no_way_out_of_a_registration_she_never_sent(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    review = await register_until(emulator.user(5004))
    assert "↩️ Batal, data saya tetap" not in review.button_labels
