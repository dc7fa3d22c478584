"""The staff's class forms (/kelas_baru and changing a published class) as a
state machine whose truth is a ``StaffDraft`` row: one step at a time, ``rev``
against stale buttons, the Telegram update id claimed in the same transaction.
The rules are in ``domain.class_spec``; the changes in ``services.class_changes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ClassSession, StaffDraft, TrainingClass
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.class_spec import (
    ClassAdminError,
    ClassSpec,
    check_deadline,
    parse_capacity,
    parse_text_field,
)
from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.places import load_places
from wrse_bot.domain.schedule import (
    ScheduleError,
    Span,
    check_no_overlap,
    parse_deadline,
    parse_session,
)
from wrse_bot.domain.text import N_
from wrse_bot.services import class_views as views
from wrse_bot.services.class_changes import (
    ChangeResult,
    ClassChange,
    cancel_class,
    edit_class,
    publish_class,
    reschedule_session,
)
from wrse_bot.services.class_views import PUBLISHED, ClassCard, Roster, RosterLine, load_card
from wrse_bot.services.updates import claim_update

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
    info: ClassCard | None = None


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
        info = await load_card(s, class_id)
        affected = len(await views.recipients(s, class_id))
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
