"""Personal data at rest (issue 9 A), on SQLite and PostgreSQL: raw SQL shows
ciphertext where her words are, the app reads them back, and the migration
encrypts rows stored before it (and its downgrade decrypts them)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from tests.factories import make_class, make_woman
from wrse_bot.db.engine import Database
from wrse_bot.db.migrate import downgrade, upgrade
from wrse_bot.db.models import CheckIn, Enrolment, FollowUp, Registrant

WORDS = {
    "business_kind": "warung bakso Bu Sri",
    "obstacle_other": "anak sering sakit",
    "note": "Sudah ditelepon, suaminya pergi",
}


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


async def test_check_in_words_and_follow_up_notes_are_ciphertext_in_the_table(
    db: Database,
) -> None:
    await make_woman(db, 7101, full_name="Sri Wahyuni")
    cid = await make_class(db)
    async with db.transaction() as s:
        enrolment = Enrolment(class_id=cid, user_id=7101, status="enrolled")
        s.add(enrolment)
        await s.flush()
        ci = CheckIn(
            enrolment_id=enrolment.id,
            user_id=7101,
            class_id=cid,
            round_days=30,
            due_at=datetime(2030, 1, 1, tzinfo=UTC),
            status="answered",
            business_started=True,
            business_kind=WORDS["business_kind"],
            obstacle="lainnya",
            obstacle_other=WORDS["obstacle_other"],
        )
        s.add(ci)
        await s.flush()
        s.add(FollowUp(checkin_id=ci.id, reason="wants_contact", note=WORDS["note"]))

    async with db.engine.connect() as conn:
        checkin = (
            await conn.execute(text("SELECT business_kind, obstacle_other, obstacle FROM checkins"))
        ).one()
        note = (await conn.execute(text("SELECT note FROM follow_ups"))).scalar_one()
        name = (await conn.execute(text("SELECT full_name FROM registrants"))).scalar_one()
    raw = f"{checkin[0]} {checkin[1]} {note} {name}"
    for words in (*WORDS.values(), "Sri", "Wahyuni", "bakso", "sakit", "ditelepon"):
        assert words not in raw
    assert checkin.obstacle == "lainnya"  # the category stays countable

    async with db.sessions() as s:
        ci = await s.scalar(select(CheckIn))
        fu = await s.scalar(select(FollowUp))
    assert (ci.business_kind, ci.obstacle_other, fu.note) == (
        WORDS["business_kind"],
        WORDS["obstacle_other"],
        WORDS["note"],
    )


async def _sql(db: Database, sql: str, **params: object) -> list[tuple[object, ...]]:
    async with db.transaction() as s:
        result = await s.execute(text(sql), params)
        return [tuple(r) for r in result] if result.returns_rows else []


async def test_the_migration_encrypts_rows_stored_before_it_and_downgrade_decrypts(
    db_url: str,
) -> None:
    await asyncio.to_thread(downgrade, db_url, "0006")
    db = Database(db_url)
    try:
        await _sql(
            db,
            "INSERT INTO users (id, language, created_at, unreachable) "
            "VALUES (7201, 'id', :at, false)",
            at=datetime.now(UTC),
        )
        await _sql(
            db,
            "INSERT INTO registrants (user_id, status, full_name, sex, birth_date, nik_birth_date,"
            " nik_mismatch, nik_kecamatan_code, kecamatan_code, village_code, address,"
            " marital_status, main_earner, dependents, education, occupation, interests,"
            " created_at, updated_at) VALUES (7201, 'active', 'Siti Aminah', 'F', :born, :born,"
            " false, '35.79.03', '35.79.03', '35.79.03.2002', 'RT 02 RW 05, Jl. Mawar 10',"
            " 'cerai_mati', true, 3, 'sd', 'buruh_tani', '[]', :at, :at)",
            born=date(1980, 3, 12),
            at=datetime.now(UTC),
        )
        await asyncio.to_thread(upgrade, db_url)

        raw = await _sql(
            db, "SELECT full_name, birth_date, address, sex, dependents FROM registrants"
        )
        assert all(str(v).startswith("gAAAAA") for v in raw[0])
        async with db.sessions() as s:
            reg = await s.scalar(select(Registrant))
        assert reg.full_name == "Siti Aminah" and reg.birth_date == date(1980, 3, 12)
        assert reg.address == "RT 02 RW 05, Jl. Mawar 10" and reg.village_code == "35.79.03.2002"
        assert reg.main_earner is True and reg.dependents == 3 and reg.sex == "F"

        await asyncio.to_thread(downgrade, db_url, "0006")
        back = await _sql(
            db, "SELECT full_name, birth_date, address, main_earner, dependents FROM registrants"
        )
        name, born, address, main_earner, dependents = back[0]
        assert name == "Siti Aminah" and address == "RT 02 RW 05, Jl. Mawar 10"
        assert str(born) == "1980-03-12" and bool(main_earner) is True and dependents == 3
    finally:
        await db.dispose()
        await asyncio.to_thread(upgrade, db_url)
