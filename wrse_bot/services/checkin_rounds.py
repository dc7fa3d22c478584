"""Check-in rounds: the life of a CheckIn row, and the tick that moves it.

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
* ``CheckInRounds.tick`` moves rows along with conditional UPDATEs
  (``WHERE status = ...``) and queues outbox rows with a dedupe key, so two ticks
  (or two processes) never ask her twice.

The conversation itself (her answers) is services/checkins.py.
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

from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import CheckIn, Registrant, TrainingClass
from wrse_bot.domain.obstacles import FollowUpReason, IncomeChange
from wrse_bot.domain.statuses import CheckInStatus, OutboxKind
from wrse_bot.forms.checkin import CHECKIN
from wrse_bot.services.audience import may_contact
from wrse_bot.services.follow_up import open_follow_up
from wrse_bot.services.forms import offer
from wrse_bot.services.outbox import enqueue

# She may be answering: typed text goes to the check-in.
OPEN = (CheckInStatus.ASKED, CheckInStatus.REASKED)
# "Mulai" also works on a check-in marked no_response: a late answer is still welcome.
STARTABLE = (*OPEN, CheckInStatus.NO_RESPONSE)

DAY = 86_400
TICK_BATCH = 200


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


class CheckInRounds:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

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
                        due(CheckInStatus.SCHEDULED, CheckIn.due_at, at),
                        due(CheckInStatus.ASKED, CheckIn.asked_at, before),
                        due(CheckInStatus.REASKED, CheckIn.reasked_at, before),
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
            rows = await self._rows(s, CheckInStatus.SCHEDULED, CheckIn.due_at, at)
            for ci, title, reg_status in rows:
                if await self._withdrawn(s, ci, CheckInStatus.SCHEDULED, reg_status, result):
                    continue
                if not await self._move(
                    s, ci, CheckInStatus.SCHEDULED, status=CheckInStatus.ASKED, asked_at=at
                ):
                    continue
                await self._send(s, "ask", ci, title, render)
                result.asked.append(ci.user_id)
            return len(rows) == TICK_BATCH

    async def _reask(self, before: datetime, render: Renderer, result: TickResult) -> bool:
        async with self.db.transaction() as s:
            rows = await self._rows(s, CheckInStatus.ASKED, CheckIn.asked_at, before)
            at = before + timedelta(seconds=self.settings.checkin_reask_after_seconds)
            for ci, title, reg_status in rows:
                if await self._withdrawn(s, ci, CheckInStatus.ASKED, reg_status, result):
                    continue
                if await self._move(
                    s, ci, CheckInStatus.ASKED, status=CheckInStatus.REASKED, reasked_at=at
                ):
                    await self._send(s, "reask", ci, title, render)
                    result.reasked.append(ci.user_id)
            return len(rows) == TICK_BATCH

    async def _give_up(self, before: datetime, result: TickResult) -> bool:
        async with self.db.transaction() as s:
            rows = await self._rows(s, CheckInStatus.REASKED, CheckIn.reasked_at, before)
            for ci, _, reg_status in rows:
                if await self._withdrawn(s, ci, CheckInStatus.REASKED, reg_status, result):
                    continue
                if await self._move(s, ci, CheckInStatus.REASKED, status=CheckInStatus.NO_RESPONSE):
                    await open_follow_up(s, ci.id, FollowUpReason.NO_RESPONSE)
                    result.no_response.append(ci.user_id)
            return len(rows) == TICK_BATCH

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
        notice = Notice(ci.id, ci.user_id, ci.round_days, title or "-")
        text, markup, parse_mode = render(kind, notice)
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
