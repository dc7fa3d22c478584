"""Who came to which session, and who completed a class.

A woman completes a class when she attended at least ``settings.completion_share``
(default 75%) of its sessions (issue 3, "/hadir"). Completion is what later
follow-ups hang on, so ``recompute_completion`` is the one place it is decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Attendance, ClassSession, Enrolment, Registrant, TrainingClass
from wrse_bot.domain.statuses import ClassStatus, EnrolmentStatus
from wrse_bot.services.checkins import cancel_scheduled, schedule_checkins
from wrse_bot.services.updates import claim_update

# Only women holding a seat are marked; a cancelled or waitlisted one did not attend.
MARKABLE = EnrolmentStatus.ENROLLED


class AttendanceError(ValueError):
    """A session or enrolment that cannot be marked (gone, cancelled, another class)."""


def completes(attended: int, total: int, share: Decimal) -> bool:
    """``attended / total >= share``, in exact arithmetic (3 of 4 is exactly 0.75)."""
    return total > 0 and Decimal(attended) >= share * total


async def _check(s: AsyncSession, session_id: int, enrolment_id: int | None = None) -> int:
    """The class of a markable session (and enrolment); raises if stale or forged."""
    row = (
        await s.execute(
            select(ClassSession.class_id, TrainingClass.status)
            .join(TrainingClass, TrainingClass.id == ClassSession.class_id)
            .where(ClassSession.id == session_id)
        )
    ).first()
    if row is None or row.status != ClassStatus.PUBLISHED:
        raise AttendanceError("session gone or class cancelled")
    if enrolment_id is not None:
        enrolment = await s.get(Enrolment, enrolment_id)
        if enrolment is None or enrolment.class_id != row.class_id:
            raise AttendanceError("enrolment of another class")
        if enrolment.status != MARKABLE:
            raise AttendanceError("not enrolled")
    return int(row.class_id)


async def mark(
    s: AsyncSession,
    session_id: int,
    enrolment_id: int,
    present: bool,
    *,
    marked_by: int | None,
) -> None:
    """Set (not toggle) her mark for a session: a double tap changes nothing."""
    await _check(s, session_id, enrolment_id)
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    values = {"present": present, "marked_by": marked_by, "marked_at": now()}
    stmt = insert(Attendance).values(session_id=session_id, enrolment_id=enrolment_id, **values)
    keys = ["session_id", "enrolment_id"]
    await s.execute(stmt.on_conflict_do_update(index_elements=keys, set_=values))


DEFAULT_SHARE: Decimal = Settings.model_fields["completion_share"].default
DEFAULT_CHECKINS: list[int] = Settings.model_fields["checkin_after_seconds"].default


async def recompute_completion(
    s: AsyncSession,
    class_id: int,
    share: Decimal = DEFAULT_SHARE,
    *,
    checkin_after_seconds: Sequence[int] = DEFAULT_CHECKINS,
) -> int:
    """Set ``Enrolment.completed`` for every enrolment of the class; returns how many completed.

    ``share`` is ``settings.completion_share``; only women still enrolled can complete.
    A woman who becomes complete gets her check-ins (``settings.checkin_after_seconds``
    after now) in this transaction; if her completion is withdrawn (attendance
    corrected), the rounds not yet asked are cancelled.
    """
    sessions = select(func.count()).where(ClassSession.class_id == class_id)
    total = int(await s.scalar(sessions) or 0)
    present = (
        select(Attendance.enrolment_id, func.count())
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(ClassSession.class_id == class_id, Attendance.present.is_(True))
        .group_by(Attendance.enrolment_id)
    )
    attended = dict((await s.execute(present)).all())
    places = select(Enrolment.id, Enrolment.status, Enrolment.completed, Enrolment.user_id)
    rows = (await s.execute(places.where(Enrolment.class_id == class_id))).all()
    completed = 0
    for eid, status, was, uid in rows:
        done = status == MARKABLE and completes(int(attended.get(eid, 0)), total, share)
        completed += done
        if done != was:
            stmt = update(Enrolment).where(Enrolment.id == eid).values(completed=done)
            await s.execute(stmt.execution_options(synchronize_session=False))
            if done:
                await schedule_checkins(
                    s,
                    enrolment_id=eid,
                    user_id=uid,
                    class_id=class_id,
                    completed_at=now(),
                    offsets_seconds=checkin_after_seconds,
                )
            else:
                await cancel_scheduled(s, eid)
    return completed


# ---- the /hadir screen ----------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    enrolment_id: int
    name: str
    present: bool
    marked: bool  # False until someone tapped her or saved the session


@dataclass(frozen=True)
class SessionSheet:
    session_id: int
    class_id: int
    marks: tuple[Mark, ...]

    @property
    def present(self) -> int:
        return sum(m.present for m in self.marks)


@dataclass(frozen=True)
class SaveResult:
    sheet: SessionSheet
    completed: int


class AttendanceService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def sheet(self, session_id: int) -> SessionSheet:
        async with self.db.sessions() as s:
            return await _sheet(s, session_id)

    async def mark(
        self,
        actor_id: int,
        update_id: int | None,
        session_id: int,
        enrolment_id: int,
        present: bool,
    ) -> SessionSheet:
        async with self.db.transaction() as s:
            if await claim_update(s, update_id):
                await mark(s, session_id, enrolment_id, present, marked_by=actor_id)
            return await _sheet(s, session_id)

    async def save(self, actor_id: int, update_id: int | None, session_id: int) -> SaveResult:
        """Whoever was not ticked is recorded absent; completion follows."""
        async with self.db.transaction() as s:
            class_id = await _check(s, session_id)
            if await claim_update(s, update_id):
                for m in (await _sheet(s, session_id)).marks:
                    if not m.marked:
                        await mark(s, session_id, m.enrolment_id, False, marked_by=actor_id)
            completed = await recompute_completion(
                s,
                class_id,
                self.settings.completion_share,
                checkin_after_seconds=self.settings.checkin_after_seconds,
            )
            return SaveResult(await _sheet(s, session_id), completed)


async def _sheet(s: AsyncSession, session_id: int) -> SessionSheet:
    class_id = await _check(s, session_id)
    rows = await s.execute(
        select(Enrolment.id, Registrant.full_name, Attendance.present)
        .outerjoin(Registrant, Registrant.user_id == Enrolment.user_id)
        .outerjoin(
            Attendance,
            (Attendance.enrolment_id == Enrolment.id) & (Attendance.session_id == session_id),
        )
        .where(Enrolment.class_id == class_id, Enrolment.status == MARKABLE)
        .order_by(Enrolment.id)
    )
    marks = tuple(
        Mark(eid, name or "-", bool(present), present is not None) for eid, name, present in rows
    )
    # Names are encrypted, so the database cannot sort by them: sort here.
    marks = tuple(sorted(marks, key=lambda m: (m.name.casefold(), m.enrolment_id)))
    return SessionSheet(session_id, class_id, marks)
