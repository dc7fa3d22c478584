"""The check-in conversation: the check-in form (wrse_bot/forms/checkin.py) run
by the one engine service (services/forms.py) on a CheckIn row. The rows' life
and the tick are services/checkin_rounds.py.

* The form opens on "Mulai" for her own check-in that is still open; a late
  "Mulai" after the gentle re-ask is still welcome (no_response -> reasked).
* Every answer lands in its column in the transaction that claimed the update,
  so a half-answered check-in resumes where she stopped, also after a restart.
* While the open question is an ambiguous income, ``income`` holds the
  candidates ("1500,1500000"), encrypted like the final amount.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, CheckIn, Registrant
from wrse_bot.domain.digits import INT8_MAX, parse_uint
from wrse_bot.domain.obstacles import FollowUpReason, IncomeChange, income_bracket
from wrse_bot.domain.statuses import CheckInStatus, RegistrantStatus
from wrse_bot.domain.text import N_
from wrse_bot.forms.checkin import CHECKIN
from wrse_bot.forms.model import Answers
from wrse_bot.services.checkin_rounds import (
    OPEN,
    STARTABLE,
    CheckInRounds,
    Notice,
    Renderer,
    TickResult,
    income_change,
)
from wrse_bot.services.follow_up import open_follow_up
from wrse_bot.services.forms import FormSpec, Status
from wrse_bot.services.notices import Notice as Say

__all__ = ["CheckInService", "Notice", "TickResult"]

THANKS = N_("Thank you, Ibu! Your answers are saved. They help us improve the programme.")
THANKS_CONTACT = N_("An officer will contact you soon.")
KEYS = (
    "income",
    "business_started",
    "business_kind",
    "help_received",
    "obstacle",
    "obstacle_other",
    "wants_contact",
)


def answers_of(ci: CheckIn) -> dict[str, Any]:
    """Her answers as the row holds them."""
    answers: dict[str, Any] = {key: getattr(ci, key) for key in KEYS}
    raw = ci.income or ""
    amounts = tuple(v for v in (parse_uint(x, INT8_MAX) for x in raw.split(",")) if v is not None)
    answers["income"] = (amounts if "," in raw else amounts[0]) if amounts else None
    answers["help_received"] = tuple(ci.help_received or ())
    return answers


def _write(ci: CheckIn, before: Answers, after: Answers) -> None:
    """The answers that changed into the row (each is encrypted)."""
    for key in KEYS:
        value = after.get(key)
        if value == before.get(key):
            continue
        if key == "income":
            amounts = value if isinstance(value, tuple) else None
            ci.income = ",".join(map(str, amounts)) if amounts else _text(value)
            ci.income_bracket = income_bracket(value) if isinstance(value, int) else None
        elif key == "help_received":
            ci.help_received = list(value or ())
        else:
            setattr(ci, key, value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


async def _row(s: AsyncSession, form: ActiveForm) -> CheckIn | None:
    """Her check-in that this form is about (locked on PostgreSQL)."""
    stmt = select(CheckIn).where(CheckIn.id == form.subject, CheckIn.user_id == form.user_id)
    if s.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return await s.scalar(stmt)


class CheckInAnswers:
    """The check-in's answers live in its own row's columns."""

    async def load(self, s: AsyncSession, form: ActiveForm) -> Answers | None:
        ci = await _row(s, form)
        return answers_of(ci) if ci is not None and ci.status in OPEN else None

    async def save(
        self, s: AsyncSession, form: ActiveForm, before: Answers, after: Answers
    ) -> None:
        ci = await _row(s, form)
        assert ci is not None  # load() found it in this transaction
        _write(ci, before, after)


async def _begin(s: AsyncSession, form: ActiveForm) -> Status | None:
    ci = await _row(s, form)
    if ci is None:
        return Status.REFUSED  # not hers, or no such check-in
    if ci.status not in STARTABLE:
        return Status.CLOSED
    if ci.status == CheckInStatus.NO_RESPONSE:
        ci.status = CheckInStatus.REASKED  # a late answer is still welcome
    return None


async def _finish(s: AsyncSession, form: ActiveForm, answers: Answers) -> tuple[Say, ...]:
    ci = await _row(s, form)
    assert ci is not None
    ci.status = CheckInStatus.ANSWERED
    ci.answered_at = clock_now()
    intake = await s.scalar(
        select(Registrant.monthly_income).where(
            Registrant.user_id == ci.user_id, Registrant.status != RegistrantStatus.DELETED
        )
    )
    before = int(intake) if intake and intake.isdigit() else None
    ci.income_change = income_change(before, int(ci.income or 0))
    await s.flush()
    if ci.income_change == IncomeChange.FELL:
        await open_follow_up(s, ci.id, FollowUpReason.INCOME_FELL)
    if ci.wants_contact:
        await open_follow_up(s, ci.id, FollowUpReason.WANTS_CONTACT)
    return (Say(ci.user_id, THANKS, lines=(THANKS_CONTACT,) if ci.wants_contact else ()),)


SPEC = FormSpec(CHECKIN, store=CheckInAnswers(), begin=_begin, finish=_finish, keep_on_cancel=True)


class CheckInService:
    """The rounds' tick; the conversation itself is ``SPEC`` on the engine service."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.rounds = CheckInRounds(db, settings)

    async def tick(self, at: datetime, render: Renderer) -> TickResult:
        return await self.rounds.tick(at, render)
