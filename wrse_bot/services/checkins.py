"""The check-in conversation: the check-in form (wrse_bot/forms/checkin.py) run
on a CheckIn row. The rows' life and the tick are services/checkin_rounds.py.

* The form's state is the row itself: ``step`` and ``rev`` (buttons carry the
  rev they were drawn for, so a stale button changes nothing), and every answer
  lands in its column in the transaction that claimed the update: a
  half-answered check-in resumes where she stopped, also after a restart.
* While the open question is an ambiguous income, ``income`` holds the
  candidates ("1500,1500000"), encrypted like the final amount.
* The question drawn for ``rev`` is recorded as delivered (``prompted_rev``);
  one saved but never sent (a crash in between) is owed and sent at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import CheckIn, Registrant
from wrse_bot.domain.digits import INT8_MAX, parse_uint
from wrse_bot.domain.obstacles import income_bracket
from wrse_bot.forms.checkin import CHECKIN
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
from wrse_bot.forms.model import DONE
from wrse_bot.services.checkin_rounds import (
    ANSWERED,
    NO_RESPONSE,
    OPEN,
    REASKED,
    STARTABLE,
    CheckInRounds,
    Notice,
    Renderer,
    TickResult,
    income_change,
)
from wrse_bot.services.follow_up import open_follow_up
from wrse_bot.services.prompts import PromptLedger
from wrse_bot.services.updates import claim_update

__all__ = ["Answer", "CheckInService", "CheckInView", "Notice", "TickResult"]

ViewStatus = Literal[
    "ask",  # show the question for ``step`` (with ``problem`` when her answer was refused)
    "toggled",  # help choices changed: redraw the buttons in place
    "done",  # all answered: thank her
    "stale",  # a button of an earlier question; ``step`` is the current one
    "double_tap",  # the same button again before the bot caught up
    "duplicate_update",  # Telegram delivered this update before
    "closed",  # answered already, or cancelled
    "refused",  # not hers, or no such check-in
    "none",  # no open check-in: the message is not for us
]
KEYS = (
    "income",
    "business_started",
    "business_kind",
    "help_received",
    "obstacle",
    "obstacle_other",
    "wants_contact",
)


@dataclass
class CheckInView:
    status: ViewStatus
    checkin_id: int | None = None
    state: FormState = field(default_factory=lambda: FormState(None))
    problem: Problem | None = None
    offer_help: bool = False
    user_id: int | None = None
    wants_contact: bool | None = None

    @property
    def step(self) -> str | None:
        return self.state.step

    @property
    def rev(self) -> int:
        return self.state.rev


def state_of(ci: CheckIn) -> FormState:
    """The form's state as the row holds it."""
    answers: dict[str, Any] = {key: getattr(ci, key) for key in KEYS}
    raw = ci.income or ""
    amounts = tuple(v for v in (parse_uint(x, INT8_MAX) for x in raw.split(",")) if v is not None)
    answers["income"] = (amounts if "," in raw else amounts[0]) if amounts else None
    answers["help_received"] = tuple(ci.help_received or ())
    return FormState(ci.step, ci.rev, answers)


def _write(ci: CheckIn, before: FormState, after: FormState) -> None:
    """The new state into the row: only the answers that changed (each is encrypted)."""
    ci.step, ci.rev = after.step, after.rev
    for key in KEYS:
        value = after.answers.get(key)
        if value == before.answers.get(key):
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


class CheckInService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.rounds = CheckInRounds(db, settings)
        self._prompts = PromptLedger(db, CheckIn.__table__, "id")

    async def tick(self, at: datetime, render: Renderer) -> TickResult:
        return await self.rounds.tick(at, render)

    # ---- lookups ------------------------------------------------------------------

    async def open_for(self, user_id: int) -> int | None:
        """Her open check-in (asked or re-asked), the most recently asked first."""
        async with self.db.sessions() as s:
            return await s.scalar(
                select(CheckIn.id)
                .where(CheckIn.user_id == user_id, CheckIn.status.in_(OPEN))
                .order_by(CheckIn.asked_at.desc(), CheckIn.id.desc())
                .limit(1)
            )

    async def mark_prompted(self, checkin_id: int, rev: int) -> None:
        """The question drawn for ``rev`` reached Telegram: nothing is owed
        (written in batches, see services/prompts.py)."""
        self._prompts.delivered(checkin_id, rev)

    async def flush(self) -> None:
        """Wait for recorded deliveries to reach the database (at shutdown)."""
        await self._prompts.flush()

    async def owed_prompts(self) -> list[CheckInView]:
        """Open questions saved but never delivered (the process died in between)."""
        async with self.db.sessions() as s:
            owed = await s.scalars(
                select(CheckIn).where(
                    CheckIn.status.in_(OPEN),
                    CheckIn.step.is_not(None),
                    CheckIn.prompted_rev != CheckIn.rev,
                )
            )
            return [CheckInView("ask", ci.id, state_of(ci), user_id=ci.user_id) for ci in owed]

    # ---- the conversation -----------------------------------------------------------

    async def start(self, user_id: int, checkin_id: int, update_id: int | None) -> CheckInView:
        """ "Mulai": the first question, or the open one of a half-answered check-in."""
        async with self.db.transaction() as s:
            ci = await self._load(s, checkin_id)
            if ci is None or ci.user_id != user_id:
                return CheckInView("refused")
            if ci.status not in STARTABLE:
                return CheckInView("closed", checkin_id=ci.id)
            if not await claim_update(s, update_id):
                return CheckInView("duplicate_update", checkin_id=ci.id)
            if ci.status == NO_RESPONSE:
                ci.status = REASKED  # a late answer is still welcome
            return await self._apply(s, ci, start(CHECKIN, state_of(ci)))

    async def answer(
        self, user_id: int, checkin_id: int, update_id: int | None, ans: Answer
    ) -> CheckInView:
        async with self.db.transaction() as s:
            ci = await self._load(s, checkin_id)
            if ci is None or ci.user_id != user_id:
                return CheckInView("refused")
            if ci.status not in OPEN:
                return CheckInView("closed" if ans.kind == "choice" else "none", checkin_id=ci.id)
            outcome = advance(CHECKIN, state_of(ci), ans)
            if not outcome.changed:  # a stale button: nothing to claim or save
                return self._view(ci, outcome)
            if not await claim_update(s, update_id):
                return CheckInView("duplicate_update", checkin_id=ci.id)
            return await self._apply(s, ci, outcome)

    async def _load(self, s: AsyncSession, checkin_id: int) -> CheckIn | None:
        stmt = select(CheckIn).where(CheckIn.id == checkin_id)
        if s.bind.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return await s.scalar(stmt)

    async def _apply(self, s: AsyncSession, ci: CheckIn, outcome: Outcome) -> CheckInView:
        _write(ci, state_of(ci), outcome.state)
        if outcome.state.step == DONE:
            await self._finish(s, ci)
        return self._view(ci, outcome)

    def _view(self, ci: CheckIn, outcome: Outcome) -> CheckInView:
        view = CheckInView("ask", ci.id, outcome.state, user_id=ci.user_id)
        for effect in outcome.effects:
            if isinstance(effect, Ask):
                view.problem = effect.problem
            elif isinstance(effect, Redraw):
                view.status = "toggled"
            elif isinstance(effect, Stale):
                view.status = "double_tap" if effect.double_tap else "stale"
            elif isinstance(effect, OfferHelp):
                view.offer_help = True
        if ci.status == ANSWERED:
            view.status, view.wants_contact = "done", ci.wants_contact
        return view

    async def _finish(self, s: AsyncSession, ci: CheckIn) -> None:
        ci.status = ANSWERED
        ci.answered_at = clock_now()
        intake = await s.scalar(
            select(Registrant.monthly_income).where(
                Registrant.user_id == ci.user_id, Registrant.status != "deleted"
            )
        )
        before = int(intake) if intake and intake.isdigit() else None
        ci.income_change = income_change(before, int(ci.income or 0))
        await s.flush()
        if ci.income_change == "fell":
            await open_follow_up(s, ci.id, "income_fell")
        if ci.wants_contact:
            await open_follow_up(s, ci.id, "wants_contact")
