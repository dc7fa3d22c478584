"""Session reminders (issue 4): outbox rows of kind ``reminder``, one per enrolled
woman, session and reminder moment (by default the day before at 16.00 WIB and 2
hours before; ``reminder_day_before_at``, ``reminder_before_seconds``).

* Enrolling (or taking an offered seat) creates them in the same transaction; only
  moments still ahead are planned, and when some have passed but the session has not
  begun, the nearest goes out at once (``domain.timing.reminder_plan``).
* Each row expires at its session's start: one that cannot arrive in time (downtime,
  quiet hours) is skipped by the dispatcher with the reason stored.
* Leaving, losing a seat or a cancelled class withdraws her pending rows (cancelled,
  reason stored); a moved session or a new place withdraws and re-creates them. A
  withdrawn row gives up its ``dedupe_key`` so the moment can be planned again; sent
  rows keep theirs, so a reminder delivered is never repeated.
* Her answer ("Hadir" / "Tidak bisa hadir") is a ``SessionRsvp`` row, shown in /peserta.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.buttons import RsvpButton
from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ClassSession, Enrolment, OutboxMessage, SessionRsvp, TrainingClass
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.schedule import Span
from wrse_bot.domain.statuses import ClassStatus, EnrolmentStatus, OutboxKind, OutboxStatus
from wrse_bot.domain.timing import reminder_plan
from wrse_bot.i18n import N_, Translator, translator
from wrse_bot.services.audience import consenting
from wrse_bot.services.class_labels import place_label, session_label
from wrse_bot.services.notices import Tap, outbox_markup
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.updates import claim_update
from wrse_bot.services.users import language_of

CANCELLED_ENROLMENT = "cancelled: she left the class or lost her seat"
MOVED_SESSION = "cancelled: the session was moved"
CHANGED_CLASS = "cancelled: the class details changed"

REMINDER_TEXT = N_(
    "Reminder: class <b>{title}</b> ({skill}).\nWhen: {when}\nWhere: {place}\nWill you come?"
)
COMING = N_("I will come")
NOT_COMING = N_("I cannot come")


# ---- planning (without ``settings``, a caller that plans no reminders, nothing changes) --


def offsets_of(settings: Settings) -> list[timedelta | time]:
    """The configured reminder moments: a clock time the day before, and
    seconds before the start."""
    before = (timedelta(seconds=s) for s in settings.reminder_before_seconds)
    return [settings.reminder_day_before_at, *before]


def dedupe_key(enrolment_id: int, session_id: int, moment: datetime) -> str:
    stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"reminder:{enrolment_id}:{session_id}:{stamp}"


def reminder_text(t: Translator, cls: TrainingClass, session: ClassSession) -> str:
    return t(REMINDER_TEXT).format(
        title=html.escape(cls.title),
        skill=html.escape(t(SKILLS.get(cls.skill, cls.skill))),
        when=session_label(t, Span(session.starts_at, session.ends_at)),
        place=html.escape(place_label(cls)),
    )


def reminder_markup(t: Translator, enrolment_id: int, session_id: int) -> dict[str, Any]:
    yes = Tap(COMING, RsvpButton(enrolment_id, session_id, "y"), mark="✅ ")
    no = Tap(NOT_COMING, RsvpButton(enrolment_id, session_id, "n"))
    return outbox_markup(((yes, no),), t)


async def _enqueue_for(
    s: AsyncSession,
    offsets: list[timedelta | time],
    cls: TrainingClass,
    sessions: list[ClassSession],
    enrolment_id: int,
    user_id: int,
    now: datetime,
) -> int:
    t = translator(await language_of(s, user_id))
    count = 0
    for session in sessions:
        text = reminder_text(t, cls, session)
        markup = reminder_markup(t, enrolment_id, session.id)
        for moment, due in reminder_plan(session.starts_at, offsets, now):
            count += await enqueue(
                s,
                user_id=user_id,
                kind=OutboxKind.REMINDER,
                text=text,
                parse_mode="HTML",
                reply_markup=markup,
                due_at=due,
                expires_at=session.starts_at,
                class_id=cls.id,
                session_id=session.id,
                dedupe_key=dedupe_key(enrolment_id, session.id, moment),
            )
    return count


async def _future_sessions(s: AsyncSession, class_id: int, now: datetime) -> list[ClassSession]:
    return list(
        await s.scalars(
            select(ClassSession)
            .where(ClassSession.class_id == class_id, ClassSession.starts_at > now)
            .order_by(ClassSession.starts_at)
        )
    )


async def schedule_for_enrolment(
    s: AsyncSession,
    settings: Settings | None,
    enrolment_id: int,
    *,
    now: datetime | None = None,
) -> int:
    """Queue her reminders for every session ahead, in the caller's transaction
    (she was just enrolled, or took an offered seat). Returns rows created."""
    if settings is None:
        return 0
    now = now or clock_now()
    enrolment = await s.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.status != EnrolmentStatus.ENROLLED:
        return 0
    cls = await s.get(TrainingClass, enrolment.class_id)
    if cls is None or cls.status != ClassStatus.PUBLISHED:
        return 0
    sessions = await _future_sessions(s, cls.id, now)
    return await _enqueue_for(
        s, offsets_of(settings), cls, sessions, enrolment.id, enrolment.user_id, now
    )


async def _withdraw(s: AsyncSession, where: Any, reason: str, now: datetime) -> int:
    """Pending reminders matching ``where`` become ``cancelled`` with ``reason``.
    A row a dispatcher holds a lease on is being sent this instant: it is left
    to finish (it was due anyway)."""
    result = await s.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == OutboxKind.REMINDER,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.claimed_until.is_(None) | (OutboxMessage.claimed_until < now),
            where,
        )
        .values(
            status=OutboxStatus.CANCELLED, last_error=reason, dedupe_key=None, claimed_until=None
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def cancel_for_enrolment(
    s: AsyncSession, enrolment: Enrolment, *, now: datetime | None = None
) -> int:
    """She cancelled, let an offered seat go, or lost it: her pending reminders
    for the class are withdrawn (one enrolment per woman and class)."""
    return await _withdraw(
        s,
        (OutboxMessage.user_id == enrolment.user_id)
        & (OutboxMessage.class_id == enrolment.class_id),
        CANCELLED_ENROLMENT,
        now or clock_now(),
    )


async def _plan_enrolled(
    s: AsyncSession,
    settings: Settings,
    cls: TrainingClass,
    sessions: list[ClassSession],
    now: datetime,
) -> int:
    """Reminders for ``sessions`` for every woman enrolled (and consenting) in ``cls``."""
    enrolled = await s.execute(
        select(Enrolment.id, Enrolment.user_id)
        .where(
            Enrolment.class_id == cls.id,
            Enrolment.status == EnrolmentStatus.ENROLLED,
            consenting(Enrolment.user_id),
        )
        .order_by(Enrolment.id)
    )
    offsets = offsets_of(settings)
    return sum([await _enqueue_for(s, offsets, cls, sessions, e, u, now) for e, u in enrolled])


async def reschedule_session(
    s: AsyncSession,
    settings: Settings | None,
    session_id: int,
    *,
    now: datetime | None = None,
) -> int:
    """A session moved: its pending reminders are withdrawn and planned again
    from the new time, for every woman enrolled. Returns rows created."""
    if settings is None:
        return 0
    now = now or clock_now()
    session = await s.get(ClassSession, session_id)
    if session is None:
        return 0
    await _withdraw(s, OutboxMessage.session_id == session_id, MOVED_SESSION, now)
    cls = await s.get(TrainingClass, session.class_id)
    if cls is None or cls.status != ClassStatus.PUBLISHED or session.starts_at <= now:
        return 0
    return await _plan_enrolled(s, settings, cls, [session], now)


async def refresh_class(
    s: AsyncSession, settings: Settings | None, class_id: int, *, now: datetime | None = None
) -> int:
    """The class's details changed (a new place): pending reminders are written
    again with the new text. Reminders already sent are not repeated."""
    if settings is None:
        return 0
    now = now or clock_now()
    await _withdraw(s, OutboxMessage.class_id == class_id, CHANGED_CLASS, now)
    cls = await s.get(TrainingClass, class_id)
    if cls is None or cls.status != ClassStatus.PUBLISHED:
        return 0
    sessions = await _future_sessions(s, class_id, now)
    return await _plan_enrolled(s, settings, cls, sessions, now)


# ---- her answer --------------------------------------------------------------------------

RsvpOutcome = Literal[
    "recorded",
    "not_yours",  # another woman's enrolment
    "not_found",  # no such enrolment or session, or they do not belong together
    "not_enrolled",  # she is no longer in the class (or it was cancelled)
    "started",  # the session has begun: too late to answer
    "duplicate_update",
]


@dataclass(frozen=True)
class RsvpResult:
    outcome: RsvpOutcome
    coming: bool | None = None
    title: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def parse_callback(data: str) -> tuple[int, int, bool] | None:
    tap = RsvpButton.decode(data)
    if tap is None or tap.answer not in ("y", "n"):
        return None
    return tap.enrolment, tap.session, tap.answer == "y"


async def answer(
    db: Database,
    user_id: int,
    enrolment_id: int,
    session_id: int,
    coming: bool,
    *,
    update_id: int | None = None,
    now: datetime | None = None,
) -> RsvpResult:
    """Record "Hadir" / "Tidak bisa hadir" for one session; she may change her
    answer until the session begins. Every id is re-checked here."""
    now = now or clock_now()
    async with db.transaction() as s:
        if not await claim_update(s, update_id):
            return RsvpResult("duplicate_update")
        enrolment = await s.get(Enrolment, enrolment_id)
        session = await s.get(ClassSession, session_id)
        if enrolment is None or session is None or session.class_id != enrolment.class_id:
            return RsvpResult("not_found")
        if enrolment.user_id != user_id:
            return RsvpResult("not_yours")
        cls = await s.get(TrainingClass, enrolment.class_id)
        if cls is None:
            return RsvpResult("not_found")
        if enrolment.status != EnrolmentStatus.ENROLLED or cls.status != ClassStatus.PUBLISHED:
            return RsvpResult("not_enrolled")
        if session.starts_at <= now:
            return RsvpResult("started")
        insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
        await s.execute(
            insert(SessionRsvp)
            .values(
                enrolment_id=enrolment_id, session_id=session_id, coming=coming, answered_at=now
            )
            .on_conflict_do_update(
                index_elements=["enrolment_id", "session_id"],
                set_={"coming": coming, "answered_at": now},
            )
        )
        return RsvpResult("recorded", coming, cls.title, session.starts_at, session.ends_at)


async def rsvps_for_class(s: AsyncSession, class_id: int) -> dict[int, list[tuple[datetime, bool]]]:
    """Enrolment id -> her answers (session start, coming), for /peserta."""
    rows = await s.execute(
        select(SessionRsvp.enrolment_id, ClassSession.starts_at, SessionRsvp.coming)
        .join(ClassSession, ClassSession.id == SessionRsvp.session_id)
        .where(ClassSession.class_id == class_id)
        .order_by(SessionRsvp.enrolment_id, ClassSession.starts_at)
    )
    result: dict[int, list[tuple[datetime, bool]]] = {}
    for enrolment_id, starts_at, coming in rows:
        result.setdefault(enrolment_id, []).append((starts_at, coming))
    return result
