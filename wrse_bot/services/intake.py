"""The registration conversation: the intake form (wrse_bot/forms/intake.py)
run on her RegistrationDraft row, whose truth is the database.

* The form's state is the row: ``step``, ``rev`` (buttons carry the rev they
  were drawn for, so a stale button or a double tap changes nothing),
  ``misses``, and her answers as one encrypted blob (``answers``; during an
  edit from the review it also holds the answers before, ``_before_edit``).
* Every accepted answer is committed, with the Telegram update's identity,
  before the next question is sent, so a killed process loses nothing she was
  told was saved; the question drawn for ``rev`` is recorded as delivered
  (``prompted_rev``), and one saved but never sent is owed at start-up.
* What the form cannot know happens here: her consent is recorded, a NIK typed
  too often today is refused, the registration is filed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, Consent, Registrant, RegistrationDraft
from wrse_bot.domain.statuses import RegistrantStatus
from wrse_bot.domain.text import N_
from wrse_bot.forms.engine import (
    Answer,
    Ask,
    FormState,
    OfferHelp,
    Outcome,
    Problem,
    Redraw,
    Stale,
    advance,
    start,
)
from wrse_bot.forms.intake import intake_form, registration
from wrse_bot.forms.model import DONE, REVIEW
from wrse_bot.services import help_requests, nik_attempts
from wrse_bot.services.prompts import PromptLedger
from wrse_bot.services.registration import (
    CONSENT_VERSION,
    SubmitResult,
    registrant_answers,
    submit_registration,
)
from wrse_bot.services.updates import claim_update
from wrse_bot.services.users import ensure_user

__all__ = ["Answer", "IntakeService", "IntakeView", "Standing"]

TOO_MANY_NIKS = N_(
    "You have typed several different NIKs today. To keep everyone's "
    "data safe, please try again tomorrow, or ask an officer for help."
)
BEFORE_EDIT = "_before_edit"

ViewStatus = Literal[
    "ask",  # show the question for ``step`` (with ``problem`` if the answer was refused)
    "toggled",  # interests changed: redraw the buttons on the same message
    "submitted",  # the form is in: ``result`` says what was decided
    "declined",  # she did not consent
    "paused",  # /batal: the draft is kept
    "no_draft",  # nothing in progress
    "stale",  # a button from an old question; ``step`` is the current one
    "double_tap",  # the same button again before the bot caught up
    "duplicate_update",  # Telegram delivered this update before
    "registered",  # /daftar by someone already registered
    "discarded",  # she left "Ubah data" without saving: her registration is unchanged
    "none",  # (only_mine) not hers to answer: no draft, or another form is open
]


@dataclass
class IntakeView:
    status: ViewStatus
    state: FormState = field(default_factory=lambda: FormState(None))
    problem: Problem | None = None
    offer_help: bool = False
    user_id: int | None = None
    result: SubmitResult | None = None
    amending: bool = False  # changing a registration she already sent ("Ubah data")

    @property
    def step(self) -> str | None:
        return self.state.step

    @property
    def rev(self) -> int:
        return self.state.rev

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.state.answers)


@dataclass(frozen=True)
class Standing:
    """Where she stands, for the greeting and the main menu."""

    registered: bool
    has_draft: bool


def state_of(draft: RegistrationDraft) -> FormState:
    """The form's state as the row holds it (JSON lists back into tuples)."""
    answers = {k: tuple(v) if isinstance(v, list) else v for k, v in draft.answers.items()}
    before = answers.pop(BEFORE_EDIT, None)
    editing = before if draft.editing and isinstance(before, dict) else None
    return FormState(draft.step, draft.rev, answers, draft.misses, editing)


def _put(draft: RegistrationDraft, state: FormState) -> None:
    answers = dict(state.answers)
    if state.editing is not None:
        answers[BEFORE_EDIT] = dict(state.editing)
    draft.step, draft.rev, draft.misses = state.step or "consent", state.rev, state.misses
    draft.answers, draft.editing = answers, state.editing is not None


# The draft is read and written with prebuilt Core statements: every answer
# passes here, and composing a query or running the ORM's unit of work costs
# more CPU than SQLite takes to execute it.
_DRAFTS = RegistrationDraft.__table__
# With it, whether another form of hers is open: that one owns her messages.
_BUSY = exists().where(ActiveForm.user_id == bindparam("uid"), ActiveForm.paused.is_(False))
_DRAFT = select(_DRAFTS, _BUSY.label("busy")).where(_DRAFTS.c.user_id == bindparam("uid"))
_DRAFT_FOR_UPDATE = _DRAFT.with_for_update(of=_DRAFTS)
# What an answer can change (never who, which registration, the unused history).
_SAVED = ["step", "answers", "editing", "paused", "misses", "rev", "prompted_rev", "updated_at"]
_SAVE_DRAFT = (
    update(_DRAFTS)
    .where(_DRAFTS.c.user_id == bindparam("uid"))
    .values({name: bindparam(f"new_{name}", type_=_DRAFTS.c[name].type) for name in _SAVED})
)
_DELETE_DRAFT = delete(_DRAFTS).where(_DRAFTS.c.user_id == bindparam("uid"))
_REGISTERED = select(Registrant.id).where(
    Registrant.user_id == bindparam("uid"), Registrant.status != RegistrantStatus.DELETED
)


class IntakeService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.form = intake_form(
            help_after=settings.help_after_misses, retention_years=settings.retention_years
        )
        self._prompts = PromptLedger(db, _DRAFTS, "user_id")

    # ---- entry points -------------------------------------------------

    async def begin(self, user_id: int, update_id: int | None, language: str = "id") -> IntakeView:
        """/daftar, "Daftar" or "Lanjutkan pendaftaran": start or resume."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return await self._duplicate(s, user_id)
            await ensure_user(s, user_id, language)
            draft = await self._draft(s, user_id)
            if draft is None and await s.scalar(_REGISTERED, {"uid": user_id}) is not None:
                return IntakeView("registered")
            return await self._open(s, user_id, draft, FormState(None), None)

    async def edit_existing(self, user_id: int, update_id: int | None) -> IntakeView:
        """ "Ubah data": a draft prefilled from her registration, opened at review."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return await self._duplicate(s, user_id)
            draft = await self._draft(s, user_id)
            reg = None
            if draft is None:
                reg = await s.scalar(
                    select(Registrant).where(
                        Registrant.user_id == user_id, Registrant.status != RegistrantStatus.DELETED
                    )
                )
                if reg is None:
                    return IntakeView("no_draft")
            state = FormState(REVIEW, answers=registrant_answers(reg)) if reg else FormState(None)
            return await self._open(s, user_id, draft, state, reg.id if reg else None)

    async def _open(
        self,
        s: AsyncSession,
        user_id: int,
        draft: RegistrationDraft | None,
        fresh: FormState,
        registrant_id: int | None,
    ) -> IntakeView:
        """Her draft resumed (buttons of the old question no longer apply), or a new one."""
        if draft is None:
            draft = RegistrationDraft(
                user_id=user_id, history=[], registrant_id=registrant_id, prompted_rev=-1
            )
            _put(draft, start(self.form, fresh).state)
            s.add(draft)
            await s.flush()
        else:
            draft.paused = False
            _put(draft, start(self.form, state_of(draft)).state)
            await self._save(s, draft)
        return self._ask(draft)

    async def pause(self, user_id: int, update_id: int | None) -> IntakeView:
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return IntakeView("duplicate_update")
            draft = await self._draft(s, user_id)
            if draft is None:
                return IntakeView("no_draft")
            if draft.registrant_id is not None:
                # /batal while changing a sent registration: nothing is changed,
                # and no half-made edit waits as a "registration to continue".
                await s.execute(_DELETE_DRAFT, {"uid": user_id})
                return IntakeView("discarded")
            draft.paused = True
            draft.rev += 1
            draft.prompted_rev = draft.rev  # nothing owed while paused
            await self._save(s, draft)
            return IntakeView("paused", state_of(draft))

    async def current(self, user_id: int) -> IntakeView:
        """The open question, to show again (after help, a command, a restart)."""
        async with self.db.transaction() as s:
            draft = await self._draft(s, user_id)
            if draft is None or draft.paused:
                return IntakeView("no_draft")
            return self._ask(draft)

    async def standing(self, user_id: int) -> Standing:
        async with self.db.sessions() as s:
            draft = await s.scalar(
                select(RegistrationDraft.user_id).where(RegistrationDraft.user_id == user_id)
            )
            registered = await s.scalar(_REGISTERED, {"uid": user_id})
            return Standing(registered=registered is not None, has_draft=draft is not None)

    async def has_draft(self, user_id: int) -> bool:
        return (await self.standing(user_id)).has_draft

    async def mark_prompted(self, user_id: int, rev: int) -> None:
        """The question drawn for ``rev`` reached Telegram: nothing is owed
        (written in batches, see services/prompts.py)."""
        self._prompts.delivered(user_id, rev)

    async def flush(self) -> None:
        """Wait for recorded deliveries to reach the database (at shutdown)."""
        await self._prompts.flush()

    async def owed_prompts(self) -> list[IntakeView]:
        """Questions committed but never delivered (the process died in between)."""
        async with self.db.transaction() as s:
            drafts = await s.scalars(
                select(RegistrationDraft).where(
                    RegistrationDraft.prompted_rev != RegistrationDraft.rev,
                    RegistrationDraft.paused.is_(False),
                )
            )
            return [self._ask(draft) for draft in drafts]

    async def answer(
        self, user_id: int, update_id: int | None, answer: Answer, *, only_mine: bool = False
    ) -> IntakeView:
        """Her answer to the open question. ``only_mine``: "none" when she has
        no draft or another form is open, nothing claimed (the message goes on
        to whoever owns it), which spares a woman mid-intake a second lookup."""
        try:
            return await self._answer(user_id, update_id, answer, only_mine)
        except IntegrityError:
            # Two accounts submitted the same NIK at the same instant and the
            # database let only one hold it: replay, and this one is the duplicate.
            return await self._answer(user_id, update_id, answer, only_mine)

    async def _answer(
        self, user_id: int, update_id: int | None, ans: Answer, only_mine: bool
    ) -> IntakeView:
        async with self.db.transaction() as s:
            row = await self._row(s, user_id)
            if only_mine and (row is None or row.busy or row.paused):
                return IntakeView("none")
            draft = _detached(row)
            # By identity, never by order: an update not handled yet is handled,
            # whatever its number (see services/updates.py).
            if not await claim_update(s, update_id):
                return self._redelivered(draft)
            if draft is None or (draft.paused and ans.kind != "choice"):
                return IntakeView("no_draft")
            if draft.paused:
                return IntakeView("stale")
            state = state_of(draft)
            if (
                draft.registrant_id is not None
                and state.step == REVIEW
                and ans == Answer("choice", "discard", state.rev)
            ):
                await s.execute(_DELETE_DRAFT, {"uid": user_id})
                return IntakeView("discarded")
            outcome = advance(self.form, state, ans)
            if not outcome.changed:
                return self._view(draft, outcome)
            if state.step == "nik" and outcome.state.step != "nik":
                nik = outcome.state.answers["nik"]
                limit = self.settings.nik_tries_per_day
                if not await nik_attempts.allow(s, limit, user_id, nik):
                    again = replace(state, rev=state.rev + 1, misses=state.misses + 1)
                    outcome = Outcome(again, (Ask("nik", Problem(TOO_MANY_NIKS)), OfferHelp()))
            outcome = self._consent(s, user_id, state, outcome)
            if outcome.state.step == DONE:
                await s.execute(_DELETE_DRAFT, {"uid": user_id})
                if not outcome.state.answers.get("consent"):
                    return IntakeView("declined")
                filed = registration(outcome.state.answers)
                result = await submit_registration(
                    s, self.settings, user_id, filed, draft.registrant_id
                )
                return IntakeView("submitted", result=result)
            _put(draft, outcome.state)
            view = self._view(draft, outcome)
            if view.status == "toggled":
                draft.prompted_rev = draft.rev  # the same message is redrawn in place
            await self._save(s, draft)
            return view

    def _consent(
        self, s: AsyncSession, user_id: int, before: FormState, outcome: Outcome
    ) -> Outcome:
        """Her decision on the consent screen is recorded as she makes it."""
        if before.step not in ("consent", "consent_full"):
            return outcome
        agreed = outcome.state.answers.get("consent")
        if agreed is None or outcome.state.step in (before.step, "consent_full"):
            return outcome  # "Baca selengkapnya", not understood, or not decided now
        s.add(
            Consent(user_id=user_id, text_version=CONSENT_VERSION, agreed=agreed, decided_at=now())
        )
        if not agreed:
            return outcome
        answers = {
            **outcome.state.answers,
            "consent_version": CONSENT_VERSION,
            "consent_at": now().isoformat(),
        }
        return replace(outcome, state=replace(outcome.state, answers=answers))

    async def request_help(
        self, user_id: int, update_id: int | None, rev: int | None
    ) -> IntakeView:
        """ "Minta bantuan petugas": flag her for staff and keep the form open."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return await self._duplicate(s, user_id)
            draft = await self._draft(s, user_id)
            if draft is None:
                return IntakeView("no_draft")
            # ``None``: "Minta bantuan petugas" typed, or tapped on the phone
            # question's reply keyboard (no revision): help with the open question.
            # Every inline help button names its question.
            if rev is not None and rev != draft.rev:
                # A help button left on an earlier question: show where she is.
                view = self._ask(draft)
                view.status = "stale"
                return view
            await help_requests.request_help(s, self.settings, user_id, draft.step, draft.answers)
            draft.misses = 0
            draft.rev += 1
            await self._save(s, draft)
            return self._ask(draft)

    # ---- the row ------------------------------------------------------

    def _ask(self, draft: RegistrationDraft) -> IntakeView:
        return IntakeView(
            "ask", state_of(draft), user_id=draft.user_id, amending=draft.registrant_id is not None
        )

    def _view(self, draft: RegistrationDraft, outcome: Outcome) -> IntakeView:
        view = self._ask(draft)
        for effect in outcome.effects:
            if isinstance(effect, Ask):
                view.problem = effect.problem
            elif isinstance(effect, Redraw):
                view.status = "toggled"
            elif isinstance(effect, Stale):
                view.status = "double_tap" if effect.double_tap else "stale"
            elif isinstance(effect, OfferHelp):
                view.offer_help = True
        return view

    async def _draft(self, s: AsyncSession, user_id: int) -> RegistrationDraft | None:
        return _detached(await self._row(s, user_id))

    async def _row(self, s: AsyncSession, user_id: int) -> Any:
        """Her draft's row, locked on PostgreSQL."""
        stmt = _DRAFT_FOR_UPDATE if s.bind.dialect.name == "postgresql" else _DRAFT
        return (await s.execute(stmt, {"uid": user_id})).first()

    async def _save(self, s: AsyncSession, draft: RegistrationDraft) -> None:
        draft.updated_at = now()
        values = {f"new_{name}": getattr(draft, name) for name in _SAVED}
        await s.execute(_SAVE_DRAFT, {"uid": draft.user_id, **values})

    async def _duplicate(self, s: AsyncSession, user_id: int) -> IntakeView:
        return self._redelivered(await self._draft(s, user_id))

    def _redelivered(self, draft: RegistrationDraft | None) -> IntakeView:
        # Applied before. If its question never went out (the process died
        # between commit and send), send it now; otherwise stay quiet.
        if draft is None or draft.paused or draft.prompted_rev == draft.rev:
            return IntakeView("duplicate_update")
        if self._prompts.sent(draft.user_id, draft.rev):  # sent, not yet written down
            return IntakeView("duplicate_update")
        return self._ask(draft)


def _detached(row: Any) -> RegistrationDraft | None:
    """A detached copy of her draft: changes are written back only by ``_save``."""
    if row is None:
        return None
    values = row._asdict()
    values.pop("busy", None)
    return RegistrationDraft(**values)
