"""Her registration (the intake) as a form on the engine service (services/forms.py).

The questions are the intake table (wrse_bot/forms/intake.py); its answers live
in her ``active_forms`` row, encrypted, as every form's. What the table cannot
know happens here, in the answer's transaction: her consent is recorded as she
decides, a NIK typed too often today is refused, "Minta bantuan petugas" tells
the office, and the finished form is filed (``submit_registration``).

"Ubah data" opens the same form about her registration (its ``subject``), at
the review with her filed answers; /batal or "Biarkan data saya" there leaves
her registration as it was, while /batal on a new registration keeps her
answers for later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, Consent, Registrant
from wrse_bot.domain.statuses import RegistrantStatus
from wrse_bot.forms.engine import FormState, Problem
from wrse_bot.forms.intake import NAME as INTAKE
from wrse_bot.forms.intake import intake_form, registration
from wrse_bot.forms.model import REVIEW, Answers, Form, typed_buttons
from wrse_bot.services import help_requests, nik_attempts
from wrse_bot.services.forms import FormSpec, InRow, Status
from wrse_bot.services.registration import (
    CONSENT_VERSION,
    SubmitResult,
    registrant_answers,
    submit_registration,
)
from wrse_bot.services.users import ensure_user

CONSENT_STEPS = ("consent", "consent_full")
AMENDING = "_amending"  # a fact of her form: it changes a sent registration


@dataclass(frozen=True)
class Declined:
    """She did not consent: nothing is kept."""


@dataclass(frozen=True)
class Standing:
    """Where she stands, for the greeting and the main menu."""

    registrant: int | None  # her live registration's number
    has_draft: bool  # her registration (or a change to it) is open or paused

    @property
    def registered(self) -> bool:
        return self.registrant is not None


_REGISTERED = select(Registrant.id).where(
    Registrant.user_id == bindparam("uid"), Registrant.status != RegistrantStatus.DELETED
)
_DRAFT = select(ActiveForm.id).where(
    ActiveForm.user_id == bindparam("uid"), ActiveForm.form == INTAKE
)


def form(settings: Settings) -> Form:
    base = intake_form(
        help_after=settings.help_after_misses, retention_years=settings.retention_years
    )
    return replace(base, questions=tuple(typed_buttons(q) for q in base.questions))


def spec(settings: Settings) -> FormSpec:
    async def begin(s: AsyncSession, row: ActiveForm) -> Status | None:
        if row.id is not None:
            return None  # her registration in progress, resumed
        if row.subject is None:  # /daftar by someone already registered
            found = await s.scalar(_REGISTERED, {"uid": row.user_id})
            return None if found is None else Status.CLOSED
        reg = await s.get(Registrant, row.subject)  # "Ubah data": her answers, at review
        if reg is None or reg.user_id != row.user_id or reg.status == RegistrantStatus.DELETED:
            return Status.REFUSED
        row.step, row.answers = REVIEW, registrant_answers(reg)
        return None

    async def check(
        s: AsyncSession, row: ActiveForm, before: Answers, after: FormState
    ) -> Problem | None:
        limit = settings.nik_tries_per_day
        return await nik_attempts.refuse_new_nik(s, limit, row.user_id, before, after.answers)

    async def finish(s: AsyncSession, row: ActiveForm, answers: Answers) -> tuple[Any, ...]:
        if not answers.get("consent"):
            return (Declined(),)
        filed = registration({**(row.answers or {}), **answers})  # with her consent's time
        return (await submit_registration(s, settings, row.user_id, filed, row.subject),)

    async def help(s: AsyncSession, row: ActiveForm, state: FormState) -> None:
        step = state.step or ""
        await help_requests.request_help(s, settings, row.user_id, step, dict(state.answers))

    async def facts(s: AsyncSession, row: ActiveForm, answers: Answers) -> dict[str, Any]:
        return {AMENDING: True} if row.subject is not None else {}

    return FormSpec(
        form(settings),
        store=ConsentKept(),
        facts=facts,
        begin=begin,
        check=check,
        finish=finish,
        help=help,
        # /batal keeps a new registration's answers; a change to a sent one is dropped.
        keep_on_cancel=lambda row: row.subject is None,
    )


class ConsentKept(InRow):
    """Her answers in her form's row, and her decision on the consent screen
    recorded as she makes it (UU PDP Ps. 24): which text, what, when."""

    async def save(self, s: AsyncSession, row: ActiveForm, before: Answers, after: Answers) -> None:
        agreed = after.get("consent")
        decided = row.step in CONSENT_STEPS and agreed is not None
        if not decided or agreed == before.get("consent"):
            row.answers = dict(after)  # "Baca selengkapnya", not understood, or decided before
            return
        at = now()
        s.add(
            Consent(user_id=row.user_id, text_version=CONSENT_VERSION, agreed=agreed, decided_at=at)
        )
        consent = (
            {"consent_version": CONSENT_VERSION, "consent_at": at.isoformat()} if agreed else {}
        )
        row.answers = {**after, **consent}


async def standing(db: Database, user_id: int) -> Standing:
    async with db.sessions() as s:
        draft = await s.scalar(_DRAFT, {"uid": user_id})
        registered = await s.scalar(_REGISTERED, {"uid": user_id})
        return Standing(registrant=registered, has_draft=draft is not None)


async def greet(db: Database, user_id: int, language: str | None) -> None:
    """Before her registration opens: her account, in her app's language."""
    async with db.transaction() as s:
        await ensure_user(s, user_id, language)


__all__ = ["INTAKE", "Declined", "Standing", "SubmitResult", "spec"]
