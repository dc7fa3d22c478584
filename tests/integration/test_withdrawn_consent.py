"""Issue 9, "Withdrawn consent stops all processing", on SQLite and PostgreSQL:
after /hapus_data no check-in question or re-ask, no follow-up, no class
notice, no seat offer, no reminder and no broadcast goes to her. The same
holds for a registration marked deleted whose rows outlived it (an older
version of the bot erased only the registration row): every audience query
asks services/audience.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from tests.conftest import make_settings
from tests.factories import make_class, make_woman, wib
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import CheckIn, ClassSession, Enrolment, FollowUp, OutboxMessage, Registrant
from wrse_bot.services import classes, reminders
from wrse_bot.services.broadcast import Audience, count_recipients
from wrse_bot.services.checkins import CheckInService, Notice
from wrse_bot.services.class_changes import cancel_class
from wrse_bot.services.my_data import MyDataService

HER, NEIGHBOUR = 880_022_001, 7101
DAY = 86_400


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url, checkin_reask_after_seconds=3 * DAY)


def render(kind: str, notice: Notice) -> tuple[str, dict[str, Any] | None, str | None]:
    return f"{kind}:{notice.class_title}", None, None


async def her_programme(db: Database, settings: Settings) -> dict[str, int]:
    """Enrolled (reminders planned), first on a waitlist, and three check-ins:
    one due to be asked, one due a re-ask, one due to be given up on."""
    await make_woman(db, HER)
    await make_woman(db, NEIGHBOUR)
    enrolled = await make_class(db, title="Menjahit Dasar")
    assert (await classes.enrol(db, HER, enrolled, settings=settings)).outcome == "enrolled"
    full = await make_class(
        db, title="Membatik", capacity=1, sessions=[(wib(2030, 12, 10, 9), wib(2030, 12, 10, 12))]
    )
    assert (await classes.enrol(db, NEIGHBOUR, full, settings=settings)).outcome == "enrolled"
    assert (await classes.enrol(db, HER, full, settings=settings)).outcome == "waitlisted"
    past = await make_class(
        db,
        title="Kue Kering",
        sessions=[(wib(2026, 1, 6, 9), wib(2026, 1, 6, 12))],
        deadline=wib(2026, 1, 1),
    )
    long_ago = datetime.now(UTC) - timedelta(days=4)
    async with db.transaction() as s:
        done = Enrolment(class_id=past, user_id=HER, status="enrolled", completed=True)
        s.add(done)
        await s.flush()
        common = dict(enrolment_id=done.id, user_id=HER, class_id=past, due_at=long_ago)
        s.add_all(
            [
                CheckIn(
                    **common,
                    round_days=30,
                    status="reasked",
                    asked_at=long_ago,
                    reasked_at=long_ago,
                ),
                CheckIn(**common, round_days=90, status="asked", asked_at=long_ago),
                CheckIn(**common, round_days=180, status="scheduled"),
            ]
        )
    return {"enrolled": enrolled, "full": full}


async def to_her(db: Database, **where: Any) -> list[OutboxMessage]:
    async with db.sessions() as s:
        stmt = select(OutboxMessage).where(OutboxMessage.user_id == HER)
        for column, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, column) == value)
        return list((await s.scalars(stmt)).all())


async def follow_ups(db: Database) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(FollowUp)) or 0)


async def nothing_reaches_her(db: Database, settings: Settings, ids: dict[str, int]) -> None:
    """Every channel, one by one."""
    # Check-ins: no question, no re-ask, no follow-up for her silence.
    tick = await CheckInService(db, settings).tick(datetime.now(UTC), render)
    assert HER not in tick.asked + tick.reasked + tick.no_response
    assert await to_her(db, kind="checkin", status="pending") == []
    assert await follow_ups(db) == 0
    # Broadcasts: neither general nor about her classes.
    async with db.sessions() as s:
        for audience in (
            Audience("all"),
            Audience("kecamatan", "35.79.03"),
            Audience("interest", "menjahit"),
            Audience("enrolled", ids["enrolled"]),
            Audience("waitlisted", ids["full"]),
        ):
            assert await count_recipients(s, audience) == (
                1 if audience.kind in ("all", "kecamatan", "interest") else 0
            ), audience  # the one counted is her neighbour
    # Reminders: none pending, and none planned again when a session moves.
    assert await to_her(db, kind="reminder", status="pending") == []
    async with db.transaction() as s:
        first = await s.scalar(
            select(ClassSession.id)
            .where(ClassSession.class_id == ids["enrolled"])
            .order_by(ClassSession.starts_at)
        )
        await reminders.reschedule_session(s, settings, int(first or 0))
    assert await to_her(db, kind="reminder", status="pending") == []
    # A seat freed in the class she waited for is not offered to her.
    async with db.sessions() as s:
        neighbours = await s.scalar(
            select(Enrolment.id).where(
                Enrolment.user_id == NEIGHBOUR, Enrolment.class_id == ids["full"]
            )
        )
    cancelled = await classes.cancel(db, settings, NEIGHBOUR, int(neighbours or 0))
    assert cancelled.outcome == "cancelled" and cancelled.offered_next is None
    # Class notices: the class is cancelled; everyone concerned is told, not her.
    async with db.transaction() as s:
        await cancel_class(s, ids["enrolled"], actor_id=None)
    assert await to_her(db, kind="notice") == []
    assert await to_her(db, status="pending") == []


async def test_after_hapus_data_nothing_more_goes_to_her(db: Database, settings: Settings) -> None:
    ids = await her_programme(db, settings)
    assert await MyDataService(db, settings).delete(HER, update_id=None)
    await nothing_reaches_her(db, settings, ids)


async def test_a_registration_deleted_before_erasure_existed_is_no_audience(
    db: Database, settings: Settings
) -> None:
    """Rows an older /hapus_data left behind (it cleared only the registration
    row): the audience rule alone keeps them quiet."""
    ids = await her_programme(db, settings)
    async with db.transaction() as s:
        await s.execute(
            update(Registrant)
            .where(Registrant.user_id == HER)
            .values(status="deleted", user_id=None, full_name=None)
        )
        await s.execute(
            update(OutboxMessage)  # those the old code left pending
            .where(OutboxMessage.user_id == HER)
            .values(status="cancelled")
        )
    await nothing_reaches_her(db, settings, ids)
    async with db.sessions() as s:
        statuses = (await s.scalars(select(CheckIn.status).order_by(CheckIn.round_days))).all()
    assert statuses == ["cancelled", "cancelled", "cancelled"]
