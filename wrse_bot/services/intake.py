"""The registration form as a state machine whose truth is the database.

Every accepted answer is committed (with the Telegram update id) before the
next question is sent, so a killed process loses nothing she was told was
saved. The conversation layer only renders the ``IntakeView`` this returns.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now, today_wib
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Consent, Registrant, RegistrationDraft
from wrse_bot.domain.catalog import (
    EDUCATION,
    MARITAL_CHOICES,
    OCCUPATION_OTHER,
    OCCUPATIONS,
    SKILLS,
)
from wrse_bot.domain.dates import DateError, parse_date
from wrse_bot.domain.digits import parse_uint
from wrse_bot.domain.eligibility import MaritalStatus
from wrse_bot.domain.money import MoneyError, parse_money
from wrse_bot.domain.nik import NikError, Sex, parse_nik
from wrse_bot.domain.people import (
    normalize_phone,
    parse_dependents,
    parse_free_text,
    parse_full_name,
)
from wrse_bot.domain.places import load_places
from wrse_bot.domain.small_talk import unreadable_message
from wrse_bot.domain.text import N_
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


class Step(StrEnum):
    CONSENT = "consent"
    NAME = "name"
    NIK = "nik"
    SEX_CONFIRM = "sex_confirm"
    DOB_CONFIRM = "dob_confirm"
    DOB = "dob"
    KECAMATAN = "kecamatan"
    VILLAGE = "village"
    ADDRESS = "address"
    MARITAL = "marital"
    MAIN_EARNER = "main_earner"
    DEPENDENTS = "dependents"
    INCOME = "income"
    INCOME_CONFIRM = "income_confirm"
    EDUCATION = "education"
    OCCUPATION = "occupation"
    OCCUPATION_OTHER = "occupation_other"
    INTERESTS = "interests"
    PHONE = "phone"
    REVIEW = "review"


# The main line of questions; sub-steps (sex/date confirmation, a typed date,
# an ambiguous income, "Lainnya") are entered only when an answer calls for them.
MAIN_FLOW: tuple[Step, ...] = (
    Step.CONSENT,
    Step.NAME,
    Step.NIK,
    Step.DOB_CONFIRM,
    Step.KECAMATAN,
    Step.VILLAGE,
    Step.ADDRESS,
    Step.MARITAL,
    Step.MAIN_EARNER,
    Step.DEPENDENTS,
    Step.INCOME,
    Step.EDUCATION,
    Step.OCCUPATION,
    Step.INTERESTS,
    Step.PHONE,
    Step.REVIEW,
)
# Fields that the review screen can change, and the step that asks each.
EDITABLE: dict[str, Step] = {
    "name": Step.NAME,
    "nik": Step.NIK,
    "place": Step.KECAMATAN,
    "address": Step.ADDRESS,
    "marital": Step.MARITAL,
    "main_earner": Step.MAIN_EARNER,
    "dependents": Step.DEPENDENTS,
    "income": Step.INCOME,
    "education": Step.EDUCATION,
    "occupation": Step.OCCUPATION,
    "interests": Step.INTERESTS,
    "phone": Step.PHONE,
}
# Steps answered by button: typed text is matched against option codes.
_YES = {"ya", "iya", "y", "yes", "benar", "betul", "setuju", "sudah", "nggih", "inggih", "ok"}
_NO = {"tidak", "tdk", "no", "n", "bukan", "salah", "ora", "mboten", "gak", "nggak", "enggak"}

# "foreign_contact": a shared contact card that is not the sender's own.
InputKind = Literal["text", "choice", "option", "contact", "foreign_contact", "other", "back"]
# Reply-keyboard buttons of the phone question (they carry no revision):
# she has no phone of her own, or staff should reach her on this account.
PHONE_OPTIONS = ("no_phone", "telegram")


@dataclass(frozen=True)
class Answer:
    """What she sent: typed text, a button (with the form revision it was
    drawn for), a reply-keyboard option, a shared contact, or something the
    bot cannot read."""

    kind: InputKind
    value: str = ""
    rev: int | None = None


@dataclass(frozen=True)
class Problem:
    """Why an answer was refused: a message id, its parameters, and an
    optional first sentence (for answers the bot cannot read at all)."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    prefix: str | None = None
    help_now: bool = False  # offer "Minta bantuan petugas" at once


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
]


@dataclass
class IntakeView:
    status: ViewStatus
    step: Step | None = None
    rev: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    problem: Problem | None = None
    offer_help: bool = False
    editing: bool = False
    user_id: int | None = None
    result: SubmitResult | None = None
    amending: bool = False  # changing a registration she already sent ("Ubah data")


@dataclass(frozen=True)
class Standing:
    """Where she stands, for the greeting and the main menu."""

    registered: bool
    has_draft: bool


# The draft is read and written with prebuilt Core statements: every answer
# passes here, and composing a query or running the ORM's unit of work costs
# more CPU than SQLite takes to execute it.
_DRAFTS = RegistrationDraft.__table__
_DRAFT = select(_DRAFTS).where(_DRAFTS.c.user_id == bindparam("uid"))
_DRAFT_FOR_UPDATE = _DRAFT.with_for_update()
_SAVED = [c.name for c in _DRAFTS.c if c.name != "user_id"]
_SAVE_DRAFT = (
    update(_DRAFTS)
    .where(_DRAFTS.c.user_id == bindparam("uid"))
    .values({name: bindparam(f"new_{name}", type_=_DRAFTS.c[name].type) for name in _SAVED})
)
_DELETE_DRAFT = delete(_DRAFTS).where(_DRAFTS.c.user_id == bindparam("uid"))
# What _apply returns once the draft is gone (submitted, or consent declined).
_DRAFT_GONE = ("declined", "submitted", "discarded")


class IntakeService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.places = load_places()
        self._prompts = PromptLedger(db, _DRAFTS, "user_id")

    # ---- entry points -------------------------------------------------

    async def begin(self, user_id: int, update_id: int | None, language: str = "id") -> IntakeView:
        """/daftar, "Daftar" or "Lanjutkan pendaftaran": start or resume."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return await self._duplicate(s, user_id)
            await ensure_user(s, user_id, language)
            draft = await self._draft(s, user_id)
            if draft is None:
                registered = await s.scalar(
                    select(Registrant.id).where(
                        Registrant.user_id == user_id, Registrant.status != "deleted"
                    )
                )
                if registered is not None:
                    return IntakeView("registered")
                draft = RegistrationDraft(
                    user_id=user_id,
                    step=Step.CONSENT,
                    answers={},
                    history=[],
                    rev=0,
                    prompted_rev=-1,
                )
                s.add(draft)
            else:
                draft.paused = False
                draft.rev += 1  # buttons of the old question no longer apply
                await self._save(s, draft)
            await s.flush()
            return self._ask(draft)

    async def edit_existing(self, user_id: int, update_id: int | None) -> IntakeView:
        """ "Ubah data": a draft prefilled from her registration, opened at review."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return await self._duplicate(s, user_id)
            draft = await self._draft(s, user_id)
            if draft is None:
                reg = await s.scalar(
                    select(Registrant).where(
                        Registrant.user_id == user_id, Registrant.status != "deleted"
                    )
                )
                if reg is None:
                    return IntakeView("no_draft")
                draft = RegistrationDraft(
                    user_id=user_id,
                    step=Step.REVIEW,
                    answers=registrant_answers(reg),
                    history=[],
                    registrant_id=reg.id,
                    rev=0,
                    prompted_rev=-1,
                )
                s.add(draft)
            else:
                draft.paused = False
                draft.rev += 1
                await self._save(s, draft)
            await s.flush()
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
            return IntakeView("paused", step=Step(draft.step), rev=draft.rev)

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
            registered = await s.scalar(
                select(Registrant.id).where(
                    Registrant.user_id == user_id, Registrant.status != "deleted"
                )
            )
            return Standing(registered=registered is not None, has_draft=draft is not None)

    async def has_draft(self, user_id: int) -> bool:
        async with self.db.sessions() as s:
            found = await s.scalar(
                select(RegistrationDraft.user_id).where(RegistrationDraft.user_id == user_id)
            )
            return found is not None

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
            drafts = (
                await s.scalars(
                    select(RegistrationDraft).where(
                        RegistrationDraft.prompted_rev != RegistrationDraft.rev,
                        RegistrationDraft.paused.is_(False),
                    )
                )
            ).all()
            return [self._ask(draft) for draft in drafts]

    async def answer(self, user_id: int, update_id: int | None, answer: Answer) -> IntakeView:
        try:
            return await self._answer(user_id, update_id, answer)
        except IntegrityError:
            # Two accounts submitted the same NIK at the same instant and the
            # database let only one hold it: replay, and this one is the duplicate.
            return await self._answer(user_id, update_id, answer)

    async def _answer(self, user_id: int, update_id: int | None, answer: Answer) -> IntakeView:
        async with self.db.transaction() as s:
            draft = await self._draft(s, user_id)
            # By identity, never by order: an update not handled yet is handled,
            # whatever its number (see services/updates.py).
            if not await claim_update(s, update_id):
                return self._redelivered(draft)
            if draft is None:
                return IntakeView("no_draft")
            if draft.paused and answer.kind != "choice":
                return IntakeView("no_draft")
            if answer.kind == "choice" and answer.rev != draft.rev:
                if draft.paused:
                    return IntakeView("stale")
                status: ViewStatus = "double_tap" if answer.rev == draft.rev - 1 else "stale"
                view = self._ask(draft)
                view.status = status
                return view
            view = await self._apply(s, draft, answer)
            if view.status not in _DRAFT_GONE:
                await self._save(s, draft)
            return view

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

    # ---- the state machine --------------------------------------------

    async def _apply(self, s: AsyncSession, draft: RegistrationDraft, ans: Answer) -> IntakeView:
        step = Step(draft.step)
        if ans.kind == "back" or (ans.kind == "choice" and ans.value == "back"):
            return self._back(draft)
        answers = dict(draft.answers)
        handler = getattr(self, f"_on_{step.value}")
        outcome = handler(answers, ans, draft)
        if step == Step.NIK and outcome is None:
            limit = self.settings.nik_tries_per_day
            if not await nik_attempts.allow(s, limit, draft.user_id, answers["nik"]):
                outcome = Problem(
                    N_(
                        "You have typed several different NIKs today. To keep everyone's "
                        "data safe, please try again tomorrow, or ask an officer for help."
                    ),
                    help_now=True,
                )
        if isinstance(outcome, Problem):
            draft.misses += 1
            draft.rev += 1
            view = self._ask(draft)
            view.problem = outcome
            view.offer_help = outcome.help_now or draft.misses >= self.settings.help_after_misses
            return view
        if outcome == "toggled":
            draft.answers = answers
            draft.rev += 1
            view = self._ask(draft)
            view.status = "toggled"
            draft.prompted_rev = draft.rev  # the same message is redrawn in place
            return view
        if outcome == "declined":
            s.add(
                Consent(
                    user_id=draft.user_id,
                    text_version=CONSENT_VERSION,
                    agreed=False,
                    decided_at=now(),
                )
            )
            await s.execute(_DELETE_DRAFT, {"uid": draft.user_id})
            return IntakeView("declined")
        if outcome == "discard":
            await s.execute(_DELETE_DRAFT, {"uid": draft.user_id})
            return IntakeView("discarded")
        if outcome == "submit":
            result = await submit_registration(
                s, self.settings, draft.user_id, answers, draft.registrant_id
            )
            await s.execute(_DELETE_DRAFT, {"uid": draft.user_id})
            return IntakeView("submitted", result=result)
        if outcome == "consented":
            s.add(
                Consent(
                    user_id=draft.user_id,
                    text_version=CONSENT_VERSION,
                    agreed=True,
                    decided_at=now(),
                )
            )
        next_step = outcome if isinstance(outcome, Step) else self._next(step, answers, draft)
        if next_step == Step.REVIEW:
            answers.pop("_before_edit", None)
        draft.answers = answers
        if next_step != step:
            draft.history = [*draft.history, step.value]
        draft.step = next_step.value
        draft.misses = 0
        draft.rev += 1
        return self._ask(draft)

    def _next(self, step: Step, answers: dict[str, Any], draft: RegistrationDraft) -> Step:
        follow = {
            Step.NIK: Step.SEX_CONFIRM if answers.get("nik_sex") == Sex.MALE else Step.DOB_CONFIRM,
            Step.SEX_CONFIRM: Step.DOB_CONFIRM,
            Step.DOB_CONFIRM: Step.DOB if answers.get("dob_mismatch") is None else None,
            Step.KECAMATAN: Step.VILLAGE,
            Step.INCOME: Step.INCOME_CONFIRM
            if len(answers.get("income_candidates", [])) > 1
            else None,
            Step.OCCUPATION: Step.OCCUPATION_OTHER
            if answers.get("occupation") == OCCUPATION_OTHER
            else None,
        }.get(step)
        if follow is not None:
            return follow
        if draft.editing:
            return Step.REVIEW
        anchor = {
            Step.SEX_CONFIRM: Step.NIK,
            Step.DOB: Step.DOB_CONFIRM,
            Step.INCOME_CONFIRM: Step.INCOME,
            Step.OCCUPATION_OTHER: Step.OCCUPATION,
        }.get(step, step)
        return MAIN_FLOW[MAIN_FLOW.index(anchor) + 1]

    def _back(self, draft: RegistrationDraft) -> IntakeView:
        if draft.editing and draft.step != Step.REVIEW:
            # Leaving an edit returns to the review with the answers as they were.
            draft.answers = dict(draft.answers.get("_before_edit") or draft.answers)
            draft.step = Step.REVIEW
            draft.history = []
        elif draft.history:
            *rest, previous = draft.history
            draft.history = rest
            draft.step = previous
        draft.misses = 0
        draft.rev += 1
        return self._ask(draft)

    def _ask(self, draft: RegistrationDraft) -> IntakeView:
        return IntakeView(
            "ask",
            step=Step(draft.step),
            rev=draft.rev,
            answers=dict(draft.answers),
            editing=draft.editing,
            user_id=draft.user_id,
            amending=draft.registrant_id is not None,
        )

    async def _draft(self, s: AsyncSession, user_id: int) -> RegistrationDraft | None:
        """Her draft, locked on PostgreSQL, as a detached copy: changes are
        written back only by ``_save``."""
        stmt = _DRAFT_FOR_UPDATE if s.bind.dialect.name == "postgresql" else _DRAFT
        row = (await s.execute(stmt, {"uid": user_id})).mappings().first()
        return None if row is None else RegistrationDraft(**row)

    async def _save(self, s: AsyncSession, draft: RegistrationDraft) -> None:
        draft.updated_at = now()
        values = {f"new_{name}": getattr(draft, name) for name in _SAVED}
        await s.execute(_SAVE_DRAFT, {"uid": draft.user_id, **values})

    async def _duplicate(self, s: AsyncSession, user_id: int) -> IntakeView:
        return self._redelivered(await self._draft(s, user_id))

    def _redelivered(self, draft: RegistrationDraft | None) -> IntakeView:
        # Applied before. If its question never went out (the process died
        # between commit and send), send it now; otherwise stay quiet.
        if draft is not None and not draft.paused and draft.prompted_rev != draft.rev:
            view = self._ask(draft)
            view.status = "ask"
            return view
        return IntakeView("duplicate_update")

    # ---- one handler per step: return the next Step, a Problem, or a signal

    def _on_consent(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        if (ans.kind == "choice" and ans.value == "more") or (
            ans.kind == "text" and _fold(ans.value).startswith("baca")
        ):
            # "Baca selengkapnya": the full text (UU PDP Ps. 21), the same consent version.
            a["consent_full"] = True
            return Step.CONSENT
        choice = _yes_no(ans)
        if choice is None:
            return _tap_problem(ans)
        if not choice:
            return "declined"
        a["consent_version"] = CONSENT_VERSION
        a["consent_at"] = now().isoformat()
        return "consented"

    def _on_name(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        example = N_("Please type your full name, for example: Siti Aminah.")
        return _typed(a, "full_name", ans, parse_full_name, example)

    def _on_nik(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        if ans.kind != "text":
            return _type_problem(
                ans, N_("Please type the 16 digits of your NIK, for example: 3579034512800001.")
            )
        try:
            info = parse_nik(ans.value, today=today_wib())
        except NikError as exc:
            return _from_error(exc)
        a.update(
            nik=info.nik,
            nik_birth_date=info.birth_date.isoformat(),
            nik_sex=info.sex.value,
            nik_kecamatan_code=info.kecamatan_code,
            birth_date=info.birth_date.isoformat(),
            sex=info.sex.value,
            sex_mismatch=False,
        )
        a.pop("dob_mismatch", None)
        return None

    def _on_sex_confirm(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        if ans.kind == "choice" and ans.value == "retype":
            return Step.NIK
        choice = _yes_no(ans)
        if choice is None:
            return _tap_problem(ans)
        if not choice:
            return Step.NIK
        # She confirms the NIK and that she is a woman: keep both, staff checks.
        a["sex"] = Sex.FEMALE.value
        a["sex_mismatch"] = True
        return None

    def _on_dob_confirm(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        choice = _yes_no(ans)
        if choice is None:
            return _tap_problem(ans)
        if choice:
            a["birth_date"] = a["nik_birth_date"]
            a["dob_mismatch"] = False
        else:
            a.pop("dob_mismatch", None)
        return None

    def _on_dob(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        if ans.kind != "text":
            return _type_problem(ans, N_("Please type your birth date, for example: 17-08-1985."))
        try:
            born = parse_date(ans.value, today=today_wib())
        except DateError as exc:
            return _from_error(exc)
        a["birth_date"] = born.isoformat()
        # A NIK is never reissued for a corrected date: keep both and flag it.
        a["dob_mismatch"] = born.isoformat() != a.get("nik_birth_date")
        return None

    def _on_kecamatan(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        options = {p.code: p.name for p in self.places.kecamatan()}
        code = _match(ans, options)
        if code is None:
            return _tap_problem(ans)
        if a.get("kecamatan_code") != code:
            a.pop("village_code", None)
        a["kecamatan_code"] = code
        return None

    def _on_village(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        options = {p.code: p.name for p in self.places.villages(a["kecamatan_code"])}
        code = _match(ans, options)
        if code is None:
            return _tap_problem(ans)
        a["village_code"] = code
        return None

    def _on_address(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        if ans.kind == "choice" and ans.value == "skip":
            a["address"] = None
            return None
        if ans.kind != "text":
            return _type_problem(
                ans,
                N_(
                    "Please type your address, for example: RT 02 RW 05, Jl. Mawar 10. Or tap Skip."
                ),
            )
        try:
            a["address"] = parse_free_text(ans.value, max_len=200)
        except ValueError as exc:
            return _from_error(exc)
        return None

    def _on_marital(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        options = {status.value: status.value for status in MARITAL_CHOICES}
        options[MaritalStatus.KAWIN.value] = MaritalStatus.KAWIN.value
        code = _match(ans, options)
        if code is None:
            return _tap_problem(ans)
        a["marital_status"] = code
        return None

    def _on_main_earner(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        choice = _yes_no(ans)
        if choice is None:
            return _tap_problem(ans)
        a["main_earner"] = choice
        return None

    def _on_dependents(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        example = N_("Please type a number, for example: 3.")
        return _typed(a, "dependents", ans, parse_dependents, example, kinds=("text", "choice"))

    def _on_income(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        if ans.kind == "choice" and ans.value == "none":
            a["income"], a["income_candidates"] = 0, [0]
            return None
        if ans.kind != "text":
            return _type_problem(ans, N_("Please type the amount, for example: 500rb or 1,5 juta."))
        try:
            reading = parse_money(ans.value)
        except MoneyError as exc:
            return _from_error(exc)
        a["income"] = reading.amount
        a["income_candidates"] = list(reading.candidates)
        return None

    def _on_income_confirm(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        candidates = a.get("income_candidates", [])
        if ans.kind == "choice" and ans.value == "retype":
            return Step.INCOME
        index = parse_uint(ans.value) if ans.kind == "choice" else None
        if index is not None and index < len(candidates):
            a["income"] = candidates[index]
            a["income_candidates"] = [a["income"]]
            return None
        if ans.kind == "text":
            # She typed the amount again, more precisely: read it afresh.
            return self._retry_income(a, ans)
        return _tap_problem(ans)

    def _retry_income(self, a: dict[str, Any], ans: Answer) -> object:
        try:
            reading = parse_money(ans.value)
        except MoneyError as exc:
            return _from_error(exc)
        a["income"] = reading.amount
        a["income_candidates"] = list(reading.candidates)
        return Step.INCOME_CONFIRM if reading.ambiguous else None

    def _on_education(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        code = _match(ans, {k: k for k in EDUCATION})
        if code is None:
            return _tap_problem(ans)
        a["education"] = code
        return None

    def _on_occupation(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        code = _match(ans, {k: k for k in OCCUPATIONS})
        if code is None:
            return _tap_problem(ans)
        a["occupation"] = code
        if code != OCCUPATION_OTHER:
            a["occupation_other"] = None
        return None

    def _on_occupation_other(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        example = N_("Please type your work, for example: penjual jamu.")
        return _typed(a, "occupation_other", ans, lambda v: parse_free_text(v, max_len=60), example)

    def _on_interests(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        chosen: list[str] = list(a.get("interests", []))
        if ans.kind == "choice" and ans.value.startswith("t:") and ans.value[2:] in SKILLS:
            skill = ans.value[2:]
            chosen = [s for s in chosen if s != skill] if skill in chosen else [*chosen, skill]
            a["interests"] = [s for s in SKILLS if s in chosen]  # keep a stable order
            return "toggled"
        if ans.kind == "choice" and ans.value == "done":
            if not chosen:
                return Problem(N_("Please choose at least one class you are interested in."))
            return None
        return _tap_problem(ans)

    def _on_phone(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        if ans.kind == "option" and ans.value in PHONE_OPTIONS:
            # No dead end: a borrowed phone or none at all is an answer too.
            a["phone"] = None
            a["contact_by"] = ans.value
            return None
        if ans.kind == "foreign_contact":
            # Someone else's card (her child's, a neighbour's): never taken as hers.
            return Problem(
                N_(
                    "That is someone else's contact. Please type your own number, for "
                    "example: 0812 3456 7890, or tap a button below."
                )
            )
        if ans.kind not in ("text", "contact"):
            return _type_problem(
                ans,
                N_(
                    "Tap the button below to share your number, or type it, "
                    "for example: 0812 3456 7890."
                ),
            )
        try:
            a["phone"] = normalize_phone(ans.value)
        except ValueError as exc:
            return _from_error(exc)
        a["contact_by"] = "phone"
        return None

    def _on_review(self, a: dict[str, Any], ans: Answer, d: RegistrationDraft) -> object:
        if ans.kind == "choice" and ans.value == "submit":
            return "submit"
        if ans.kind == "choice" and ans.value == "discard" and d.registrant_id is not None:
            return "discard"
        if ans.kind == "choice" and ans.value.startswith("edit:"):
            target = EDITABLE.get(ans.value[5:])
            if target is not None:
                # "Kembali" during an edit restores this, so a half-made change
                # (a new kecamatan without its desa) never reaches the review.
                a["_before_edit"] = {k: v for k, v in a.items() if k != "_before_edit"}
                d.editing = True
                d.history = []
                return target
        return _tap_problem(ans)


# ---- small helpers -----------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return "_".join(text.replace("-", " ").replace("/", " ").split())


def _yes_no(ans: Answer) -> bool | None:
    if ans.kind == "choice":
        return {"yes": True, "no": False}.get(ans.value)
    if ans.kind == "text":
        word = _fold(ans.value).split("_")[0] if ans.value.strip() else ""
        if word in _YES:
            return True
        if word in _NO:
            return False
    return None


def _match(ans: Answer, options: dict[str, str]) -> str | None:
    """A button's code, or typed text naming an option (``junrejo``, ``cerai mati``)."""
    if ans.kind == "choice":
        return ans.value if ans.value in options else None
    if ans.kind == "text":
        typed = _fold(ans.value)
        for code, name in options.items():
            if typed in (_fold(code), _fold(name)):
                return code
    return None


def _typed(
    a: dict[str, Any],
    key: str,
    ans: Answer,
    parse: Callable[[str], object],
    example: str,
    *,
    kinds: tuple[InputKind, ...] = ("text",),
) -> Problem | None:
    """A typed answer: parsed into ``a[key]``, or the reason it was refused."""
    if ans.kind not in kinds:
        return _type_problem(ans, example)
    try:
        a[key] = parse(ans.value)
    except ValueError as exc:
        return _from_error(exc)
    return None


def _from_error(exc: Exception) -> Problem:
    return Problem(getattr(exc, "message", str(exc)), dict(getattr(exc, "params", {}) or {}))


def _tap_problem(ans: Answer) -> Problem:
    if ans.kind == "other":
        # A voice note or sticker: say what the bot cannot do yet, then ask again.
        return Problem(
            N_("Please tap one of the buttons below."), prefix=unreadable_message(ans.value)
        )
    return Problem(N_("Please tap one of the buttons below."))


def _type_problem(ans: Answer, example: str) -> Problem:
    if ans.kind == "other":
        return Problem(example, prefix=unreadable_message(ans.value))
    return Problem(example)
