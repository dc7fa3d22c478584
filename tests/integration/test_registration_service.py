"""Registration rules that need a real database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from tests.conftest import make_settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, Registrant, StaffFlag, User
from wrse_bot.forms.engine import Answer
from wrse_bot.services import intake
from wrse_bot.services.forms import FormRunner, Status

ANSWERS = {
    "consent": True,
    "consent_version": "2026-11-v1",
    "consent_at": "2026-11-27T10:00:00+00:00",
    "full_name": "Siti Aminah",
    "nik": "3579035203800001",
    "birth_ok": True,
    "kecamatan_code": "35.79.03",
    "village_code": "35.79.03.2002",
    "address": None,
    "marital_status": "cerai_mati",
    "main_earner": True,
    "dependents": 3,
    "income": 500_000,
    "education": "sd",
    "occupation": "buruh_tani",
    "interests": ["menjahit"],
    "phone": "+6281234567890",
}


async def _at_review(db: Database, user_id: int) -> None:
    async with db.transaction() as s:
        s.add(User(id=user_id, language="id"))
        await s.flush()
        s.add(
            ActiveForm(
                user_id=user_id,
                form=intake.INTAKE,
                step="review",
                answers=dict(ANSWERS),
                rev=5,
                prompted_rev=5,
                misses=0,
                paused=False,
            )
        )


async def test_the_same_nik_submitted_at_the_same_instant_has_one_holder(db_url: str) -> None:
    db = Database(db_url)
    service = FormRunner(db, [intake.spec(make_settings(db_url))])
    try:
        await asyncio.gather(*(_at_review(db, uid) for uid in (1, 2, 3, 4)))
        views = await asyncio.gather(
            *(
                service.handle(uid, 9000 + uid, Answer("choice", "submit", 5))
                for uid in (1, 2, 3, 4)
            )
        )
        assert sorted(v.notices[0].duplicate for v in views) == [False, True, True, True]
        async with db.sessions() as s:
            regs = (await s.scalars(select(Registrant))).all()
            flags = (
                await s.scalars(select(StaffFlag).where(StaffFlag.kind == "duplicate_nik"))
            ).all()
        holders = [r for r in regs if r.duplicate_of_id is None]
        assert len(regs) == 4 and len(holders) == 1
        assert all(r.duplicate_of_id == holders[0].id for r in regs if r is not holders[0])
        assert len(flags) == 3
    finally:
        await db.dispose()


async def test_a_redelivered_submit_registers_once(db_url: str) -> None:
    db = Database(db_url)
    service = FormRunner(db, [intake.spec(make_settings(db_url))])
    try:
        await _at_review(db, 7)
        first = await service.handle(7, 777, Answer("choice", "submit", 5))
        again = await service.handle(7, 777, Answer("choice", "submit", 5))
        assert first.status == Status.DONE and again.status == Status.NONE  # nothing open
        async with db.sessions() as s:
            assert len((await s.scalars(select(Registrant))).all()) == 1
    finally:
        await db.dispose()


async def test_update_ids_older_than_telegram_redelivers_are_forgotten(db_url: str) -> None:
    from datetime import timedelta

    from wrse_bot.db.models import ProcessedUpdate
    from wrse_bot.services.updates import claim_update, forget_old_updates

    db = Database(db_url)
    try:
        async with db.transaction() as s:
            assert await claim_update(s, 1)
        async with db.transaction() as s:
            assert await forget_old_updates(s, timedelta(days=2)) == 0  # still recent
            assert await forget_old_updates(s, timedelta(seconds=-1)) == 1
        async with db.sessions() as s:
            assert (await s.scalars(select(ProcessedUpdate))).all() == []
    finally:
        await db.dispose()
