"""Issue 8 §7, "Retention is enforced, not only promised", on SQLite and
PostgreSQL, with the clock moved forward: registrations past the period in
the consent text and forms untouched for 30 days are erased as /hapus_data
erases, and every run is audit-logged with its counts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import make_settings
from tests.factories import make_class, make_woman
from wrse_bot import clock, crypto
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    ActiveForm,
    AuditEvent,
    Enrolment,
    Registrant,
    TrainingClass,
    User,
)
from wrse_bot.services import classes
from wrse_bot.services.retention import enforce_retention, years_before

OLD, YOUNG, LEFTOVER = 7301, 7302, 7303
DRAFTER, FRESH_DRAFTER = 7311, 7312
NIK = "3579034107850003"
START = datetime.now(UTC)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url, retention_years=5)


def move_clock(monkeypatch: pytest.MonkeyPatch, to: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: to)


async def registered(db: Database, uid: int, *, consent_at: datetime) -> int:
    reg_id = await make_woman(db, uid, full_name=f"Ibu {uid}")
    async with db.transaction() as s:
        reg = await s.get(Registrant, reg_id)
        reg.consent_at = consent_at
        reg.nik = NIK
        reg.nik_hash = crypto.protector().nik_hash(f"{NIK}{uid}")
        reg.phone = "081298765432"
    return reg_id


async def draft(
    db: Database, uid: int, *, touched: datetime, registrant_id: int | None = None
) -> None:
    async with db.transaction() as s:
        if await s.get(User, uid) is None:
            s.add(User(id=uid))
            await s.flush()
        s.add(
            ActiveForm(
                user_id=uid,
                form="intake",
                step="phone",
                answers={"nik": NIK, "full_name": f"Ibu {uid}"},
                subject=registrant_id,
                updated_at=touched,
            )
        )


async def runs(db: Database) -> list[dict[str, int]]:
    async with db.sessions() as s:
        details = await s.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "retention_run")
            .order_by(AuditEvent.id)
        )
        return [json.loads(d) for d in details]


async def test_registrations_past_the_retention_period_are_erased(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = await registered(db, OLD, consent_at=START)
    young = await registered(db, YOUNG, consent_at=years_before(START, -1))  # a year later
    cid = await make_class(db, capacity=5)
    assert (await classes.enrol(db, OLD, cid)).outcome == "enrolled"

    move_clock(monkeypatch, years_before(START, -5) + timedelta(days=1))
    report = await enforce_retention(db, settings)

    assert (report.registrations, report.drafts, report.leftovers) == (1, 0, 0)
    async with db.sessions() as s:
        gone = await s.get(Registrant, old)
        kept = await s.get(Registrant, young)
        assert gone.status == "deleted" and gone.verdict == "eligible"  # still counted
        assert gone.full_name is None and gone.nik_hash is None and gone.user_id is None
        assert await s.get(User, OLD) is None
        assert (await s.scalars(select(Enrolment))).all() == []
        assert (await s.get(TrainingClass, cid)).taken == 0  # her seat is free again
        assert kept.status == "active" and kept.full_name == f"Ibu {YOUNG}"
    assert await runs(db) == [
        {"registrations": 1, "drafts": 0, "edit_drafts": 0, "leftovers": 0, "seats_offered": 0}
    ]
    # A second run finds nothing more, and says so.
    await enforce_retention(db, settings)
    assert (await runs(db))[-1]["registrations"] == 0


async def test_forms_untouched_for_30_days_are_erased(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await draft(db, DRAFTER, touched=START)  # a new registration, never finished
    await draft(db, FRESH_DRAFTER, touched=START + timedelta(days=2))
    young = await registered(db, YOUNG, consent_at=START)
    await draft(db, YOUNG, touched=START, registrant_id=young)  # an edit, left unfinished
    # Rows an older /hapus_data left: an enrolment, and nothing else of hers.
    await make_woman(db, LEFTOVER)
    cid = await make_class(db)
    assert (await classes.enrol(db, LEFTOVER, cid)).outcome == "enrolled"
    async with db.transaction() as s:
        reg = await s.scalar(select(Registrant).where(Registrant.user_id == LEFTOVER))
        reg.user_id, reg.status = None, "deleted"

    move_clock(monkeypatch, START + timedelta(days=31))
    report = await enforce_retention(db, settings)

    assert (report.drafts, report.edit_drafts, report.leftovers) == (1, 1, 1)
    assert report.registrations == 0
    async with db.sessions() as s:
        forms = (await s.scalars(select(ActiveForm.user_id))).all()
        assert forms == [FRESH_DRAFTER]  # 29 days old: kept
        assert await s.get(User, DRAFTER) is None
        assert (await s.get(Registrant, young)).status == "active"  # the registration stays
        assert await s.get(User, LEFTOVER) is None
        leftover = await s.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.user_id == LEFTOVER)
        )
        assert leftover == 0
        assert (await s.get(TrainingClass, cid)).taken == 0
    assert (await runs(db))[-1]["drafts"] == 1


def test_the_period_counts_calendar_years() -> None:
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert years_before(leap, 5) == datetime(2023, 2, 28, 12, tzinfo=UTC)
    assert years_before(datetime(2031, 3, 1, tzinfo=UTC), 5) == datetime(2026, 3, 1, tzinfo=UTC)
