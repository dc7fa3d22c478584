"""The outbox, seen from the dispatcher: claim due rows, record what happened.

Every change is one short transaction, and every outcome a conditional UPDATE
``WHERE id = ? AND status = 'pending'``, so a row leaves ``pending`` exactly once,
whichever dispatcher (process) gets there first. PostgreSQL claims ``FOR UPDATE SKIP
LOCKED`` and leases the rows (``claimed_until``) in the same transaction; SQLite
starts it with ``BEGIN IMMEDIATE`` (wrse_bot.db.engine): one worker. A lease that
runs out (a process killed mid-batch) makes its rows due again, so a row is sent
once unless the process died between Telegram accepting it and the commit. No
Telegram here: the sender (wrse_bot/telegram/sender.py) returns ``Outcome`` values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update

from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Broadcast, OutboxMessage, User
from wrse_bot.domain.placeholders import is_placeholder
from wrse_bot.domain.statuses import BroadcastStatus, OutboxKind, OutboxStatus
from wrse_bot.domain.timing import QuietHours, held_until
from wrse_bot.services.outbox import enqueue

# A claimed row belongs to its dispatcher this long. It must outlast one batch
# (at 30 msg/s, 100 rows take ~3.5 s, plus any 429 waits); after a crash the
# unsent rows of that batch are due again when it runs out.
LEASE = timedelta(seconds=60)
# Network trouble: retry after 5 s, 10 s, 20 s ... at most 15 minutes apart.
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=15)

EXPIRED_REASON = "expired: not sent before expires_at"
UNREACHABLE_REASON = "unreachable: she blocked the bot earlier (403)"
DIVERTED_REASON = "diverted: she has no Telegram; her companion's digest lists it"
# Rows settled at claim time, never sent: their reason.
_SETTLED = {
    OutboxStatus.SKIPPED: EXPIRED_REASON,
    OutboxStatus.DIVERTED: DIVERTED_REASON,
    OutboxStatus.BLOCKED: UNREACHABLE_REASON,
}

_MAX_ERROR = 200  # OutboxMessage.last_error length


class Outcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: she blocked the bot
    RETRY = "retry"  # network trouble: try again later, with backoff
    DEFER = "defer"  # 429 still standing after the limiter's retries: due again soon
    FAILED = "failed"  # Telegram refused the message itself (400)
    RELEASED = "released"  # not attempted (the dispatcher is stopping)


@dataclass(frozen=True)
class Claimed:
    """A row this dispatcher holds a lease on: everything needed to send it."""

    id: int
    user_id: int
    kind: str
    text: str
    reply_markup: dict[str, Any] | None
    parse_mode: str | None
    attempts: int
    broadcast_id: int | None


@dataclass
class Batch:
    to_send: list[Claimed]
    skipped: int = 0  # expired
    blocked: int = 0  # unreachable users
    held: int = 0  # fell due in quiet hours: moved to the morning
    diverted: int = 0  # for a woman without Telegram: her companion's digest instead


def backoff(attempts: int) -> timedelta:
    """Delay before attempt ``attempts + 1`` (``attempts`` >= 1 failures so far)."""
    delay = BACKOFF_BASE * (2 ** max(0, attempts - 1))
    return min(delay, BACKOFF_MAX)


def _clip(error: str) -> str:
    return error if len(error) <= _MAX_ERROR else error[: _MAX_ERROR - 1] + "…"


def _pending(row_id: int) -> Any:
    return (OutboxMessage.id == row_id) & (OutboxMessage.status == OutboxStatus.PENDING)


def _not_held(morning: datetime) -> Any:
    """Issue 4: in quiet hours nothing is sent, except a reminder that would
    arrive after its session if it waited for ``morning`` (domain.timing.send_time)."""
    return (
        (OutboxMessage.kind == OutboxKind.REMINDER)
        & OutboxMessage.expires_at.is_not(None)
        & (OutboxMessage.expires_at <= morning)
    )


async def _hold(s: Any, due: Any, morning: datetime) -> int:
    """Quiet hours: rows falling due now wait for ``morning`` (their ``due_at``
    moves there), so they are not looked at again every tick. Rows another
    dispatcher has locked are passed over (it holds them itself)."""
    held = (
        select(OutboxMessage.id).where(due, ~_not_held(morning)).with_for_update(skip_locked=True)
    )
    result = await s.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(held))
        .values(due_at=morning)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def claim_batch(
    db: Database,
    limit: int,
    *,
    lease: timedelta = LEASE,
    quiet: QuietHours | None = None,
    at: datetime | None = None,
) -> Batch:
    """Lease up to ``limit`` due rows (oldest first). Expired rows, rows for
    unreachable users and rows for a woman without Telegram (diverted to her
    companion's digest, services/digests.py) are settled here with their reason.
    Inside ``quiet`` hours (at ``at``: now unless a test says otherwise) due rows
    are held until the morning, except reminders that could not wait (``_not_held``)."""
    at = at or now()
    morning = held_until(at, quiet) if quiet is not None else None
    held = 0
    async with db.transaction() as s:
        due = (
            (OutboxMessage.status == OutboxStatus.PENDING)
            & (OutboxMessage.due_at <= at)
            & (OutboxMessage.claimed_until.is_(None) | (OutboxMessage.claimed_until < at))
        )
        if morning is not None:
            held = await _hold(s, due, morning)
            due = due & _not_held(morning)
        rows = (
            await s.execute(
                select(OutboxMessage)
                .where(due)
                # Oldest first, by due_at alone: the index (status, due_at) yields
                # that order, so a claim reads ~limit rows. Adding id as a tie-break
                # made PostgreSQL sort every due row on each claim (100,000 rows
                # due at one moment: 80 ms a claim; benchmarks/dispatch.py).
                .order_by(OutboxMessage.due_at)
                .limit(limit)
                # PostgreSQL: rows another dispatcher is claiming are passed over.
                # SQLite renders no FOR UPDATE; BEGIN IMMEDIATE already serialises.
                .with_for_update(skip_locked=True)
            )
        ).scalars()
        rows = list(rows)
        if not rows:
            return Batch([], held=held)
        user_ids = {r.user_id for r in rows}
        unreachable = set(
            (
                await s.scalars(
                    select(User.id).where(User.id.in_(user_ids), User.unreachable.is_(True))
                )
            ).all()
        )
        batch = Batch([], held=held)
        settle: dict[OutboxStatus, list[int]] = {status: [] for status in _SETTLED}
        for r in rows:
            if r.expires_at is not None and r.expires_at <= at:
                settle[OutboxStatus.SKIPPED].append(r.id)
            elif is_placeholder(r.user_id):  # never sent to a placeholder account
                settle[OutboxStatus.DIVERTED].append(r.id)
            elif r.user_id in unreachable:
                settle[OutboxStatus.BLOCKED].append(r.id)
            else:
                batch.to_send.append(
                    Claimed(**{f.name: getattr(r, f.name) for f in fields(Claimed)})
                )
        for status, ids in settle.items():
            if ids:
                await s.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .values(status=status, last_error=_SETTLED[status], claimed_until=None)
                )
        if batch.to_send:
            await s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([c.id for c in batch.to_send]))
                .values(claimed_until=at + lease)
            )
        batch.skipped = len(settle[OutboxStatus.SKIPPED])
        batch.blocked = len(settle[OutboxStatus.BLOCKED])
        batch.diverted = len(settle[OutboxStatus.DIVERTED])
        # Detach the ORM copies: only the Claimed values live on; memory stays flat.
        s.expunge_all()
    return batch


async def _settle(db: Database, row_id: int, *also: Any, **values: Any) -> bool:
    """Record one outcome on a pending row (its lease given back), with ``also``
    in the same transaction. True for the one call that moved the row."""
    async with db.transaction() as s:
        result = await s.execute(
            update(OutboxMessage).where(_pending(row_id)).values(claimed_until=None, **values)
        )
        for stmt in also:
            await s.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_sent(db: Database, row_id: int) -> bool:
    """True for the one call that moved the row from pending to sent."""
    return await _settle(db, row_id, status=OutboxStatus.SENT, sent_at=now())


async def mark_sent_many(db: Database, row_ids: Sequence[int]) -> set[int]:
    """Several rows whose sends succeeded, in one UPDATE (the dispatcher's group
    commit); the ids this call moved from pending to sent."""
    if not row_ids:
        return set()
    async with db.transaction() as s:
        result = await s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(list(row_ids)), OutboxMessage.status == OutboxStatus.PENDING
            )
            .values(status=OutboxStatus.SENT, sent_at=now(), claimed_until=None)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        return set(result.scalars())


async def mark_blocked(db: Database, row_id: int, user_id: int, error: str) -> bool:
    """403: this row is blocked and she is unreachable for every later send."""
    unreachable = update(User).where(User.id == user_id).values(unreachable=True)
    return await _settle(
        db, row_id, unreachable, status=OutboxStatus.BLOCKED, last_error=_clip(error)
    )


async def mark_failed(db: Database, row_id: int, error: str) -> bool:
    return await _settle(
        db,
        row_id,
        status=OutboxStatus.FAILED,
        last_error=_clip(error),
        attempts=OutboxMessage.attempts + 1,
    )


async def mark_retry(db: Database, row: Claimed, error: str, max_attempts: int) -> OutboxStatus:
    """Count a failed attempt: due again after a backoff, or ``failed`` after
    ``max_attempts``. Returns the row's new status."""
    attempts = row.attempts + 1
    if attempts >= max_attempts:
        gave_up = _clip(f"gave up after {attempts} attempts: {error}")
        await _settle(db, row.id, status=OutboxStatus.FAILED, attempts=attempts, last_error=gave_up)
        return OutboxStatus.FAILED
    await _settle(
        db, row.id, attempts=attempts, last_error=_clip(error), due_at=now() + backoff(attempts)
    )
    return OutboxStatus.PENDING


async def defer(db: Database, row_id: int, delay: timedelta, error: str) -> None:
    """Not an attempt of hers that failed (Telegram asked us to slow down): due
    again after ``delay``, attempts unchanged."""
    await _settle(db, row_id, due_at=now() + delay, last_error=_clip(error))


async def release(db: Database, row_ids: Sequence[int]) -> None:
    """Give back leased rows that were not attempted: due again at once."""
    if not row_ids:
        return
    async with db.transaction() as s:
        await s.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(list(row_ids)), OutboxMessage.status == OutboxStatus.PENDING
            )
            .values(claimed_until=None)
        )


# ---- broadcast progress -------------------------------------------------------------


_UNDELIVERED = (OutboxStatus.FAILED, OutboxStatus.SKIPPED, OutboxStatus.CANCELLED)


@dataclass(frozen=True)
class Progress:
    broadcast_id: int
    total: int
    sent: int
    blocked: int
    failed: int  # failed, skipped or cancelled (_UNDELIVERED): did not reach her
    pending: int
    created_by: int
    chat_id: int | None
    message_id: int | None
    diverted: int = 0  # women without Telegram: in their companions' digests

    @property
    def done(self) -> bool:
        return self.pending == 0


async def open_broadcasts(db: Database) -> list[Progress]:
    """Progress of every broadcast still sending (a handful at most)."""
    async with db.sessions() as s:
        heads = (
            await s.scalars(select(Broadcast).where(Broadcast.status == BroadcastStatus.SENDING))
        ).all()
        if not heads:
            return []
        counts = await s.execute(
            select(OutboxMessage.broadcast_id, OutboxMessage.status, func.count())
            .where(OutboxMessage.broadcast_id.in_([h.id for h in heads]))
            .group_by(OutboxMessage.broadcast_id, OutboxMessage.status)
        )
        by = {(bid, status): n for bid, status, n in counts}

    def n(bid: int, *statuses: str) -> int:
        return sum(by.get((bid, status), 0) for status in statuses)

    return [
        Progress(
            broadcast_id=h.id,
            total=h.total,
            sent=n(h.id, OutboxStatus.SENT),
            blocked=n(h.id, OutboxStatus.BLOCKED),
            failed=n(h.id, *_UNDELIVERED),
            pending=n(h.id, OutboxStatus.PENDING),
            created_by=h.created_by,
            chat_id=h.progress_chat_id,
            message_id=h.progress_message_id,
            diverted=n(h.id, OutboxStatus.DIVERTED),
        )
        for h in heads
    ]


async def finish_broadcast(
    db: Database, progress: Progress, *, report_text: str, report_to: int
) -> bool:
    """Close a broadcast whose rows are all settled, and queue the final report
    for the staff member in the same transaction (so it goes out once, even
    across a crash). True for the one caller that closed it."""
    async with db.transaction() as s:
        left = await s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.broadcast_id == progress.broadcast_id,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
        )
        if left:
            return False
        result = await s.execute(
            update(Broadcast)
            .where(
                Broadcast.id == progress.broadcast_id, Broadcast.status == BroadcastStatus.SENDING
            )
            .values(status=BroadcastStatus.DONE, finished_at=now())
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        await enqueue(
            s,
            user_id=report_to,
            text=report_text,
            kind=OutboxKind.REPORT,
            dedupe_key=f"broadcast:{progress.broadcast_id}:report",
        )
    return True
