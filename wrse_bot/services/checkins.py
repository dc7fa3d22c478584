"""Check-ins: what a woman reports 30, 90 and 180 days after completing a class.

Issue 4, "The check-in conversation". The office wants to learn whether her
income rose, whether she opened a business, what help she received and what
held her back (DOMAIN.md, "Who we serve"). The life of a check-in row:

    scheduled --(due: "Mulai" message)--> asked --(no answer for reask period)--> reasked
    asked/reasked --(all five answers)--> answered
    reasked --(another reask period)--> no_response (a FollowUp for a person)
    scheduled --(completion withdrawn)--> cancelled

* Rows are created in the transaction that decides completion
  (``schedule_checkins``, called by attendance.recompute_completion); the unique
  (enrolment_id, round_days) index keeps a second completion from doubling them.
* ``CheckInService.tick`` moves rows along with conditional UPDATEs
  (``WHERE status = ...``) and queues outbox rows with a dedupe key, so two ticks
  (or two processes) never ask her twice.
* The conversation's state is the row itself: ``step`` and ``rev`` (buttons carry
  the rev they were drawn for, so a stale button changes nothing), and every
  answer lands in its column as soon as it is given: a half-answered check-in
  resumes where she stopped, also after a restart.
* While the open question is an ambiguous income, ``income`` holds the
  candidates ("1500,1500000"), encrypted like the final amount.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import CheckIn, Registrant, TrainingClass
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.digits import INT8_MAX, parse_uint
from wrse_bot.domain.money import MoneyError, parse_money
from wrse_bot.domain.obstacles import HELP_KINDS, HELP_NONE, OBSTACLE_OTHER, OBSTACLES
from wrse_bot.domain.small_talk import unreadable_message
from wrse_bot.domain.text import N_
from wrse_bot.services.audience import may_contact
from wrse_bot.services.follow_up import open_follow_up
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.prompts import PromptLedger
from wrse_bot.services.registration import income_bracket
from wrse_bot.services.updates import claim_update

SCHEDULED = "scheduled"
ASKED = "asked"
REASKED = "reasked"
ANSWERED = "answered"
NO_RESPONSE = "no_response"
CANCELLED = "cancelled"
OPEN = (ASKED, REASKED)  # she may be answering: typed text goes to the check-in
# "Mulai" also works on a check-in marked no_response: a late answer is still welcome.
STARTABLE = (ASKED, REASKED, NO_RESPONSE)

DAY = 86_400
BUSINESS_OTHER = "lainnya"
TEXT_MAX = 100  # CheckIn.business_kind
OBSTACLE_TEXT_MAX = 200  # CheckIn.obstacle_other
TICK_BATCH = 200


class Step(StrEnum):
    INCOME = "income"
    INCOME_CONFIRM = "income_confirm"
    BUSINESS = "business"
    BUSINESS_KIND = "business_kind"
    BUSINESS_OTHER = "business_other"
    HELP = "help"
    OBSTACLE = "obstacle"
    OBSTACLE_OTHER = "obstacle_other"
    CONTACT = "contact"
    DONE = "done"


# ---- creating and cancelling rounds (in the caller's transaction) -------------------


def rounds(offsets_seconds: Sequence[int]) -> list[tuple[int, int]]:
    """``(round_days, offset_seconds)`` for each configured offset.

    Real offsets are whole days (30, 90, 180) and ``round_days`` is that number.
    Offsets in seconds (tests, demos) are numbered 1, 2, 3 instead, so each still
    gets its own round under the unique (enrolment_id, round_days) index.
    """
    offsets = sorted(set(int(o) for o in offsets_seconds if int(o) >= 0))
    if all(o % DAY == 0 and o > 0 for o in offsets):
        return [(o // DAY, o) for o in offsets]
    return [(i, o) for i, o in enumerate(offsets, start=1)]


async def schedule_checkins(
    s: AsyncSession,
    *,
    enrolment_id: int,
    user_id: int,
    class_id: int,
    completed_at: datetime,
    offsets_seconds: Sequence[int],
) -> int:
    """One CheckIn per round, due at completion + offset. A round that exists
    stays as it is; one cancelled earlier (completion withdrawn, then regained)
    is scheduled again. Returns how many rows were written."""
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    written = 0
    for round_days, offset in rounds(offsets_seconds):
        due = completed_at + timedelta(seconds=offset)
        stmt = insert(CheckIn).values(
            enrolment_id=enrolment_id,
            user_id=user_id,
            class_id=class_id,
            round_days=round_days,
            due_at=due,
            status=SCHEDULED,
            rev=0,
            help_received=[],
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["enrolment_id", "round_days"],
            set_={"status": SCHEDULED, "due_at": due},
            where=CheckIn.__table__.c.status == CANCELLED,
        )
        result = await s.execute(stmt)
        written += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return written


async def cancel_scheduled(s: AsyncSession, enrolment_id: int) -> int:
    """Completion withdrawn (attendance corrected): rounds not yet asked are cancelled."""
    result = await s.execute(
        update(CheckIn)
        .where(CheckIn.enrolment_id == enrolment_id, CheckIn.status == SCHEDULED)
        .values(status=CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def income_change(before: int | None, after: int) -> str | None:
    """Her income last month against her income at intake: rose, same or fell."""
    if before is None:
        return None
    if after > before:
        return "rose"
    if after < before:
        return "fell"
    return "same"


# ---- the tick: ask, re-ask, give up --------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """What the renderer needs to write the ask / re-ask message."""

    checkin_id: int
    user_id: int
    round_days: int
    class_title: str


# (kind "ask" | "reask", notice) -> (text, reply_markup as a dict, parse_mode)
Renderer = Callable[[str, Notice], tuple[str, dict[str, Any] | None, str | None]]


@dataclass
class TickResult:
    asked: list[int] = field(default_factory=list)  # user ids
    reasked: list[int] = field(default_factory=list)
    no_response: list[int] = field(default_factory=list)
    cancelled: int = 0


# ---- the conversation ---------------------------------------------------------------

InputKind = Literal["text", "choice", "other", "back"]


@dataclass(frozen=True)
class Answer:
    kind: InputKind
    value: str = ""
    rev: int | None = None


@dataclass(frozen=True)
class Problem:
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    prefix: str | None = None  # first sentence, for a message the bot cannot read


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


@dataclass
class CheckInView:
    status: ViewStatus
    checkin_id: int | None = None
    step: Step | None = None
    rev: int = 0
    class_title: str = ""
    help_received: tuple[str, ...] = ()
    candidates: tuple[int, ...] = ()
    problem: Problem | None = None
    user_id: int | None = None
    wants_contact: bool | None = None


_YES = {"ya", "iya", "y", "yes", "sudah", "benar", "betul", "ok", "nggih", "inggih", "mau"}
_NO = {"tidak", "tdk", "no", "n", "belum", "blm", "ora", "mboten", "gak", "nggak", "enggak"}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return " ".join(text.replace("-", " ").replace("/", " ").split())


def _yes_no(ans: Answer) -> bool | None:
    if ans.kind == "choice":
        return {"yes": True, "no": False}.get(ans.value)
    if ans.kind == "text" and ans.value.strip():
        word = _fold(ans.value).split(" ")[0]
        if word in _YES:
            return True
        if word in _NO:
            return False
    return None


def _tap_problem(ans: Answer) -> Problem:
    return Problem(N_("Please tap one of the buttons below."))


BUSINESS_EXAMPLE = N_("Please type your business in a few words, for example: warung makan.")
OBSTACLE_EXAMPLE = N_("Please type in a few words what held you back.")


def _free_text(ans: Answer, max_len: int, example: str) -> str | Problem:
    text = " ".join(ans.value.split()) if ans.kind == "text" else ""
    if len(text) < 2:
        return Problem(example)
    return text[:max_len]


def _previous(ci: CheckIn) -> Step:
    """The question before the open one, as her answers so far routed her.

    The path is fixed by the answers, so no history is kept: a confirmed
    income goes back to the amount, a typed "other" to the list it came from.
    """
    step = Step(ci.step or Step.INCOME)
    if step == Step.HELP:
        return Step.BUSINESS_KIND if ci.business_started else Step.BUSINESS
    return {
        Step.INCOME_CONFIRM: Step.INCOME,
        Step.BUSINESS: Step.INCOME,
        Step.BUSINESS_KIND: Step.BUSINESS,
        Step.BUSINESS_OTHER: Step.BUSINESS_KIND,
        Step.OBSTACLE: Step.HELP,
        Step.OBSTACLE_OTHER: Step.OBSTACLE,
        Step.CONTACT: Step.OBSTACLE,
    }.get(step, Step.INCOME)


def _candidates(ci: CheckIn) -> tuple[int, ...]:
    raw = ci.income or ""
    if ci.step != Step.INCOME_CONFIRM or not raw:
        return ()
    return tuple(v for v in (parse_uint(x, INT8_MAX) for x in raw.split(",")) if v is not None)


class CheckInService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._prompts = PromptLedger(db, CheckIn.__table__, "id")

    # ---- the tick ---------------------------------------------------------------

    async def tick(self, at: datetime, render: Renderer) -> TickResult:
        """Ask what is due, re-ask once after the re-ask period, then give up
        (no_response + a FollowUp). Safe to run in several places at once."""
        result = TickResult()
        period = timedelta(seconds=self.settings.checkin_reask_after_seconds)
        ask, reask, give_up = await self._pending(at, at - period)
        while ask and await self._ask_due(at, render, result):
            pass
        while reask and await self._reask(at - period, render, result):
            pass
        while give_up and await self._give_up(at - period, result):
            pass
        return result

    async def _pending(self, at: datetime, before: datetime) -> tuple[bool, bool, bool]:
        """One cheap read: is anything due? (Most ticks find nothing, and on
        SQLite a write transaction would queue behind women's answers.)"""

        def due(status: str, column: Any, moment: datetime) -> Any:
            return select(CheckIn.id).where(CheckIn.status == status, column <= moment).exists()

        async with self.db.sessions() as s:
            row = (
                await s.execute(
                    select(
                        due(SCHEDULED, CheckIn.due_at, at),
                        due(ASKED, CheckIn.asked_at, before),
                        due(REASKED, CheckIn.reasked_at, before),
                    )
                )
            ).one()
        return bool(row[0]), bool(row[1]), bool(row[2])

    async def _rows(
        self, s: AsyncSession, status: str, column: Any, before: datetime
    ) -> list[tuple[CheckIn, str | None, str | None]]:
        stmt = (
            select(CheckIn, TrainingClass.title, Registrant.status)
            .outerjoin(TrainingClass, TrainingClass.id == CheckIn.class_id)
            .outerjoin(Registrant, Registrant.user_id == CheckIn.user_id)
            .where(CheckIn.status == status, column <= before)
            .order_by(column, CheckIn.id)
            .limit(TICK_BATCH)
        )
        if s.bind.dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=CheckIn, skip_locked=True)
        return [(ci, title, reg) for ci, title, reg in (await s.execute(stmt)).all()]

    async def _move(self, s: AsyncSession, ci: CheckIn, old: str, **values: Any) -> bool:
        moved = await s.execute(
            update(CheckIn)
            .where(CheckIn.id == ci.id, CheckIn.status == old)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]

    async def _ask_due(self, at: datetime, render: Renderer, result: TickResult) -> bool:
        async with self.db.transaction() as s:
            rows = await self._rows(s, SCHEDULED, CheckIn.due_at, at)
            for ci, title, reg_status in rows:
                if await self._withdrawn(s, ci, SCHEDULED, reg_status, result):
                    continue
                if not await self._move(s, ci, SCHEDULED, status=ASKED, asked_at=at):
                    continue
                await self._send(s, "ask", ci, title, render)
                result.asked.append(ci.user_id)
            return len(rows) == TICK_BATCH

    async def _reask(self, before: datetime, render: Renderer, result: TickResult) -> bool:
        async with self.db.transaction() as s:
            rows = await self._rows(s, ASKED, CheckIn.asked_at, before)
            at = before + timedelta(seconds=self.settings.checkin_reask_after_seconds)
            for ci, title, reg_status in rows:
                if await self._withdrawn(s, ci, ASKED, reg_status, result):
                    continue
                if await self._move(s, ci, ASKED, status=REASKED, reasked_at=at):
                    await self._send(s, "reask", ci, title, render)
                    result.reasked.append(ci.user_id)
            return len(rows) == TICK_BATCH

    async def _give_up(self, before: datetime, result: TickResult) -> bool:
        async with self.db.transaction() as s:
            rows = await self._rows(s, REASKED, CheckIn.reasked_at, before)
            for ci, _, reg_status in rows:
                if await self._withdrawn(s, ci, REASKED, reg_status, result):
                    continue
                if await self._move(s, ci, REASKED, status=NO_RESPONSE):
                    await open_follow_up(s, ci.id, "no_response")
                    result.no_response.append(ci.user_id)
            return len(rows) == TICK_BATCH

    async def _withdrawn(
        self, s: AsyncSession, ci: CheckIn, old: str, reg_status: str | None, result: TickResult
    ) -> bool:
        """Her consent is withdrawn (services/audience.py): no question, no
        re-ask, no follow-up; the round is cancelled instead."""
        if may_contact(reg_status):
            return False
        if await self._move(s, ci, old, status=CANCELLED):
            result.cancelled += 1
        return True

    async def _send(
        self, s: AsyncSession, kind: str, ci: CheckIn, title: str | None, render: Renderer
    ) -> None:
        notice = Notice(ci.id, ci.user_id, ci.round_days, title or "-")
        text, markup, parse_mode = render(kind, notice)
        await enqueue(
            s,
            user_id=ci.user_id,
            text=text,
            kind="checkin",
            reply_markup=markup,
            parse_mode=parse_mode,
            dedupe_key=f"checkin:{ci.id}:{kind}",
            class_id=ci.class_id,
        )

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

    async def current(self, user_id: int, checkin_id: int) -> CheckInView:
        async with self.db.sessions() as s:
            ci = await s.get(CheckIn, checkin_id)
            if ci is None or ci.user_id != user_id:
                return CheckInView("refused")
            if ci.status not in OPEN or ci.step is None:
                return CheckInView("closed", checkin_id=ci.id)
            return await self._view(s, ci)

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
            return [await self._view(s, ci) for ci in owed.all()]

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
            if ci.step is None:
                ci.step = Step.INCOME.value
            ci.rev += 1  # buttons drawn before no longer apply
            return await self._view(s, ci)

    async def answer(
        self, user_id: int, checkin_id: int, update_id: int | None, ans: Answer
    ) -> CheckInView:
        async with self.db.transaction() as s:
            ci = await self._load(s, checkin_id)
            if ci is None or ci.user_id != user_id:
                return CheckInView("refused")
            if ci.status not in OPEN:
                return CheckInView("closed" if ans.kind == "choice" else "none", checkin_id=ci.id)
            if ans.kind == "choice" and ans.rev != ci.rev:
                view = await self._view(s, ci)
                view.status = "double_tap" if ans.rev == ci.rev - 1 else "stale"
                return view
            if not await claim_update(s, update_id):
                return CheckInView("duplicate_update", checkin_id=ci.id)
            if ci.step is None:
                # A message before "Mulai": she is here, so begin.
                ci.step = Step.INCOME.value
                ci.rev += 1
                return await self._view(s, ci)
            if ans.kind == "back" or (ans.kind == "choice" and ans.value == "back"):
                # "Kembali": the question before, its answer kept until she changes it.
                ci.step = _previous(ci).value
                ci.rev += 1
                return await self._view(s, ci)
            outcome = await self._apply(s, ci, ans)
            if isinstance(outcome, Problem):
                if ans.kind == "other":  # a voice note or sticker: say so, then ask again
                    outcome = replace(outcome, prefix=unreadable_message(ans.value))
                ci.rev += 1
                view = await self._view(s, ci)
                view.problem = outcome
                return view
            ci.rev += 1
            view = await self._view(s, ci)
            if outcome == "toggled":
                view.status = "toggled"
            return view

    async def _load(self, s: AsyncSession, checkin_id: int) -> CheckIn | None:
        stmt = select(CheckIn).where(CheckIn.id == checkin_id)
        if s.bind.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        return await s.scalar(stmt)

    async def _view(self, s: AsyncSession, ci: CheckIn) -> CheckInView:
        if ci.status == ANSWERED:
            return CheckInView(
                "done", checkin_id=ci.id, user_id=ci.user_id, wants_contact=ci.wants_contact
            )
        title = await s.scalar(select(TrainingClass.title).where(TrainingClass.id == ci.class_id))
        return CheckInView(
            "ask",
            checkin_id=ci.id,
            step=Step(ci.step) if ci.step else Step.INCOME,
            rev=ci.rev,
            class_title=title or "-",
            help_received=tuple(ci.help_received or ()),
            candidates=_candidates(ci),
            user_id=ci.user_id,
        )

    async def _apply(self, s: AsyncSession, ci: CheckIn, ans: Answer) -> object:
        step = Step(ci.step or Step.INCOME)
        outcome = getattr(self, f"_on_{step.value}")(ci, ans)
        if isinstance(outcome, Problem) or outcome == "toggled":
            return outcome
        if outcome == Step.DONE:
            await self._finish(s, ci)
            return None
        assert isinstance(outcome, Step)
        ci.step = outcome.value
        return None

    async def _finish(self, s: AsyncSession, ci: CheckIn) -> None:
        ci.step = Step.DONE.value
        ci.status = ANSWERED
        ci.answered_at = clock_now()
        intake = await s.scalar(
            select(Registrant.monthly_income).where(
                Registrant.user_id == ci.user_id, Registrant.status != "deleted"
            )
        )
        before = int(intake) if intake and intake.isdigit() else None
        after = int(ci.income or 0)
        ci.income_change = income_change(before, after)
        await s.flush()
        if ci.income_change == "fell":
            await open_follow_up(s, ci.id, "income_fell")
        if ci.wants_contact:
            await open_follow_up(s, ci.id, "wants_contact")

    # ---- one handler per step: the next Step, a Problem, or "toggled" -----------------

    def _set_income(self, ci: CheckIn, amount: int) -> None:
        ci.income = str(amount)
        ci.income_bracket = income_bracket(amount)

    def _read_income(self, ci: CheckIn, ans: Answer) -> object:
        try:
            reading = parse_money(ans.value)
        except MoneyError as exc:
            return Problem(getattr(exc, "message", str(exc)), dict(exc.params or {}))
        if reading.ambiguous:
            ci.income = ",".join(str(v) for v in reading.candidates)
            ci.income_bracket = None
            return Step.INCOME_CONFIRM
        self._set_income(ci, reading.amount)
        return Step.BUSINESS

    def _on_income(self, ci: CheckIn, ans: Answer) -> object:
        if ans.kind == "choice" and ans.value == "none":
            self._set_income(ci, 0)
            return Step.BUSINESS
        if ans.kind != "text":
            if ans.kind == "choice":
                return _tap_problem(ans)
            return Problem(N_("Please type the amount, for example: 500rb or 1,5 juta."))
        return self._read_income(ci, ans)

    def _on_income_confirm(self, ci: CheckIn, ans: Answer) -> object:
        candidates = _candidates(ci)
        if ans.kind == "choice" and ans.value == "retype":
            ci.income, ci.income_bracket = None, None
            return Step.INCOME
        index = parse_uint(ans.value[1:]) if ans.kind == "choice" and ans.value[:1] == "c" else None
        if index is not None and index < len(candidates):
            self._set_income(ci, candidates[index])
            return Step.BUSINESS
        if ans.kind == "text":
            return self._read_income(ci, ans)  # typed again, more precisely
        return _tap_problem(ans)

    def _on_business(self, ci: CheckIn, ans: Answer) -> object:
        choice = _yes_no(ans)
        if choice is None:
            return _tap_problem(ans)
        ci.business_started = choice
        if choice:
            return Step.BUSINESS_KIND
        ci.business_kind = None
        return Step.HELP

    def _on_business_kind(self, ci: CheckIn, ans: Answer) -> object:
        if ans.kind == "choice":
            if ans.value == BUSINESS_OTHER:
                return Step.BUSINESS_OTHER
            if ans.value in SKILLS:
                ci.business_kind = ans.value
                return Step.HELP
            return _tap_problem(ans)
        typed = _free_text(ans, TEXT_MAX, BUSINESS_EXAMPLE)
        if isinstance(typed, Problem):
            return typed
        folded = _fold(typed)
        ci.business_kind = next(
            (code for code in SKILLS if folded in (code, code.replace("_", " "))), typed
        )
        return Step.HELP

    def _on_business_other(self, ci: CheckIn, ans: Answer) -> object:
        typed = _free_text(ans, TEXT_MAX, BUSINESS_EXAMPLE)
        if isinstance(typed, Problem):
            return typed
        ci.business_kind = typed
        return Step.HELP

    def _on_help(self, ci: CheckIn, ans: Answer) -> object:
        chosen = [h for h in (ci.help_received or []) if h != HELP_NONE]
        if ans.kind == "choice" and ans.value.startswith("t_") and ans.value[2:] in HELP_KINDS:
            kind = ans.value[2:]
            if kind == HELP_NONE:
                ci.help_received = [HELP_NONE]
                return Step.OBSTACLE
            chosen = [h for h in chosen if h != kind] if kind in chosen else [*chosen, kind]
            ci.help_received = [h for h in HELP_KINDS if h in chosen]  # a stable order
            return "toggled"
        if ans.kind == "choice" and ans.value == "done":
            if not chosen:
                return Problem(
                    N_("Please tap the help you received, or tap No help, then tap Done.")
                )
            return Step.OBSTACLE
        return _tap_problem(ans)

    def _on_obstacle(self, ci: CheckIn, ans: Answer) -> object:
        code: str | None = None
        if ans.kind == "choice" and ans.value in OBSTACLES:
            code = ans.value
        elif ans.kind == "text":
            folded = _fold(ans.value)
            code = next((c for c in OBSTACLES if folded == c), None)
        if code is None:
            return _tap_problem(ans)
        ci.obstacle = code
        if code == OBSTACLE_OTHER:
            return Step.OBSTACLE_OTHER
        ci.obstacle_other = None
        return Step.CONTACT

    def _on_obstacle_other(self, ci: CheckIn, ans: Answer) -> object:
        typed = _free_text(ans, OBSTACLE_TEXT_MAX, OBSTACLE_EXAMPLE)
        if isinstance(typed, Problem):
            return typed
        ci.obstacle_other = typed
        return Step.CONTACT

    def _on_contact(self, ci: CheckIn, ans: Answer) -> object:
        choice = _yes_no(ans)
        if choice is None:
            return _tap_problem(ans)
        ci.wants_contact = choice
        return Step.DONE

    def _on_done(self, ci: CheckIn, ans: Answer) -> object:
        return Step.DONE
