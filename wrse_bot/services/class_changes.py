"""The staff's side of classes. Changes, in the caller's transaction: publish,
edit, reschedule a session, cancel; a change of time or place, or a
cancellation, notifies every woman enrolled, offered a seat or waitlisted
(issue 3, "Changing a published class") through outbox rows of kind "notice",
committed with the change. What the staff's class forms do (their tables are
``forms/class_form.py``): opening a change snapshots the class, finishing
publishes it or applies the change in the form's transaction. And the staff's
reads that are not forms.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, ClassSession, Enrolment, OutboxMessage, TrainingClass
from wrse_bot.domain.class_spec import (
    LIMITS,
    ClassAdminError,
    ClassSpec,
    check_capacity,
    check_kecamatan,
    check_span,
    parse_text_field,
    validate_spec,
)
from wrse_bot.domain.schedule import ScheduleError, Span, check_no_overlap
from wrse_bot.domain.statuses import ClassStatus, EnrolmentStatus, OutboxKind, OutboxStatus
from wrse_bot.domain.text import N_, Period
from wrse_bot.forms.class_form import CLASS_EDIT_FORM, CLASS_FORM, NOW, span_of, span_text, spec_of
from wrse_bot.forms.engine import FormState, Problem
from wrse_bot.forms.model import DONE, Answers
from wrse_bot.i18n import translator
from wrse_bot.services import class_views as views
from wrse_bot.services import classes as seats
from wrse_bot.services import reminders
from wrse_bot.services.class_labels import place_label, when
from wrse_bot.services.class_views import NOTIFY_STATUSES, ClassCard, Roster, RosterLine, recipients
from wrse_bot.services.forms import FormSpec, Status
from wrse_bot.services.notices import Notice
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.roles import STAFF, audit
from wrse_bot.services.updates import claim_update
from wrse_bot.services.users import language_of


async def publish_class(
    s: AsyncSession, spec: ClassSpec, *, actor_id: int | None, now: datetime | None = None
) -> TrainingClass:
    """Validate and publish: women see it in /kelas from this commit on."""
    validate_spec(spec, now=now or clock_now())
    fields = {k: v for k, v in vars(spec).items() if k != "sessions"}  # the same names
    cls = TrainingClass(
        **fields,
        taken=0,
        status=ClassStatus.PUBLISHED,
        created_by=actor_id,
        sessions=[ClassSession(starts_at=x.starts_at, ends_at=x.ends_at) for x in spec.sessions],
    )
    s.add(cls)
    await s.flush()
    audit(s, actor_id, "publish_class", detail=str(cls.id))
    return cls


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


async def _live_class(s: AsyncSession, class_id: int) -> TrainingClass:
    cls = await s.get(TrainingClass, class_id, with_for_update=s.bind.dialect.name != "sqlite")
    if cls is None:
        raise ClassAdminError(N_("This class no longer exists."))
    if cls.status != ClassStatus.PUBLISHED:
        raise ClassAdminError(N_("This class has been cancelled and cannot be changed."))
    return cls


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
        text = t.render(message, params)
        key = f"{dedupe}:user:{uid}" if dedupe else None
        if await enqueue(
            s, user_id=uid, text=text, kind=OutboxKind.NOTICE, class_id=class_id, dedupe_key=key
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
        cls.kecamatan_code = check_kecamatan(change.kecamatan_code)
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
        moved = N_("Class {title} has moved to a new place: {place}.")
        facts = {"title": cls.title, "place": place_label(cls)}
        notified = await _notify(s, class_id, moved, facts)
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
    check_span(span, now=current)
    rows = await s.scalars(
        select(ClassSession)
        .where(ClassSession.class_id == cls.id, ClassSession.id != session_id)
        .order_by(ClassSession.starts_at)
    )
    others = [Span(x.starts_at, x.ends_at) for x in rows]
    try:
        check_no_overlap(span, others, now=current)
    except ScheduleError as exc:
        raise ClassAdminError(exc.message, exc.params) from None
    if cls.enrol_deadline >= min([span.starts_at, *(o.starts_at for o in others)]):
        raise ClassAdminError(
            N_("The first session must stay after the enrolment deadline ({deadline})."),
            {"deadline": when(translator(), cls.enrol_deadline)},
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
            "old": Period(old.starts_at, old.ends_at),
            "new": Period(span.starts_at, span.ends_at),
            "place": place_label(cls),
        },
    )
    return ChangeResult(cls.id, notified)


async def cancel_class(s: AsyncSession, class_id: int, *, actor_id: int | None) -> ChangeResult:
    """Cancel for good: enrolments end, seats are freed, pending messages about the
    class are withdrawn, and every woman concerned is told."""
    done = await s.execute(
        update(TrainingClass)
        .where(TrainingClass.id == class_id, TrainingClass.status == ClassStatus.PUBLISHED)
        .values(status=ClassStatus.CANCELLED, taken=0, updated_at=clock_now())
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
        .where(OutboxMessage.class_id == class_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, last_error="class cancelled")
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
        .values(status=EnrolmentStatus.CANCELLED, offered_until=None, updated_at=clock_now())
        .execution_options(synchronize_session=False)
    )
    audit(s, actor_id, "cancel_class", detail=str(class_id))
    return ChangeResult(class_id, notified)


# ---- the staff's class forms, and their reads ---------------------------------------


def snapshot(card: ClassCard, affected: int) -> dict[str, Any]:
    """The class as the change form shows it ("Now: ..."), and who a change would tell."""
    shown = ("title", "description", "place", "place_label", "trainer", "capacity", "taken")
    return {name: getattr(card, name) for name in (*shown, "waiting")} | {
        "affected": affected,
        "sessions": {str(x.id): span_text(x.span) for x in card.sessions},
    }


async def begin_change(s: AsyncSession, row: ActiveForm) -> Status | None:
    """A change opens only about a published class; a fresh one notes how it is now."""
    card = await views.load_card(s, row.subject or 0)
    if card is None or card.status != ClassStatus.PUBLISHED:
        return Status.CLOSED
    if not row.answers or row.step is None:
        row.answers = {NOW: snapshot(card, len(await views.recipients(s, card.id)))}
    return None


async def still_publishable(
    s: AsyncSession, row: ActiveForm, before: Answers, after: FormState
) -> Problem | None:
    """ "Terbitkan" checks the class again: its dates may have passed since the
    preview. Refused, the draft is kept and she is back on the preview, told why."""
    if after.step != DONE:
        return None
    try:
        validate_spec(spec_of(after.answers), now=clock_now())
    except ClassAdminError as exc:
        return Problem(exc.message, dict(exc.params))
    return None


async def publish(
    settings: Settings, s: AsyncSession, row: ActiveForm, answers: Answers
) -> tuple[Notice]:
    """Checked a moment ago (``still_publishable``); publish_class checks again."""
    await publish_class(s, spec_of(answers), actor_id=row.user_id)
    return (
        Notice(row.user_id, N_("✅ The class is published. Women can now see it under Classes.")),
    )


async def apply_change(
    settings: Settings, s: AsyncSession, row: ActiveForm, answers: Answers
) -> tuple[Notice]:
    """The change, checked again on the class as it is now (it may have been
    cancelled, or its seats taken, meanwhile): refused before anything changes."""
    class_id, what = int(row.subject or 0), str(answers["what"])
    try:
        if what.startswith("s"):
            span = span_of(answers["value"])
            result = await reschedule_session(
                s, int(what[1:]), span, actor_id=row.user_id, settings=settings
            )
        else:
            change = replace(ClassChange(), **{what: answers["value"]})
            if what == "place":
                change = replace(change, kecamatan_code=answers.get("kecamatan_code"))
            result = await edit_class(s, class_id, change, actor_id=row.user_id, settings=settings)
    except (ClassAdminError, ScheduleError) as exc:
        return (Notice(row.user_id, exc.message, exc.params),)
    if result.notified:
        said, count = N_("✅ Saved. {count} women were notified."), result.notified
    elif result.offered:
        said, count = N_("✅ Saved.\n{count} women waiting were offered a seat."), result.offered
    else:
        said, count = N_("✅ Saved."), 0
    return (Notice(row.user_id, said, {"count": count}),)


def class_form_specs(settings: Settings) -> list[FormSpec]:
    return [
        FormSpec(
            CLASS_FORM, finish=partial(publish, settings), check=still_publishable, roles=STAFF
        ),
        FormSpec(
            CLASS_EDIT_FORM, finish=partial(apply_change, settings), begin=begin_change, roles=STAFF
        ),
    ]


class ClassAdminService:
    """The staff's reads, and cancelling (a confirmation, not a form)."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db

    async def classes(self) -> list[ClassCard]:
        async with self.db.sessions() as s:
            return await views.staff_classes(s)

    async def info(self, class_id: int) -> ClassCard | None:
        return await views.read_card(self.db, class_id)

    async def affected(self, class_id: int) -> list[RosterLine]:
        async with self.db.sessions() as s:
            return await views.affected(s, class_id)

    async def roster(self, actor_id: int, class_id: int) -> Roster | None:
        async with self.db.transaction() as s:
            return await views.roster(s, class_id, actor_id=actor_id)

    async def cancel(
        self, actor_id: int, update_id: int | None, class_id: int
    ) -> ChangeResult | ClassAdminError | None:
        """None: a redelivered update, already done."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return None
            try:
                return await cancel_class(s, class_id, actor_id=actor_id)
            except ClassAdminError as exc:
                return exc
