"""Check-ins (issue 4): the life of a CheckIn row, the tick that moves it, and the
check-in form (wrse_bot/forms/checkin.py) run on it by the one engine service.

    scheduled --(due: "Mulai" message)--> asked --(no answer for reask period)--> reasked
    asked/reasked --(all five answers)--> answered
    reasked --(another reask period)--> no_response (a FollowUp for a person)
    scheduled --(completion withdrawn)--> cancelled

Rows are created with completion (attendance.py; the unique (enrolment_id,
round_days) index stops doubles). The tick moves them with conditional UPDATEs and
queues outbox rows with a dedupe key, so two ticks never ask her twice. "Mulai"
opens the form on her own open check-in (a late one after the re-ask too); each
answer lands in its column in the transaction that claimed the update, so she
resumes where she stopped. While an ambiguous income is asked, ``income`` holds
the candidates ("1500,1500000"), encrypted like the final amount.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, CheckIn, Registrant, TrainingClass
from wrse_bot.domain.digits import INT8_MAX, parse_uint
from wrse_bot.domain.obstacles import FollowUpReason, IncomeChange, income_bracket
from wrse_bot.domain.statuses import CheckInStatus, OutboxKind, RegistrantStatus
from wrse_bot.domain.text import N_
from wrse_bot.forms.checkin import CHECKIN
from wrse_bot.forms.model import Answers
from wrse_bot.services.audience import may_contact
from wrse_bot.services.follow_up import open_follow_up
from wrse_bot.services.forms import FormSpec, Status, offer
from wrse_bot.services.notices import Notice as Say
from wrse_bot.services.outbox import enqueue

SCHEDULED, ASKED, REASKED = CheckInStatus.SCHEDULED, CheckInStatus.ASKED, CheckInStatus.REASKED
# She may be answering: typed text goes to the check-in.
OPEN = (ASKED, REASKED)
# "Mulai" also works on a check-in marked no_response: a late answer is still welcome.
STARTABLE = (*OPEN, CheckInStatus.NO_RESPONSE)

DAY = 86_400
TICK_BATCH = 200


# ---- creating and cancelling rounds (in the caller's transaction) -------------------


def rounds(offsets_seconds: Sequence[int]) -> list[tuple[int, int]]:
    """``(round_days, offset_seconds)`` for each configured offset: whole days (30,
    90, 180) are their number; offsets in seconds (tests, demos) are numbered 1, 2,
    3, so each still gets its own round under the unique (enrolment_id, round_days)."""
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
            status=CheckInStatus.SCHEDULED,
            help_received=[],
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["enrolment_id", "round_days"],
            set_={"status": CheckInStatus.SCHEDULED, "due_at": due},
            where=CheckIn.__table__.c.status == CheckInStatus.CANCELLED,
        )
        result = await s.execute(stmt)
        written += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return written


async def cancel_scheduled(s: AsyncSession, enrolment_id: int) -> int:
    """Completion withdrawn (attendance corrected): rounds not yet asked are cancelled."""
    result = await s.execute(
        update(CheckIn)
        .where(CheckIn.enrolment_id == enrolment_id, CheckIn.status == CheckInStatus.SCHEDULED)
        .values(status=CheckInStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def income_change(before: int | None, after: int) -> IncomeChange | None:
    """Her income last month against her income at intake: rose, same or fell."""
    if before is None:
        return None
    if after > before:
        return IncomeChange.ROSE
    if after < before:
        return IncomeChange.FELL
    return IncomeChange.SAME


# ---- the tick: ask, re-ask, give up --------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """What the renderer needs to write the ask / re-ask message."""

    checkin_id: int
    class_title: str


# (kind "ask" | "reask", notice) -> (text, reply_markup as a dict, parse_mode)
Renderer = Callable[[str, Notice], tuple[str, dict[str, Any] | None, str | None]]


@dataclass
class TickResult:
    asked: list[int] = field(default_factory=list)  # user ids
    reasked: list[int] = field(default_factory=list)
    no_response: list[int] = field(default_factory=list)
    cancelled: int = 0


class CheckInService:
    """The rounds' tick (``runtime.checkins``); the form itself is ``SPEC``."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def tick(self, at: datetime, render: Renderer) -> TickResult:
        """Ask what is due, re-ask once after the re-ask period, then give up
        (no_response + a FollowUp). Safe to run in several places at once."""
        result = TickResult()
        before = at - timedelta(seconds=self.settings.checkin_reask_after_seconds)
        # (status, since when, due by, moved to, message or None: give up)
        steps = (
            (SCHEDULED, CheckIn.due_at, at, {"status": ASKED, "asked_at": at}, "ask"),
            (ASKED, CheckIn.asked_at, before, {"status": REASKED, "reasked_at": at}, "reask"),
            (REASKED, CheckIn.reasked_at, before, {"status": CheckInStatus.NO_RESPONSE}, None),
        )
        # One cheap read first: most ticks find nothing, and on SQLite a write
        # transaction would queue behind women's answers.
        async with self.db.sessions() as s:
            due = (
                await s.execute(
                    select(
                        *(
                            select(CheckIn.id).where(CheckIn.status == old, col <= by).exists()
                            for old, col, by, _, _ in steps
                        )
                    )
                )
            ).one()
        for any_due, step in zip(due, steps, strict=True):
            while any_due and await self._advance(*step, render, result):
                pass
        return result

    async def _advance(
        self,
        old: str,
        column: Any,
        before: datetime,
        values: dict[str, Any],
        kind: str | None,
        render: Renderer,
        result: TickResult,
    ) -> bool:
        """One batch of rows in ``old`` since ``before``: asked, re-asked (``kind``)
        or given up. True when the batch was full (more may wait)."""
        async with self.db.transaction() as s:
            stmt = (
                select(CheckIn, TrainingClass.title, Registrant.status)
                .outerjoin(TrainingClass, TrainingClass.id == CheckIn.class_id)
                .outerjoin(Registrant, Registrant.user_id == CheckIn.user_id)
                .where(CheckIn.status == old, column <= before)
                .order_by(column, CheckIn.id)
                .limit(TICK_BATCH)
            )
            if s.bind.dialect.name == "postgresql":
                stmt = stmt.with_for_update(of=CheckIn, skip_locked=True)
            rows = (await s.execute(stmt)).all()
            for ci, title, reg_status in rows:
                if await self._withdrawn(s, ci, old, reg_status, result):
                    continue
                if not await self._move(s, ci, old, **values):
                    continue
                if kind is None:
                    await open_follow_up(s, ci.id, FollowUpReason.NO_RESPONSE)
                    result.no_response.append(ci.user_id)
                else:
                    await self._send(s, kind, ci, title, render)
                    (result.asked if kind == "ask" else result.reasked).append(ci.user_id)
            return len(rows) == TICK_BATCH

    async def _move(self, s: AsyncSession, ci: CheckIn, old: str, **values: Any) -> bool:
        moved = await s.execute(
            update(CheckIn)
            .where(CheckIn.id == ci.id, CheckIn.status == old)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(moved.rowcount)  # type: ignore[attr-defined]

    async def _withdrawn(
        self, s: AsyncSession, ci: CheckIn, old: str, reg_status: str | None, result: TickResult
    ) -> bool:
        """Her consent is withdrawn (services/audience.py): no question, no
        re-ask, no follow-up; the round is cancelled instead."""
        if may_contact(reg_status):
            return False
        if await self._move(s, ci, old, status=CheckInStatus.CANCELLED):
            result.cancelled += 1
        return True

    async def _send(
        self, s: AsyncSession, kind: str, ci: CheckIn, title: str | None, render: Renderer
    ) -> None:
        text, markup, parse_mode = render(kind, Notice(ci.id, title or "-"))
        await offer(s, ci.user_id, CHECKIN.name, ci.id)  # her next message starts it
        await enqueue(
            s,
            user_id=ci.user_id,
            text=text,
            kind=OutboxKind.CHECKIN,
            reply_markup=markup,
            parse_mode=parse_mode,
            dedupe_key=f"checkin:{ci.id}:{kind}",
            class_id=ci.class_id,
        )


# ---- her answers ------------------------------------------------------------------

THANKS = N_("Thank you, Ibu! Your answers are saved. They help us improve the programme.")
THANKS_CONTACT = N_("An officer will contact you soon.")
KEYS = tuple(dict.fromkeys(q.answer_key for q in CHECKIN.questions))  # the CheckIn columns


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


async def answered(s: AsyncSession, ci: CheckIn, intake: str | None) -> None:
    """All her answers are in (``intake``: her income at registration): a person
    follows up if her income fell or she wants to be called."""
    ci.status = CheckInStatus.ANSWERED
    ci.answered_at = clock_now()
    before = int(intake) if intake and intake.isdigit() else None
    ci.income_change = income_change(before, int(ci.income or 0))
    await s.flush()
    if ci.income_change == IncomeChange.FELL:
        await open_follow_up(s, ci.id, FollowUpReason.INCOME_FELL)
    if ci.wants_contact:
        await open_follow_up(s, ci.id, FollowUpReason.WANTS_CONTACT)


async def _finish(s: AsyncSession, form: ActiveForm, answers: Answers) -> tuple[Say, ...]:
    ci = await _row(s, form)
    assert ci is not None
    intake = await s.scalar(
        select(Registrant.monthly_income).where(
            Registrant.user_id == ci.user_id, Registrant.status != RegistrantStatus.DELETED
        )
    )
    await answered(s, ci, intake)
    return (Say(ci.user_id, THANKS, lines=(THANKS_CONTACT,) if ci.wants_contact else ()),)


SPEC = FormSpec(CHECKIN, store=CheckInAnswers(), begin=_begin, finish=_finish, keep_on_cancel=True)
