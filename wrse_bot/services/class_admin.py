"""Staff publish, change and cancel classes, and see who is in them.

Two layers:
- rules on a session (``validate_spec``, ``publish_class``, ``edit_class``,
  ``reschedule_session``, ``cancel_class``, ``roster``): each runs inside the
  caller's transaction, so a change and the notices it causes commit together;
- ``ClassAdminService``: the /kelas_baru and edit forms as a state machine whose
  truth is a ``StaffDraft`` row (one step at a time, ``rev`` against stale buttons,
  the Telegram update id claimed in the same transaction).

A change of time or place, or a cancellation, notifies every woman enrolled,
offered a seat or waitlisted (issue 3, "Changing a published class") through
outbox rows of kind "notice".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    ClassSession,
    Enrolment,
    OutboxMessage,
    Registrant,
    StaffDraft,
    TrainingClass,
)
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.places import load_places
from wrse_bot.domain.schedule import (
    ScheduleError,
    Span,
    check_no_overlap,
    deadline_example,
    first_overlap,
    parse_deadline,
    parse_session,
)
from wrse_bot.domain.text import N_
from wrse_bot.i18n import Translator, translator
from wrse_bot.services import classes as seats
from wrse_bot.services import reminders
from wrse_bot.services.audience import consenting
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.roles import audit
from wrse_bot.services.updates import claim_update
from wrse_bot.services.users import language_of

PUBLISHED = "published"
CANCELLED = "cancelled"
# Who hears about a change: everyone holding or waiting for a seat.
NOTIFY_STATUSES = ("enrolled", "offered", "waitlisted")
ROSTER_ORDER = ("enrolled", "offered", "waitlisted", "cancelled")
MIN_CAPACITY, MAX_CAPACITY = 1, 500
# Seat counts offered as buttons (any other number is typed).
SEAT_CHOICES = (10, 15, 20, 25, 30)
LIMITS = {"title": (3, 100), "description": (3, 500), "place": (3, 200), "trainer": (2, 100)}


class ClassAdminError(DomainError):
    """A class that cannot be published or changed like this; ``message`` says why."""


# ---- the class as staff describe it ------------------------------------------------------


@dataclass(frozen=True)
class ClassSpec:
    skill: str
    title: str
    description: str
    place: str
    kecamatan_code: str
    trainer: str
    capacity: int
    sessions: tuple[Span, ...]
    enrol_deadline: datetime


def parse_text_field(name: str, text: str) -> str:
    """Title, description, place or trainer: trimmed, within limits, with letters."""
    value = " ".join(text.split())
    low, high = LIMITS[name]
    if len(value) < low or not re.search(r"[^\W\d_]", value):
        raise ClassAdminError(
            N_("This is too short. Please type at least {min} letters."), {"min": low}
        )
    if len(value) > high:
        raise ClassAdminError(
            N_("This is too long. Please keep it under {max} characters."), {"max": high}
        )
    return value


def parse_capacity(text: str) -> int:
    match = re.fullmatch(r"\s*(\d{1,6})\s*(?:orang|peserta|org|kursi)?\s*\.?\s*", text.lower())
    if match is None:
        raise ClassAdminError(
            N_("Please type the number of seats as a number, for example: 20."),
        )
    return check_capacity(int(match[1]))


def check_capacity(capacity: int) -> int:
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise ClassAdminError(
            N_("A class has between {min} and {max} seats. Please type a number, for example: 20."),
            {"min": MIN_CAPACITY, "max": MAX_CAPACITY},
        )
    return capacity


def check_deadline(deadline: datetime, sessions: Sequence[Span], *, now: datetime) -> None:
    if deadline <= now:
        raise ClassAdminError(N_("The enrolment deadline has already passed."))
    if sessions and deadline >= min(s.starts_at for s in sessions):
        raise ClassAdminError(
            N_(
                "The enrolment deadline must be before the first session. "
                "Please type an earlier date, for example: {example}."
            ),
            {"example": deadline_example(now, before=min(s.starts_at for s in sessions))},
        )


def validate_spec(spec: ClassSpec, *, now: datetime) -> None:
    """Every rule a class must meet before women can see it."""
    if spec.skill not in SKILLS:
        raise ClassAdminError(N_("Please choose a skill from the buttons."))
    if spec.kecamatan_code not in {p.code for p in load_places().kecamatan()}:
        raise ClassAdminError(N_("Please choose a kecamatan from the buttons."))
    for name in LIMITS:
        parse_text_field(name, getattr(spec, name))
    check_capacity(spec.capacity)
    if not spec.sessions:
        raise ClassAdminError(N_("A class needs at least one session."))
    for span in spec.sessions:
        if span.ends_at <= span.starts_at:
            raise ClassAdminError(N_("A session must end after it starts."))
        if span.starts_at <= now:
            raise ClassAdminError(N_("Every session must be in the future."))
    if first_overlap(spec.sessions) is not None:
        raise ClassAdminError(N_("Two sessions of this class overlap."))
    check_deadline(spec.enrol_deadline, spec.sessions, now=now)


async def publish_class(
    s: AsyncSession, spec: ClassSpec, *, actor_id: int | None, now: datetime | None = None
) -> TrainingClass:
    """Validate and publish: women see it in /kelas from this commit on."""
    validate_spec(spec, now=now or clock_now())
    cls = TrainingClass(
        skill=spec.skill,
        title=spec.title,
        description=spec.description,
        place=spec.place,
        kecamatan_code=spec.kecamatan_code,
        trainer=spec.trainer,
        capacity=spec.capacity,
        taken=0,
        enrol_deadline=spec.enrol_deadline,
        status=PUBLISHED,
        created_by=actor_id,
        sessions=[ClassSession(starts_at=x.starts_at, ends_at=x.ends_at) for x in spec.sessions],
    )
    s.add(cls)
    await s.flush()
    audit(s, actor_id, "publish_class", detail=str(cls.id))
    return cls


# ---- changes to a published class --------------------------------------------------------


@dataclass(frozen=True)
class ClassChange:
    """Fields to change; None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    place: str | None = None
    kecamatan_code: str | None = None
    trainer: str | None = None
    capacity: int | None = None


@dataclass(frozen=True)
class ChangeResult:
    class_id: int
    notified: int
    offered: int = 0  # women on the waitlist offered a seat (capacity raised)


async def recipients(s: AsyncSession, class_id: int) -> list[int]:
    """Women enrolled, offered a seat or waitlisted, in the order they joined."""
    rows = await s.scalars(
        select(Enrolment.user_id)
        .where(
            Enrolment.class_id == class_id,
            Enrolment.status.in_(NOTIFY_STATUSES),
            consenting(Enrolment.user_id),
        )
        .order_by(Enrolment.id)
    )
    return list(rows)


async def _live_class(s: AsyncSession, class_id: int) -> TrainingClass:
    cls = await s.get(TrainingClass, class_id, with_for_update=s.bind.dialect.name != "sqlite")
    if cls is None:
        raise ClassAdminError(N_("This class no longer exists."))
    if cls.status != PUBLISHED:
        raise ClassAdminError(N_("This class has been cancelled and cannot be changed."))
    return cls


async def _sessions(s: AsyncSession, class_id: int) -> list[ClassSession]:
    rows = await s.scalars(
        select(ClassSession)
        .where(ClassSession.class_id == class_id)
        .order_by(ClassSession.starts_at)
    )
    return list(rows)


async def _notify(
    s: AsyncSession,
    class_id: int,
    message: str,
    params: dict[str, Any],
    *,
    dedupe: str | None = None,
) -> int:
    """One notice per woman, in her language, in the caller's transaction."""
    count = 0
    for uid in await recipients(s, class_id):
        t = translator(await language_of(s, uid))
        text = t.render(message, {k: v(t) if callable(v) else v for k, v in params.items()})
        key = f"{dedupe}:user:{uid}" if dedupe else None
        if await enqueue(
            s, user_id=uid, text=text, kind="notice", class_id=class_id, dedupe_key=key
        ):
            count += 1
    return count


async def edit_class(
    s: AsyncSession,
    class_id: int,
    change: ClassChange,
    *,
    actor_id: int | None,
    settings: Settings | None = None,
) -> ChangeResult:
    """Change details; a new place is told to every woman concerned.

    Capacity never drops below the seats already held (``taken``): the check is
    a conditional UPDATE, so a seat taken a moment ago cannot be lost.
    """
    cls = await _live_class(s, class_id)
    for name in LIMITS:
        value = getattr(change, name)
        if value is not None:
            setattr(cls, name, parse_text_field(name, value))
    if change.kecamatan_code is not None:
        if change.kecamatan_code not in {p.code for p in load_places().kecamatan()}:
            raise ClassAdminError(N_("Please choose a kecamatan from the buttons."))
        cls.kecamatan_code = change.kecamatan_code
    if change.capacity is not None:
        check_capacity(change.capacity)
        await s.flush()
        done = await s.execute(
            update(TrainingClass)
            .where(TrainingClass.id == class_id, TrainingClass.taken <= change.capacity)
            .values(capacity=change.capacity)
            .execution_options(synchronize_session=False)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            raise ClassAdminError(
                N_("{taken} seats are already taken, so the class needs at least {taken} seats."),
                {"taken": cls.taken},
            )
        await s.refresh(cls)
    await s.flush()
    audit(s, actor_id, "edit_class", detail=str(class_id))
    offered = 0
    if change.capacity is not None and settings is not None:
        # New seats go to the women waiting, first come first served, exactly
        # as a freed seat does: an offer held for her to accept. (Without
        # settings, like reminders.refresh_class, the caller plans no messages.)
        offered = len(await seats.offer_free_seats(s, settings, class_id))
    notified = 0
    if change.place is not None or change.kecamatan_code is not None:
        # Reminders not yet sent say where: written again with the new place.
        await reminders.refresh_class(s, settings, class_id)
        place = _place_label(cls)
        notified = await _notify(
            s,
            class_id,
            N_("Class {title} has moved to a new place: {place}."),
            {"title": cls.title, "place": place},
        )
    return ChangeResult(class_id, notified, offered)


async def reschedule_session(
    s: AsyncSession,
    session_id: int,
    span: Span,
    *,
    actor_id: int | None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> ChangeResult:
    """Move one session; every woman concerned is told the old and the new time,
    and her reminders for it are planned again from the new time."""
    current = now or clock_now()
    session = await s.get(ClassSession, session_id)
    if session is None:
        raise ClassAdminError(N_("This session no longer exists."))
    cls = await _live_class(s, session.class_id)
    if span.ends_at <= span.starts_at:
        raise ClassAdminError(N_("A session must end after it starts."))
    if span.starts_at <= current:
        raise ClassAdminError(N_("Every session must be in the future."))
    others = [
        Span(x.starts_at, x.ends_at) for x in await _sessions(s, cls.id) if x.id != session_id
    ]
    try:
        check_no_overlap(span, others, now=current)
    except ScheduleError as exc:
        raise ClassAdminError(exc.message, exc.params) from None
    if cls.enrol_deadline >= min([span.starts_at, *(o.starts_at for o in others)]):
        raise ClassAdminError(
            N_("The first session must stay after the enrolment deadline ({deadline})."),
            {"deadline": deadline_label(translator(), cls.enrol_deadline)},
        )
    old = Span(session.starts_at, session.ends_at)
    session.starts_at, session.ends_at = span.starts_at, span.ends_at
    await s.flush()
    await reminders.reschedule_session(s, settings, session_id, now=current)
    audit(s, actor_id, "reschedule_session", detail=f"{cls.id}:{session_id}")
    notified = await _notify(
        s,
        cls.id,
        N_(
            "Schedule change for class {title}: the session of {old} moves to {new}. "
            "Place: {place}."
        ),
        {
            "title": cls.title,
            "old": lambda t: session_label(t, old),
            "new": lambda t: session_label(t, span),
            "place": _place_label(cls),
        },
    )
    return ChangeResult(cls.id, notified)


async def cancel_class(s: AsyncSession, class_id: int, *, actor_id: int | None) -> ChangeResult:
    """Cancel for good: enrolments end, seats are freed, pending messages about the
    class are withdrawn, and every woman concerned is told."""
    done = await s.execute(
        update(TrainingClass)
        .where(TrainingClass.id == class_id, TrainingClass.status == PUBLISHED)
        .values(status=CANCELLED, taken=0, updated_at=clock_now())
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        exists = await s.get(TrainingClass, class_id)
        if exists is None:
            raise ClassAdminError(N_("This class no longer exists."))
        raise ClassAdminError(N_("This class has already been cancelled."))
    title = await s.scalar(select(TrainingClass.title).where(TrainingClass.id == class_id))
    await s.execute(
        update(OutboxMessage)
        .where(OutboxMessage.class_id == class_id, OutboxMessage.status == "pending")
        .values(status="cancelled", last_error="class cancelled")
        .execution_options(synchronize_session=False)
    )
    notified = await _notify(
        s,
        class_id,
        N_(
            "We are sorry: class {title} has been cancelled. "
            "We will tell you here when there is a new class."
        ),
        {"title": title},
        dedupe=f"class:{class_id}:cancelled",
    )
    await s.execute(
        update(Enrolment)
        .where(Enrolment.class_id == class_id, Enrolment.status.in_(NOTIFY_STATUSES))
        .values(status="cancelled", offered_until=None, updated_at=clock_now())
        .execution_options(synchronize_session=False)
    )
    audit(s, actor_id, "cancel_class", detail=str(class_id))
    return ChangeResult(class_id, notified)


# ---- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionInfo:
    id: int
    span: Span


@dataclass(frozen=True)
class ClassInfo:
    id: int
    skill: str
    title: str
    description: str
    place: str
    kecamatan_code: str
    trainer: str
    capacity: int
    taken: int
    status: str
    enrol_deadline: datetime
    sessions: tuple[SessionInfo, ...]
    waiting: int = 0

    @property
    def place_label(self) -> str:
        return _place_label(self)


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


@dataclass(frozen=True)
class Roster:
    info: ClassInfo
    groups: dict[str, list[RosterLine]]


async def class_info(s: AsyncSession, class_id: int) -> ClassInfo | None:
    cls = await s.get(TrainingClass, class_id)
    if cls is None:
        return None
    waiting = await s.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.class_id == class_id, Enrolment.status == "waitlisted")
    )
    return ClassInfo(
        id=cls.id,
        skill=cls.skill,
        title=cls.title,
        description=cls.description,
        place=cls.place,
        kecamatan_code=cls.kecamatan_code,
        trainer=cls.trainer,
        capacity=cls.capacity,
        taken=cls.taken,
        status=cls.status,
        enrol_deadline=cls.enrol_deadline,
        sessions=tuple(
            SessionInfo(x.id, Span(x.starts_at, x.ends_at)) for x in await _sessions(s, class_id)
        ),
        waiting=int(waiting or 0),
    )


async def staff_classes(s: AsyncSession, *, include_past: bool = False) -> list[ClassInfo]:
    """Published classes, soonest first (with past ones too when asked)."""
    ids = list(
        await s.scalars(
            select(TrainingClass.id)
            .where(TrainingClass.status == PUBLISHED)
            .order_by(TrainingClass.enrol_deadline, TrainingClass.id)
        )
    )
    infos = [i for i in [await class_info(s, cid) for cid in ids] if i is not None]
    if include_past:
        return infos
    current = clock_now()
    return [i for i in infos if not i.sessions or i.sessions[-1].span.ends_at > current]


async def roster(s: AsyncSession, class_id: int, *, actor_id: int | None) -> Roster | None:
    """Names and phone numbers by status; looking is audit-logged (UU PDP)."""
    info = await class_info(s, class_id)
    if info is None:
        return None
    rows = await s.execute(
        select(Enrolment, Registrant.full_name, Registrant.phone)
        .outerjoin(Registrant, Registrant.user_id == Enrolment.user_id)
        .where(Enrolment.class_id == class_id)
        .order_by(Enrolment.id)
    )
    groups: dict[str, list[RosterLine]] = {status: [] for status in ROSTER_ORDER}
    answers = await reminders.rsvps_for_class(s, class_id)
    for enrolment, name, phone in rows:
        groups.setdefault(enrolment.status, []).append(
            RosterLine(
                enrolment.id,
                enrolment.user_id,
                name or "-",
                phone or "-",
                enrolment.status,
                enrolment.completed,
                tuple(answers.get(enrolment.id, ())),
            )
        )
    audit(s, actor_id, "view_roster", detail=str(class_id))
    return Roster(info, groups)


# ---- formatting shared with the chat and the notices --------------------------------------


def session_label(t: Translator, span: Span) -> str:
    """``Selasa, 1 Desember 2026, 09.00–12.00 WIB``."""
    start, end = span.starts_at.astimezone(t.tz), span.ends_at.astimezone(t.tz)
    return f"{t.weekday_date(start.date())}, {start:%H.%M}–{t.time(end)}"


def deadline_label(t: Translator, at: datetime) -> str:
    local = at.astimezone(t.tz)
    return f"{t.weekday_date(local.date())}, {t.time(local)}"


def _place_label(cls: Any) -> str:
    places = load_places()
    kec = places.get(cls.kecamatan_code).name if cls.kecamatan_code in places else ""
    return f"{cls.place} (Kec. {kec})" if kec else cls.place


# ---- the guided forms ----------------------------------------------------------------------

CLASS_FORM = "class"
EDIT_FORM = "class_edit"
FORM_KINDS = (CLASS_FORM, EDIT_FORM)

# /kelas_baru, one question at a time.
SKILL, TITLE, DESCRIPTION, PLACE, KECAMATAN = "skill", "title", "description", "place", "kecamatan"
TRAINER, CAPACITY, SESSION, MORE, DEADLINE = "trainer", "capacity", "session", "more", "deadline"
PREVIEW = "preview"
NEW_FLOW = (SKILL, TITLE, DESCRIPTION, PLACE, KECAMATAN, TRAINER, CAPACITY, SESSION)
TYPED_STEPS = {TITLE, DESCRIPTION, PLACE, TRAINER, CAPACITY, SESSION, MORE, DEADLINE}
# The preview's "Ubah" choices and the step each one asks.
EDITABLE = {
    "skill": SKILL,
    "title": TITLE,
    "description": DESCRIPTION,
    "place": PLACE,
    "trainer": TRAINER,
    "capacity": CAPACITY,
    "sessions": SESSION,
    "deadline": DEADLINE,
}
# Changing a published class: which field, then its new value, then a confirmation.
EDIT_FIELDS = ("title", "description", "place", "trainer", "capacity")
EDIT_VALUE, EDIT_KECAMATAN, EDIT_SESSION, EDIT_CONFIRM = "value", "kecamatan", "session", "confirm"

FormStatus = Literal[
    "ask",  # show the question for ``step`` (``problem`` when the answer was refused)
    "choose_edit",  # the preview's "Ubah": which part to change
    "published",  # the class is live: ``class_id``
    "saved",  # a change to a published class is saved: ``notified`` women told
    "closed",  # the form was abandoned
    "no_form",  # nothing open
    "stale",  # a button of an earlier step: ``step`` is the current one
    "duplicate",  # a redelivered update: already handled
    "refused",  # the class cannot be changed (``problem`` says why)
]


@dataclass
class FormView:
    status: FormStatus
    kind: str = CLASS_FORM
    step: str | None = None
    rev: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    problem: DomainError | None = None
    class_id: int | None = None
    notified: int = 0
    affected: int = 0  # women who will be told, shown before a change is confirmed
    to_offer: int = 0  # waiting women a raised capacity will offer a seat, shown likewise
    offered: int = 0
    info: ClassInfo | None = None


@dataclass(frozen=True)
class FormInput:
    kind: Literal["text", "choice"]
    value: str
    rev: int | None = None


def spans_of(data: dict[str, Any]) -> list[Span]:
    return [
        Span(datetime.fromisoformat(a), datetime.fromisoformat(b))
        for a, b in data.get("sessions", [])
    ]


def spec_of(data: dict[str, Any]) -> ClassSpec:
    return ClassSpec(
        skill=data["skill"],
        title=data["title"],
        description=data["description"],
        place=data["place"],
        kecamatan_code=data["kecamatan_code"],
        trainer=data["trainer"],
        capacity=int(data["capacity"]),
        sessions=tuple(spans_of(data)),
        enrol_deadline=datetime.fromisoformat(data["deadline"]),
    )


class ClassAdminService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    # ---- queries ----------------------------------------------------------------------

    async def has_form(self, user_id: int) -> bool:
        async with self.db.sessions() as s:
            kind = await s.scalar(select(StaffDraft.kind).where(StaffDraft.user_id == user_id))
        return kind in FORM_KINDS

    async def classes(self) -> list[ClassInfo]:
        async with self.db.sessions() as s:
            return await staff_classes(s)

    async def info(self, class_id: int) -> ClassInfo | None:
        async with self.db.sessions() as s:
            return await class_info(s, class_id)

    async def affected(self, class_id: int) -> list[RosterLine]:
        """Who a cancellation would tell (names only, no phone numbers)."""
        async with self.db.sessions() as s:
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

    async def roster(self, actor_id: int, class_id: int) -> Roster | None:
        async with self.db.transaction() as s:
            return await roster(s, class_id, actor_id=actor_id)

    async def cancel(self, actor_id: int, update_id: int | None, class_id: int) -> FormView:
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return FormView("duplicate")
            try:
                result = await cancel_class(s, class_id, actor_id=actor_id)
            except ClassAdminError as exc:
                return FormView("refused", problem=exc, class_id=class_id)
        return FormView("saved", class_id=class_id, notified=result.notified)

    # ---- /kelas_baru ------------------------------------------------------------------

    async def begin_new(self, user_id: int, update_id: int | None) -> FormView:
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return FormView("duplicate")
            draft = await s.get(StaffDraft, user_id)
            if draft is not None and draft.kind == CLASS_FORM:
                draft.rev += 1  # resume where she was; old buttons no longer apply
            else:
                if draft is not None:
                    await s.delete(draft)
                    await s.flush()
                draft = StaffDraft(user_id=user_id, kind=CLASS_FORM, step=SKILL, data={}, rev=1)
                s.add(draft)
            await s.flush()
            return self._view(draft)

    async def begin_edit(
        self,
        user_id: int,
        update_id: int | None,
        class_id: int,
        field_name: str,
        session_id: int | None = None,
    ) -> FormView:
        """Start changing one thing of a published class."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return FormView("duplicate")
            cls = await s.get(TrainingClass, class_id)
            if cls is None or cls.status != PUBLISHED:
                return FormView(
                    "refused", problem=ClassAdminError(N_("This class can no longer be changed."))
                )
            if session_id is not None:
                session = await s.get(ClassSession, session_id)
                if session is None or session.class_id != class_id:
                    return FormView(
                        "refused", problem=ClassAdminError(N_("This session no longer exists."))
                    )
                step = EDIT_SESSION
            elif field_name in EDIT_FIELDS:
                step = EDIT_VALUE
            else:
                return FormView(
                    "refused", problem=ClassAdminError(N_("This button is no longer valid."))
                )
            await s.execute(delete(StaffDraft).where(StaffDraft.user_id == user_id))
            draft = StaffDraft(
                user_id=user_id,
                kind=EDIT_FORM,
                step=step,
                data={"class_id": class_id, "field": field_name, "session_id": session_id},
                rev=1,
            )
            s.add(draft)
            await s.flush()
            return await self._edit_view(s, draft)

    async def close(self, user_id: int, update_id: int | None, rev: int | None = None) -> FormView:
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return FormView("duplicate")
            draft = await s.get(StaffDraft, user_id)
            if draft is None or draft.kind not in FORM_KINDS:
                return FormView("no_form")
            if rev is not None and rev != draft.rev:
                return await self._stale(s, draft)
            kind = draft.kind
            await s.delete(draft)
            return FormView("closed", kind=kind)

    async def answer(self, user_id: int, update_id: int | None, given: FormInput) -> FormView:
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return FormView("duplicate")
            draft = await s.get(StaffDraft, user_id)
            if draft is None or draft.kind not in FORM_KINDS:
                return FormView("no_form")
            if given.kind == "choice" and given.rev != draft.rev:
                return await self._stale(s, draft)
            if draft.kind == EDIT_FORM:
                return await self._answer_edit(s, draft, given)
            return await self._answer_new(s, draft, given)

    async def _stale(self, s: AsyncSession, draft: StaffDraft) -> FormView:
        view = await self._edit_view(s, draft) if draft.kind == EDIT_FORM else self._view(draft)
        view.status = "stale"
        return view

    def _view(self, draft: StaffDraft, problem: DomainError | None = None) -> FormView:
        status: FormStatus = "choose_edit" if draft.step == "choose_edit" else "ask"
        return FormView(status, CLASS_FORM, draft.step, draft.rev, dict(draft.data), problem)

    def _move(self, draft: StaffDraft, step: str, **changes: Any) -> None:
        data = dict(draft.data)
        data.update(changes)
        draft.data = data
        draft.step = step
        draft.rev += 1

    def _next(self, draft: StaffDraft, step: str) -> str:
        """The step after ``step``; an edit from the preview returns to the preview."""
        if draft.data.get("editing") and step not in (PLACE, SESSION, MORE):
            return PREVIEW
        if step == PLACE:
            return KECAMATAN
        if step == KECAMATAN and draft.data.get("editing"):
            return PREVIEW
        if step in (SESSION, MORE):
            return MORE
        index = NEW_FLOW.index(step)
        return NEW_FLOW[index + 1]

    async def _answer_new(self, s: AsyncSession, draft: StaffDraft, given: FormInput) -> FormView:
        step, value = draft.step, given.value
        current = clock_now()
        if given.kind == "choice" and value == "cancel":
            await s.delete(draft)
            return FormView("closed")
        try:
            if step == SKILL:
                if given.kind != "choice" or value not in SKILLS:
                    raise ClassAdminError(N_("Please tap one of the buttons."))
                self._move(draft, self._next(draft, step), skill=value)
            elif step == KECAMATAN:
                codes = {p.code for p in load_places().kecamatan()}
                if given.kind != "choice" or value not in codes:
                    raise ClassAdminError(N_("Please tap one of the buttons."))
                self._move(draft, self._next(draft, step), kecamatan_code=value)
            elif step in (TITLE, DESCRIPTION, PLACE, TRAINER):
                if given.kind != "text":
                    raise ClassAdminError(N_("Please type your answer."))
                self._move(draft, self._next(draft, step), **{step: parse_text_field(step, value)})
            elif step == CAPACITY:
                if given.kind != "text" and not value.isdigit():  # typed, or a seats button
                    raise ClassAdminError(N_("Please type your answer."))
                self._move(draft, self._next(draft, step), capacity=parse_capacity(value))
            elif step in (SESSION, MORE) and given.kind == "text":
                span = parse_session(value, now=current, tz=self.settings.tz)
                existing = spans_of(draft.data)
                check_no_overlap(span, existing, now=current, tz=self.settings.tz)
                stored = sorted([*existing, span])
                self._move(
                    draft,
                    MORE,
                    sessions=[[x.starts_at.isoformat(), x.ends_at.isoformat()] for x in stored],
                )
            elif step == MORE and value == "add":
                self._move(draft, SESSION)
            elif step == MORE and value == "done":
                deadline = draft.data.get("deadline")
                keep = draft.data.get("editing") and deadline
                if keep:
                    try:
                        check_deadline(
                            datetime.fromisoformat(deadline), spans_of(draft.data), now=current
                        )
                    except ClassAdminError:
                        keep = False
                self._move(draft, PREVIEW if keep else DEADLINE)
            elif step == DEADLINE:
                if given.kind != "text":
                    raise ClassAdminError(N_("Please type your answer."))
                deadline = parse_deadline(value, now=current, tz=self.settings.tz)
                check_deadline(deadline, spans_of(draft.data), now=current)
                self._move(draft, PREVIEW, deadline=deadline.isoformat())
            elif step == PREVIEW and value == "edit":
                self._move(draft, "choose_edit")
            elif step == "choose_edit" and value.startswith("edit:") and value[5:] in EDITABLE:
                target = EDITABLE[value[5:]]
                extra: dict[str, Any] = {"editing": True}
                if target == SESSION:
                    extra["sessions"] = []
                self._move(draft, target, **extra)
            elif step == "choose_edit" and value == "back":
                self._move(draft, PREVIEW)
            elif step == PREVIEW and value == "publish":
                spec = spec_of(draft.data)
                cls = await publish_class(s, spec, actor_id=draft.user_id, now=current)
                await s.delete(draft)
                return FormView("published", class_id=cls.id, data=dict(draft.data))
            else:
                raise ClassAdminError(
                    N_("Please tap one of the buttons.")
                    if step in (SKILL, KECAMATAN, PREVIEW, "choose_edit", MORE)
                    else N_("Please type your answer.")
                )
        except (ClassAdminError, ScheduleError) as exc:
            draft.rev += 1
            await s.flush()
            return self._view(draft, exc)
        await s.flush()
        return self._view(draft)

    # ---- changing a published class ---------------------------------------------------

    async def _edit_view(
        self, s: AsyncSession, draft: StaffDraft, problem: DomainError | None = None
    ) -> FormView:
        class_id = int(draft.data["class_id"])
        info = await class_info(s, class_id)
        affected = len(await recipients(s, class_id))
        to_offer = 0
        if info and draft.step == EDIT_CONFIRM and draft.data.get("field") == "capacity":
            # Waiting women the new seats go to, as edit_class will offer them.
            to_offer = max(0, min(int(draft.data["value"]) - info.taken, info.waiting))
        return FormView(
            "ask",
            EDIT_FORM,
            draft.step,
            draft.rev,
            dict(draft.data),
            problem,
            class_id,
            affected=affected,
            to_offer=to_offer,
            info=info,
        )

    async def _answer_edit(self, s: AsyncSession, draft: StaffDraft, given: FormInput) -> FormView:
        data, step, value = draft.data, draft.step, given.value
        class_id = int(data["class_id"])
        if given.kind == "choice" and value == "cancel":
            await s.delete(draft)
            return FormView("closed", kind=EDIT_FORM)
        try:
            if step == EDIT_VALUE and (
                given.kind == "text" or (data["field"] == "capacity" and value.isdigit())
            ):
                name = data["field"]
                parsed: Any = (
                    parse_capacity(value) if name == "capacity" else parse_text_field(name, value)
                )
                cls = await s.get(TrainingClass, class_id)
                if name == "capacity" and cls is not None and parsed < cls.taken:
                    raise ClassAdminError(
                        N_(
                            "{taken} seats are already taken, so the class needs at least "
                            "{taken} seats."
                        ),
                        {"taken": cls.taken},
                    )
                self._move(draft, EDIT_KECAMATAN if name == "place" else EDIT_CONFIRM, value=parsed)
            elif step == EDIT_KECAMATAN and given.kind == "choice":
                if value not in {p.code for p in load_places().kecamatan()}:
                    raise ClassAdminError(N_("Please tap one of the buttons."))
                self._move(draft, EDIT_CONFIRM, kecamatan_code=value)
            elif step == EDIT_SESSION and given.kind == "text":
                span = parse_session(value, now=clock_now(), tz=self.settings.tz)
                self._move(
                    draft,
                    EDIT_CONFIRM,
                    value=[span.starts_at.isoformat(), span.ends_at.isoformat()],
                )
            elif step == EDIT_CONFIRM and value == "save":
                result = await self._apply_edit(s, draft)
                await s.delete(draft)
                return FormView(
                    "saved",
                    EDIT_FORM,
                    class_id=class_id,
                    notified=result.notified,
                    offered=result.offered,
                    data=dict(data),
                )
            else:
                raise ClassAdminError(
                    N_("Please tap one of the buttons.")
                    if step in (EDIT_KECAMATAN, EDIT_CONFIRM)
                    else N_("Please type your answer.")
                )
        except (ClassAdminError, ScheduleError) as exc:
            if step == EDIT_CONFIRM:  # the class changed meanwhile: nothing saved
                await s.delete(draft)
                return FormView("refused", EDIT_FORM, problem=exc, class_id=class_id)
            draft.rev += 1
            await s.flush()
            return await self._edit_view(s, draft, exc)
        await s.flush()
        return await self._edit_view(s, draft)

    async def _apply_edit(self, s: AsyncSession, draft: StaffDraft) -> ChangeResult:
        data = draft.data
        class_id = int(data["class_id"])
        if data.get("session_id"):
            start, end = data["value"]
            span = Span(datetime.fromisoformat(start), datetime.fromisoformat(end))
            return await reschedule_session(
                s, int(data["session_id"]), span, actor_id=draft.user_id, settings=self.settings
            )
        name = data["field"]
        change = replace(ClassChange(), **{name: data["value"]})
        if name == "place":
            change = replace(change, kecamatan_code=data.get("kecamatan_code"))
        return await edit_class(s, class_id, change, actor_id=draft.user_id, settings=self.settings)
