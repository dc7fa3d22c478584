"""What a copy of the database shows (issue 9 A): her name, address, birth
date and the NIK's parts are ciphertext; the bot still reads them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from telegram.ext import Application

from tests.e2e.flows import register
from wrse_bot.db.models import Registrant
from wrse_bot.devtools.emulator import BotApiEmulator

PERSONAL = (
    "full_name",
    "sex",
    "birth_date",
    "nik_birth_date",
    "nik_kecamatan_code",
    "village_code",
    "address",
    "marital_status",
    "main_earner",
    "dependents",
    "education",
    "occupation",
)


async def test_a_raw_read_shows_no_name_address_or_birth_date_yet_the_bot_reads_them(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(1101)
    await register(siti)
    db = wrse.bot_data.runtime.db
    async with db.engine.connect() as conn:
        row = (await conn.exec_driver_sql(f"SELECT {', '.join(PERSONAL)} FROM registrants")).one()
    raw = " ".join(str(v) for v in row)
    for clear in ("Siti", "Aminah", "Mawar", "RT 02", "1980", "03-12", "35.79.03", "cerai"):
        assert clear not in raw
    assert all(str(v).startswith("gAAAAA") for v in row)  # Fernet tokens, every one

    async with db.sessions() as s:
        reg = await s.scalar(select(Registrant))
    assert reg.full_name == "Siti Aminah" and reg.address == "RT 02 RW 05, Jl. Mawar 10"
    assert reg.birth_date == date(1980, 3, 12) == reg.nik_birth_date
    assert reg.sex == "F" and reg.nik_kecamatan_code == "35.79.03"
    assert reg.dependents == 3 and reg.main_earner is True
    assert reg.kecamatan_code == "35.79.03"  # in clear: reports count by it

    mine = await siti.ask("/data_saya")
    assert "Siti Aminah" in mine.text and "Mawar" in mine.text and "1980" in mine.text
