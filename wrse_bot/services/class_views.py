"""A class as women and staff see it (one read model for both), and the
staff's rosters. Reads only, except that looking at a roster is audited."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from wrse_bot.clock import now as clock_now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Enrolment, Registrant, TrainingClass
from wrse_bot.domain.schedule import Span
from wrse_bot.domain.statuses import ClassStatus, EnrolmentStatus
from wrse_bot.services import reminders
from wrse_bot.services.audience import consenting
from wrse_bot.services.class_labels import place_label
from wrse_bot.services.roles import audit

# Who hears about a change: everyone holding or waiting for a seat.
NOTIFY_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED, EnrolmentStatus.WAITLISTED)
ROSTER_ORDER = (*NOTIFY_STATUSES, EnrolmentStatus.CANCELLED)


@dataclass(frozen=True)
class SessionInfo:
    id: int
    span: Span


@dataclass(frozen=True)
class ClassCard:
    id: int
    skill: str
    title: str
    description: str
    place: str
    kecamatan_code: str
    trainer: str
    capacity: int
    taken: int
    enrol_deadline: datetime
    status: str
    sessions: tuple[SessionInfo, ...]  # soonest first
    waiting: int = 0  # women on the waitlist (counted for staff only)

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)

    @property
    def spans(self) -> tuple[tuple[datetime, datetime], ...]:
        return tuple((x.span.starts_at, x.span.ends_at) for x in self.sessions)

    @property
    def first_start(self) -> datetime | None:
        return self.sessions[0].span.starts_at if self.sessions else None

    @property
    def place_label(self) -> str:
        return place_label(self)


# The card's fields that are the class's columns of the same name.
_SAME_NAMES = [f.name for f in fields(ClassCard) if f.name not in ("taken", "sessions", "waiting")]


def card_of(cls: TrainingClass, *, taken: int | None = None, waiting: int = 0) -> ClassCard:
    """``cls`` with its sessions loaded."""
    sessions = sorted(cls.sessions, key=lambda x: (x.starts_at, x.ends_at, x.id))
    return ClassCard(
        **{name: getattr(cls, name) for name in _SAME_NAMES},
        taken=cls.taken if taken is None else taken,
        sessions=tuple(SessionInfo(x.id, Span(x.starts_at, x.ends_at)) for x in sessions),
        waiting=waiting,
    )


async def load_class(s: AsyncSession, class_id: int, *, lock: bool = False) -> TrainingClass | None:
    """The class with its sessions, read afresh."""
    stmt = (
        select(TrainingClass)
        .where(TrainingClass.id == class_id)
        .options(selectinload(TrainingClass.sessions))
        .execution_options(populate_existing=True)
    )
    if lock:
        # FOR NO KEY UPDATE: the lock an UPDATE takes; inserts that merely
        # reference the class (foreign keys) are not blocked by it.
        stmt = stmt.with_for_update(key_share=True)
    return await s.scalar(stmt)


async def load_card(s: AsyncSession, class_id: int) -> ClassCard | None:
    """The class with its waitlist counted, for staff."""
    cls = await load_class(s, class_id)
    if cls is None:
        return None
    waiting = await s.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.class_id == class_id, Enrolment.status == EnrolmentStatus.WAITLISTED)
    )
    return card_of(cls, waiting=int(waiting or 0))


async def staff_classes(s: AsyncSession, *, include_past: bool = False) -> list[ClassCard]:
    """Published classes, soonest first (with past ones too when asked)."""
    rows = await s.scalars(
        select(TrainingClass)
        .where(TrainingClass.status == ClassStatus.PUBLISHED)
        .order_by(TrainingClass.enrol_deadline, TrainingClass.id)
        .options(selectinload(TrainingClass.sessions))
    )
    cards = [card_of(c) for c in rows]
    if include_past:
        return cards
    current = clock_now()
    return [c for c in cards if not c.sessions or c.sessions[-1].span.ends_at > current]


@dataclass(frozen=True)
class RosterLine:
    enrolment_id: int
    user_id: int
    name: str
    phone: str
    status: str
    completed: bool
    # Her answers to session reminders: (session start, coming), by session.
    rsvps: tuple[tuple[datetime, bool], ...] = ()
    number: int | None = None  # her registration number (/stimulan, /kunjungan)


@dataclass(frozen=True)
class Roster:
    info: ClassCard
    groups: dict[str, list[RosterLine]]


async def roster(s: AsyncSession, class_id: int, *, actor_id: int | None) -> Roster | None:
    """Names and phone numbers by status; looking is audit-logged (UU PDP)."""
    info = await load_card(s, class_id)
    if info is None:
        return None
    rows = await s.execute(
        select(Enrolment, Registrant.full_name, Registrant.phone, Registrant.id)
        .outerjoin(Registrant, Registrant.user_id == Enrolment.user_id)
        .where(Enrolment.class_id == class_id)
        .order_by(Enrolment.id)
    )
    groups: dict[str, list[RosterLine]] = {status: [] for status in ROSTER_ORDER}
    answers = await reminders.rsvps_for_class(s, class_id)
    for e, name, phone, number in rows:
        rsvps, name, phone = tuple(answers.get(e.id, ())), name or "-", phone or "-"
        line = RosterLine(e.id, e.user_id, name, phone, e.status, e.completed, rsvps, number)
        groups.setdefault(e.status, []).append(line)
    audit(s, actor_id, "view_roster", detail=str(class_id))
    return Roster(info, groups)


async def affected(s: AsyncSession, class_id: int) -> list[RosterLine]:
    """Who a cancellation would tell (names only, no phone numbers)."""
    rows = await s.execute(
        select(Enrolment.id, Enrolment.user_id, Enrolment.status, Registrant.full_name)
        .outerjoin(Registrant, Registrant.user_id == Enrolment.user_id)
        .where(
            Enrolment.class_id == class_id,
            Enrolment.status.in_(NOTIFY_STATUSES),
            consenting(Enrolment.user_id),
        )
        .order_by(Enrolment.id)
    )
    return [RosterLine(eid, uid, name or "-", "", st, False) for eid, uid, st, name in rows]


async def recipients(s: AsyncSession, class_id: int) -> list[int]:
    """Women enrolled, offered a seat or waitlisted, in the order they joined."""
    return [line.user_id for line in await affected(s, class_id)]


async def read_card(db: Database, class_id: int) -> ClassCard | None:
    async with db.sessions() as s:
        return await load_card(s, class_id)
