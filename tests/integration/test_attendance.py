"""Attendance and completion, and the rules a class must meet to be published or
changed: the services against SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    ClassSession,
    Enrolment,
    OutboxMessage,
    Registrant,
    TrainingClass,
    User,
)
from wrse_bot.domain.class_spec import ClassAdminError, ClassSpec, validate_spec
from wrse_bot.domain.schedule import Span
from wrse_bot.services.attendance import (
    AttendanceError,
    completes,
    mark,
    recompute_completion,
)
from wrse_bot.services.class_changes import (
    ClassChange,
    cancel_class,
    edit_class,
    publish_class,
    reschedule_session,
)

NOW = datetime.now(UTC)
DAY = timedelta(days=1)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


def session(days_ahead: int, hours: int = 3) -> Span:
    start = (NOW + days_ahead * DAY).replace(microsecond=0)
    return Span(start, start + timedelta(hours=hours))


async def completed_enrolments(db: Database, class_id: int) -> list[int]:
    """Enrolments marked as having completed the class (what reports count)."""
    async with db.sessions() as s:
        rows = await s.scalars(
            select(Enrolment.id)
            .where(Enrolment.class_id == class_id, Enrolment.completed.is_(True))
            .order_by(Enrolment.id)
        )
        return list(rows)


def spec(**overrides: object) -> ClassSpec:
    base = ClassSpec(
        skill="membatik",
        title="Membatik Tulis",
        description="Belajar membatik tulis.",
        place="Balai Desa Beji",
        kecamatan_code="35.79.03",
        trainer="Bu Sri",
        capacity=10,
        sessions=tuple(session(10 + i) for i in range(4)),
        enrol_deadline=NOW + 5 * DAY,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


async def published(db: Database, **overrides: object) -> int:
    async with db.transaction() as s:
        return (await publish_class(s, spec(**overrides), actor_id=1)).id


async def enrol(db: Database, class_id: int, user_id: int, status: str = "enrolled") -> int:
    async with db.transaction() as s:
        if await s.get(User, user_id) is None:
            s.add(User(id=user_id))
            await s.flush()
            # Only a registered woman (consent standing) is written to.
            s.add(Registrant(user_id=user_id, status="active", verdict="eligible"))
        enrolment = Enrolment(class_id=class_id, user_id=user_id, status=status)
        s.add(enrolment)
        if status in ("enrolled", "offered"):
            cls = await s.get(TrainingClass, class_id)
            assert cls is not None
            cls.taken += 1
        await s.flush()
        return enrolment.id


async def session_ids(db: Database, class_id: int) -> list[int]:
    async with db.sessions() as s:
        return list(
            await s.scalars(
                select(ClassSession.id)
                .where(ClassSession.class_id == class_id)
                .order_by(ClassSession.starts_at)
            )
        )


# ---- completion ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "total", "done"),
    [(3, 4, True), (2, 4, False), (4, 4, True), (0, 4, False), (1, 1, True), (2, 3, False)],
)
def test_completion_is_at_least_three_quarters_of_the_sessions(
    attended: int, total: int, done: bool
) -> None:
    assert completes(attended, total, Decimal("0.75")) is done


async def test_three_of_four_sessions_complete_a_class_and_two_do_not(db: Database) -> None:
    class_id = await published(db)
    siti, dewi = await enrol(db, class_id, 101), await enrol(db, class_id, 102)
    sessions = await session_ids(db, class_id)
    async with db.transaction() as s:
        for sid in sessions[:3]:
            await mark(s, sid, siti, True, marked_by=1)
        for sid in sessions[:2]:
            await mark(s, sid, dewi, True, marked_by=1)
        await mark(s, sessions[3], siti, False, marked_by=1)
        await mark(s, sessions[2], dewi, False, marked_by=1)
        assert await recompute_completion(s, class_id, Decimal("0.75")) == 1
    assert await completed_enrolments(db, class_id) == [siti]


async def test_a_later_absence_mark_undoes_completion(db: Database) -> None:
    class_id = await published(db, sessions=(session(10), session(11)))
    siti = await enrol(db, class_id, 103)
    first, second = await session_ids(db, class_id)
    async with db.transaction() as s:
        await mark(s, first, siti, True, marked_by=1)
        await mark(s, second, siti, True, marked_by=1)
        assert await recompute_completion(s, class_id) == 1
        await mark(s, second, siti, False, marked_by=1)  # corrected: she was not there
        assert await recompute_completion(s, class_id) == 0
    assert await completed_enrolments(db, class_id) == []


async def test_the_share_is_a_setting(db: Database) -> None:
    class_id = await published(db)
    siti = await enrol(db, class_id, 104)
    sessions = await session_ids(db, class_id)
    async with db.transaction() as s:
        for sid in sessions[:2]:
            await mark(s, sid, siti, True, marked_by=1)
        assert await recompute_completion(s, class_id, Decimal("0.5")) == 1
        assert await recompute_completion(s, class_id, Decimal("0.75")) == 0


async def test_only_enrolled_women_can_be_marked(db: Database) -> None:
    class_id = await published(db)
    other_class = await published(db, title="Kelas Lain")
    waiting = await enrol(db, class_id, 105, status="waitlisted")
    elsewhere = await enrol(db, other_class, 106)
    sid = (await session_ids(db, class_id))[0]
    async with db.transaction() as s:
        with pytest.raises(AttendanceError):
            await mark(s, sid, waiting, True, marked_by=1)
        with pytest.raises(AttendanceError):
            await mark(s, sid, elsewhere, True, marked_by=1)


# ---- publishing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"capacity": 0},
        {"capacity": 501},
        {"sessions": ()},
        {"sessions": (Span(NOW - DAY, NOW - DAY + timedelta(hours=2)),)},
        {
            "sessions": (
                session(10, 3),
                Span(
                    session(10).starts_at + timedelta(hours=1),
                    session(10).ends_at + timedelta(hours=1),
                ),
            )
        },
        {"enrol_deadline": NOW + 20 * DAY},  # after the first session
        {"enrol_deadline": NOW - DAY},
        {"skill": "berkebun"},
        {"kecamatan_code": "35.07.01"},
        {"title": "x"},
    ],
)
def test_a_class_breaking_a_rule_is_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ClassAdminError):
        validate_spec(spec(**overrides), now=NOW)


async def test_a_refused_class_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(ClassAdminError):
        async with db.transaction() as s:
            await publish_class(s, spec(capacity=0), actor_id=1)
    async with db.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(TrainingClass)) == 0
        assert await s.scalar(select(func.count()).select_from(ClassSession)) == 0


async def test_capacity_of_one_and_of_five_hundred_are_allowed(db: Database) -> None:
    await published(db, capacity=1)
    await published(db, capacity=500)


# ---- changing ----------------------------------------------------------------------------


async def test_capacity_never_drops_below_the_seats_taken(db: Database) -> None:
    class_id = await published(db, capacity=5)
    for uid in (111, 112, 113):
        await enrol(db, class_id, uid)
    with pytest.raises(ClassAdminError):
        async with db.transaction() as s:
            await edit_class(s, class_id, ClassChange(capacity=2), actor_id=1)
    async with db.transaction() as s:
        await edit_class(s, class_id, ClassChange(capacity=3), actor_id=1)
    async with db.sessions() as s:
        assert (await s.get(TrainingClass, class_id)).capacity == 3  # type: ignore[union-attr]


async def test_a_new_place_is_told_to_enrolled_offered_and_waitlisted_only(db: Database) -> None:
    class_id = await published(db)
    await enrol(db, class_id, 121)
    await enrol(db, class_id, 122, status="offered")
    await enrol(db, class_id, 123, status="waitlisted")
    await enrol(db, class_id, 124, status="cancelled")
    async with db.transaction() as s:
        result = await edit_class(
            s, class_id, ClassChange(place="Balai Kota Among Tani"), actor_id=1
        )
    assert result.notified == 3
    async with db.sessions() as s:
        told = list(await s.scalars(select(OutboxMessage.user_id).order_by(OutboxMessage.user_id)))
        text = await s.scalar(select(OutboxMessage.text))
    assert told == [121, 122, 123]
    assert "Balai Kota Among Tani" in text


async def test_a_session_cannot_be_moved_onto_another_or_into_the_past(db: Database) -> None:
    class_id = await published(db)
    first, second, *_ = await session_ids(db, class_id)
    for span in (session(11), Span(NOW - DAY, NOW - DAY + timedelta(hours=1))):
        with pytest.raises(ClassAdminError):
            async with db.transaction() as s:
                await reschedule_session(s, first, span, actor_id=1)
    with pytest.raises(ClassAdminError):  # before the enrolment deadline
        async with db.transaction() as s:
            await reschedule_session(s, first, session(2), actor_id=1)
    async with db.transaction() as s:
        await reschedule_session(s, first, session(30), actor_id=1)
    assert second in await session_ids(db, class_id)


async def test_a_cancelled_class_cannot_be_cancelled_or_changed_again(db: Database) -> None:
    class_id = await published(db)
    await enrol(db, class_id, 131)
    async with db.transaction() as s:
        assert (await cancel_class(s, class_id, actor_id=1)).notified == 1
    for action in (
        lambda s: cancel_class(s, class_id, actor_id=1),
        lambda s: edit_class(s, class_id, ClassChange(title="Nama Baru"), actor_id=1),
    ):
        with pytest.raises(ClassAdminError):
            async with db.transaction() as s:
                await action(s)
    async with db.sessions() as s:
        cls = await s.get(TrainingClass, class_id)
        assert cls is not None and cls.status == "cancelled" and cls.taken == 0
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
