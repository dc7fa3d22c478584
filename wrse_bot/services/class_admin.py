"""What the staff's class forms do (the tables are ``forms/class_form.py``, run
by the one engine service, ``services/forms.py``): opening a change snapshots
the class, finishing publishes it or applies the change, in the form's own
transaction, returning the staff member's notice. Also the staff's reads that
are not forms.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm
from wrse_bot.domain.class_spec import ClassAdminError, validate_spec
from wrse_bot.domain.schedule import ScheduleError
from wrse_bot.domain.statuses import ClassStatus
from wrse_bot.domain.text import N_
from wrse_bot.forms.class_form import CLASS_EDIT_FORM, CLASS_FORM, NOW, span_of, span_text, spec_of
from wrse_bot.forms.engine import FormState, Problem
from wrse_bot.forms.model import DONE, Answers
from wrse_bot.services import class_views as views
from wrse_bot.services.class_changes import (
    ChangeResult,
    ClassChange,
    cancel_class,
    edit_class,
    publish_class,
    reschedule_session,
)
from wrse_bot.services.class_views import ClassCard, Roster, RosterLine
from wrse_bot.services.forms import FormSpec, Status
from wrse_bot.services.notices import Notice
from wrse_bot.services.roles import STAFF
from wrse_bot.services.updates import claim_update


def snapshot(card: ClassCard, affected: int) -> dict[str, Any]:
    """The class as the change form shows it ("Now: ..."), and who a change would tell."""
    return {
        "title": card.title,
        "description": card.description,
        "place": card.place,
        "place_label": card.place_label,
        "trainer": card.trainer,
        "capacity": card.capacity,
        "taken": card.taken,
        "waiting": card.waiting,
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
