"""Check-ins on SQLite and PostgreSQL: created when a woman completes a class
(never twice), cancelled when completion is withdrawn, asked, re-asked once and
given up on by the tick, and answered through the service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import make_settings
from tests.factories import make_class, make_woman
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    CheckIn,
    ClassSession,
    Enrolment,
    FollowUp,
    OutboxMessage,
    Registrant,
)
from wrse_bot.forms.engine import Answer
from wrse_bot.services.attendance import mark, recompute_completion
from wrse_bot.services.checkins import SPEC, CheckInService, Notice, income_change, rounds
from wrse_bot.services.forms import FormRunner, Status

DAY = 86_400
SHARE = Decimal("0.75")
REASK = 3 * DAY


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
def service(db: Database, db_url: str) -> CheckInService:
    return CheckInService(db, make_settings(db_url, checkin_reask_after_seconds=REASK))


@pytest.fixture
def forms(db: Database) -> FormRunner:
    return FormRunner(db, [SPEC])


def render(kind: str, notice: Notice) -> tuple[str, dict, str | None]:
    return f"{kind}:{notice.class_title}", {"inline_keyboard": []}, None


async def enrolled_woman(db: Database, uid: int = 7001, income: str | None = "500000") -> int:
    """A woman enrolled in a two-session class; returns the enrolment id."""
    await make_woman(db, uid)
    cid = await make_class(db)
    async with db.transaction() as s:
        reg = await s.scalar(select(Registrant).where(Registrant.user_id == uid))
        reg.monthly_income = income
        enrolment = Enrolment(class_id=cid, user_id=uid, status="enrolled")
        s.add(enrolment)
        await s.flush()
        return enrolment.id


async def attend(db: Database, eid: int, present: tuple[bool, ...], offsets: list[int]) -> None:
    async with db.transaction() as s:
        enrolment = await s.get(Enrolment, eid)
        sessions = (
            await s.scalars(
                select(ClassSession.id)
                .where(ClassSession.class_id == enrolment.class_id)
                .order_by(ClassSession.starts_at)
            )
        ).all()
        for sid, here in zip(sessions, present, strict=True):
            await mark(s, sid, eid, here, marked_by=None)
        await recompute_completion(s, enrolment.class_id, SHARE, checkin_after_seconds=offsets)


async def checkins(db: Database) -> list[CheckIn]:
    async with db.sessions() as s:
        return list(await s.scalars(select(CheckIn).order_by(CheckIn.round_days)))


async def count(db: Database, model: type) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


# ---- creation and cancellation ------------------------------------------------------


def test_rounds_are_days_and_seconds_offsets_are_numbered() -> None:
    assert rounds([30 * DAY, 90 * DAY, 180 * DAY]) == [
        (30, 30 * DAY),
        (90, 90 * DAY),
        (180, 180 * DAY),
    ]
    assert rounds([5, 1]) == [(1, 1), (2, 5)]


def test_income_change_compares_with_her_income_at_intake() -> None:
    assert income_change(500_000, 750_000) == "rose"
    assert income_change(500_000, 500_000) == "same"
    assert income_change(500_000, 0) == "fell"
    assert income_change(None, 500_000) is None


async def test_completing_a_class_schedules_one_check_in_per_round(db: Database) -> None:
    eid = await enrolled_woman(db)
    before = datetime.now(UTC)
    await attend(db, eid, (True, True), [30 * DAY, 90 * DAY, 180 * DAY])
    rows = await checkins(db)
    assert [r.round_days for r in rows] == [30, 90, 180]
    assert {r.status for r in rows} == {"scheduled"}
    assert all(r.user_id == 7001 and r.enrolment_id == eid for r in rows)
    due = rows[0].due_at - timedelta(days=30)
    assert before - timedelta(seconds=1) <= due <= datetime.now(UTC)


async def test_completion_recomputed_again_adds_no_second_set(db: Database) -> None:
    eid = await enrolled_woman(db)
    await attend(db, eid, (True, True), [30 * DAY, 90 * DAY])
    await attend(db, eid, (True, True), [30 * DAY, 90 * DAY])
    async with db.transaction() as s:  # even when forced as if new
        await s.execute(Enrolment.__table__.update().values(completed=False))
    await attend(db, eid, (True, True), [30 * DAY, 90 * DAY])
    assert await count(db, CheckIn) == 2


async def test_withdrawn_completion_cancels_rounds_not_yet_asked(db: Database) -> None:
    eid = await enrolled_woman(db)
    await attend(db, eid, (True, True), [1, 2 * DAY])
    async with db.transaction() as s:
        first = await s.scalar(select(CheckIn).where(CheckIn.round_days == 1))
        first.status = "asked"
    await attend(db, eid, (True, False), [1, 2 * DAY])  # 1 of 2 sessions: not complete
    assert [r.status for r in await checkins(db)] == ["asked", "cancelled"]

    await attend(db, eid, (True, True), [1, 2 * DAY])  # corrected back: scheduled again
    assert [r.status for r in await checkins(db)] == ["asked", "scheduled"]
    assert await count(db, CheckIn) == 2


# ---- the tick -------------------------------------------------------------------------


async def test_tick_asks_reasks_once_then_marks_no_response(
    db: Database, service: CheckInService
) -> None:
    eid = await enrolled_woman(db)
    await attend(db, eid, (True, True), [60])
    due = (await checkins(db))[0].due_at

    early = await service.tick(due - timedelta(seconds=1), render)
    assert not early.asked and (await checkins(db))[0].status == "scheduled"

    asked = await service.tick(due, render)
    again = await service.tick(due + timedelta(seconds=5), render)
    assert asked.asked == [7001] and not again.asked
    ci = (await checkins(db))[0]
    assert ci.status == "asked" and ci.asked_at == due
    async with db.sessions() as s:
        outbox = (await s.scalars(select(OutboxMessage))).all()
    assert [(m.kind, m.user_id, m.text) for m in outbox] == [
        ("checkin", 7001, "ask:Menjahit Dasar")
    ]

    not_yet = await service.tick(due + timedelta(seconds=REASK - 1), render)
    assert not not_yet.reasked
    reasked = await service.tick(due + timedelta(seconds=REASK), render)
    assert reasked.reasked == [7001]
    assert not (await service.tick(due + timedelta(seconds=REASK + 10), render)).reasked
    assert (await checkins(db))[0].status == "reasked"
    assert await count(db, OutboxMessage) == 2

    gave_up = await service.tick(due + timedelta(seconds=2 * REASK), render)
    assert gave_up.no_response == [7001]
    await service.tick(due + timedelta(seconds=3 * REASK), render)
    ci = (await checkins(db))[0]
    assert ci.status == "no_response"
    async with db.sessions() as s:
        reasons = (await s.scalars(select(FollowUp.reason))).all()
    assert reasons == ["no_response"]
    assert await count(db, OutboxMessage) == 2  # no third message


async def test_a_deleted_registration_is_not_asked(db: Database, service: CheckInService) -> None:
    eid = await enrolled_woman(db)
    await attend(db, eid, (True, True), [60])
    async with db.transaction() as s:
        reg = await s.scalar(select(Registrant))
        reg.status = "deleted"
    result = await service.tick(datetime.now(UTC) + timedelta(hours=1), render)
    assert result.cancelled == 1 and not result.asked
    assert (await checkins(db))[0].status == "cancelled"
    assert await count(db, OutboxMessage) == 0


# ---- answering through the service ------------------------------------------------------


async def answer_all(forms: FormRunner, cid: int, answers: list[Answer]) -> None:
    view = await forms.open(7001, "checkin", cid)
    for ans in answers:
        if ans.kind == "choice":
            ans = Answer("choice", ans.value, view.rev)
        view = await forms.handle(7001, None, ans)
        assert view.problem is None, (ans, view)
    assert view.status == Status.DONE


async def test_answers_are_stored_and_a_fall_in_income_needs_a_person(
    db: Database, service: CheckInService, forms: FormRunner
) -> None:
    eid = await enrolled_woman(db, income="800000")
    await attend(db, eid, (True, True), [60])
    await service.tick(datetime.now(UTC) + timedelta(hours=1), render)
    cid = (await checkins(db))[0].id
    await answer_all(
        forms,
        cid,
        [
            Answer("text", "1,5"),  # ambiguous: confirmed
            Answer("choice", "c1"),
            Answer("choice", "yes"),
            Answer("text", "warung pecel"),
            Answer("choice", "t_mesin_jahit"),
            Answer("choice", "t_modal_usaha"),
            Answer("choice", "done"),
            Answer("choice", "modal"),
            Answer("choice", "yes"),
        ],
    )
    ci = (await checkins(db))[0]
    assert ci.status == "answered" and ci.answered_at is not None
    assert ci.income in ("1500", "1500000")
    assert ci.business_started is True and ci.business_kind == "warung pecel"
    assert ci.help_received == ["mesin_jahit", "modal_usaha"]
    assert ci.obstacle == "modal" and ci.wants_contact is True
    expected = "rose" if int(ci.income) > 800_000 else "fell"
    assert ci.income_change == expected
    assert ci.income_bracket == int(ci.income) // 100_000
    async with db.sessions() as s:
        reasons = sorted((await s.scalars(select(FollowUp.reason))).all())
    assert reasons == sorted(["wants_contact", *(["income_fell"] if expected == "fell" else [])])


async def test_a_button_from_another_womans_check_in_changes_nothing(
    db: Database, service: CheckInService, forms: FormRunner
) -> None:
    eid = await enrolled_woman(db)
    await attend(db, eid, (True, True), [60])
    await service.tick(datetime.now(UTC) + timedelta(hours=1), render)
    cid = (await checkins(db))[0].id
    assert (await forms.open(7999, "checkin", cid)).status == Status.REFUSED
    view = await forms.handle(7999, None, Answer("choice", "none", 0), form="checkin")
    assert view.status == Status.NONE  # she has no open form at all
    assert await forms.active(7999) is None
    ci = (await checkins(db))[0]
    assert ci.income is None and ci.status == "asked"
