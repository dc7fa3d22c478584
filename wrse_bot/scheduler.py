"""The outbox dispatcher: ONE repeating APScheduler job (PTB's JobQueue) that
delivers every due outbox row (broadcasts, notices, reminders, check-ins,
digests) through one rate-limited sender (ARCHITECTURE.md, "Scheduled messages").

Each tick drains: it claims batches while rows are due, so a big broadcast flows at
the sender's pace (~29 msg/s), not one batch per tick. One drain per process; on
PostgreSQL several processes may drain side by side (``FOR UPDATE SKIP LOCKED``,
services/dispatch.py). When the Application stops, the drain releases the rows it
claimed but did not send (``JobQueue.stop(wait=True)`` waits for it): a restarted
bot picks them up, so no one is skipped and no one is written to twice.

Quiet hours (default 20.00-07.00 WIB): a claim inside them moves what is due to the
morning, except a reminder whose session begins before then (issue 4, see
``domain.timing.send_time``); a reminder that can no longer arrive before its
session has expired and is skipped with the reason stored.

Each drain first queues the companions' daily digests that fell due (issue 11,
services/digests.py). Staff see a broadcast's progress in one message, edited at
most every ``PROGRESS_EVERY`` s, then a report queued in the transaction that
closes the broadcast (so it is sent once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from babel.numbers import format_decimal
from telegram import Bot
from telegram.ext import Application

from wrse_bot.clock import now
from wrse_bot.domain.statuses import OutboxStatus
from wrse_bot.i18n import N_, Translator
from wrse_bot.runtime import Runtime
from wrse_bot.safe_logging import error_name, safe_traceback
from wrse_bot.services import digests, dispatch
from wrse_bot.services.dispatch import Claimed, Outcome, Progress
from wrse_bot.telegram.context import Context, runtime_of
from wrse_bot.telegram.sender import Sender

log = logging.getLogger(__name__)

JOB_NAME = "outbox-dispatcher"
# Seconds between two edits of a staff member's progress message.
PROGRESS_EVERY = 2.0

PROGRESS_TEXT = N_("Sending the broadcast…\nSent {sent} / {total}")
UNDELIVERED_TEXT = N_("Not delivered: {blocked} blocked the bot, {failed} failed")
FINISHED_TEXT = N_("Broadcast finished.\nSent {sent} / {total}")
REPORT_TEXT = N_(
    "Broadcast report #{id}\n"
    "Recipients: {total}\n"
    "Sent: {sent}\n"
    "Blocked the bot: {blocked}\n"
    "Failed: {failed}"
)
DIVERTED_TEXT = N_("Without Telegram, passed on by their companions: {diverted}")


@dataclass
class DispatchStats:
    """What one drain did (for tests, benchmarks and the log)."""

    claimed: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    retried: int = 0
    deferred: int = 0
    skipped: int = 0
    released: int = 0
    held: int = 0  # fell due in quiet hours: they wait for the morning
    diverted: int = 0  # for women without Telegram: their companions' digests
    digests: int = 0  # companions' daily digests queued

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def number(t: Translator, n: int) -> str:
    """``1.200`` in Indonesian (Babel), also in the English interface."""
    return format_decimal(n, locale={"en": "en_ID"}.get(t.language, t.language))


def _numbers(t: Translator, p: Progress) -> dict[str, str]:
    return {k: number(t, getattr(p, k)) for k in ("total", "sent", "blocked", "failed", "diverted")}


def progress_text(t: Translator, p: Progress, head: str = PROGRESS_TEXT) -> str:
    text = t(head).format(**_numbers(t, p))
    if p.blocked or p.failed:
        text += "\n" + t(UNDELIVERED_TEXT).format(**_numbers(t, p))
    return text


def _diverted(t: Translator, p: Progress) -> str:
    return "\n" + t(DIVERTED_TEXT).format(**_numbers(t, p)) if p.diverted else ""


def finished_text(t: Translator, p: Progress) -> str:
    return progress_text(t, p, FINISHED_TEXT) + _diverted(t, p)


def report_text(t: Translator, p: Progress) -> str:
    return t(REPORT_TEXT).format(id=p.broadcast_id, **_numbers(t, p)) + _diverted(t, p)


class SentMarks:
    """Group commit for "sent": ``mark`` returns once the next UPDATE, with every
    row that succeeded meanwhile, has committed. No waiting to fill a group: at
    30 msg/s a group holds a row or two; when sends come faster, one transaction
    records many, so the database is never the bottleneck (benchmarks/dispatch.py)."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self._ids: list[int] = []
        self._done: asyncio.Future[set[int]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def mark(self, row_id: int) -> bool:
        """True for the one mark that moved the row from pending to sent."""
        self._ids.append(row_id)
        if self._done is None:
            self._done = asyncio.get_running_loop().create_future()
        done = self._done
        if self._task is None:
            self._task = asyncio.create_task(self._flush())
        return row_id in await asyncio.shield(done)

    async def _flush(self) -> None:
        try:
            while self._ids:
                ids, done = self._ids, self._done
                self._ids, self._done = [], None
                assert done is not None
                try:
                    marked = await dispatch.mark_sent_many(self.db, ids)
                except BaseException as exc:  # each waiter sees it; leases cover the rows
                    done.set_exception(exc)
                    done.exception()  # retrieved here too: no "never retrieved" noise
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                    continue
                done.set_result(marked)
        finally:
            self._task = None


class Dispatcher:
    """Claims due outbox rows in batches and sends them; one drain at a time."""

    def __init__(
        self,
        runtime: Runtime,
        bot: Bot,
        *,
        sender: Sender | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.runtime = runtime
        self.db = runtime.db
        self.settings = runtime.settings
        self.sender = sender or Sender(bot)
        self.stopping = stopping
        self.marks = SentMarks(self.db)
        self.quiet = digests.quiet_of(self.settings)  # checked at every claim
        self._busy = False
        self._digests_next = datetime.min.replace(tzinfo=UTC)  # look at the first tick
        self._progress_at = 0.0
        self._shown: dict[int, str] = {}  # broadcast id -> progress text on screen

    async def run(self, *, budget: float | None = None) -> DispatchStats:
        """Drain: claim and send batches until nothing is due (or the bot stops,
        or ``budget`` seconds have passed)."""
        stats = DispatchStats()
        if self._busy:  # the previous tick is still draining: it has this covered
            return stats
        self._busy = True
        started = time.monotonic()
        try:
            await self._digests(stats)
            while not self.stopping():
                batch = await dispatch.claim_batch(
                    self.db, self.settings.dispatch_batch_size, quiet=self.quiet
                )
                stats.held += batch.held
                stats.skipped += batch.skipped
                stats.blocked += batch.blocked
                stats.diverted += batch.diverted
                if not (batch.to_send or batch.skipped or batch.blocked or batch.diverted):
                    # Nothing due. Close the broadcasts that are done: each queues
                    # its final report, a new row this drain then sends.
                    if await self.report_progress(force=True):
                        continue
                    break
                stats.claimed += len(batch.to_send)
                await self._deliver(batch.to_send, stats)
                await self.report_progress()
                if budget is not None and time.monotonic() - started > budget:
                    break
        finally:
            self._busy = False
        if stats:
            log.info("outbox: %s", stats)
        return stats

    async def _digests(self, stats: DispatchStats) -> None:
        """Queue the companions' digests falling due now, for this drain to send;
        a failure is logged and never stops the outbox."""
        at = now()
        if at < self._digests_next:  # before the hour, or looked a moment ago
            return
        try:
            composed = await digests.compose_due(self.db, self.settings, at=at)
        except Exception as exc:  # the next tick tries again
            log.error("digests: %s\n%s", error_name(exc), safe_traceback(exc))
            return
        stats.digests += composed.queued
        self._digests_next = digests.next_attempt(at, self.settings, composed)

    async def _deliver(self, rows: list[Claimed], stats: DispatchStats) -> None:
        released: list[int] = []
        results = await asyncio.gather(
            *(self._one(row, stats, released) for row in rows), return_exceptions=True
        )
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                # Its lease runs out and it is tried again (e.g. the database was away).
                log.error(
                    "outbox row %s: %s\n%s", row.id, error_name(result), safe_traceback(result)
                )
        await dispatch.release(self.db, released)
        stats.released += len(released)

    async def _one(self, row: Claimed, stats: DispatchStats, released: list[int]) -> None:
        result = await self.sender.send(row, self.stopping)
        db = self.db
        if result.outcome == Outcome.SENT:
            if await self.marks.mark(row.id):
                stats.sent += 1
            else:  # cannot happen while leases hold; say so loudly if it does
                log.error("outbox row %s was already settled when its send succeeded", row.id)
        elif result.outcome == Outcome.BLOCKED:
            await dispatch.mark_blocked(db, row.id, row.user_id, result.error or "403")
            stats.blocked += 1
        elif result.outcome == Outcome.FAILED:
            await dispatch.mark_failed(db, row.id, result.error or "400")
            stats.failed += 1
        elif result.outcome == Outcome.RETRY:
            status = await dispatch.mark_retry(
                db, row, result.error or "error", self.settings.dispatch_max_attempts
            )
            if status == OutboxStatus.FAILED:
                stats.failed += 1
            else:
                stats.retried += 1
        elif result.outcome == Outcome.DEFER:
            delay = timedelta(seconds=result.retry_after or 1.0)
            await dispatch.defer(db, row.id, delay, result.error or "429")
            stats.deferred += 1
        else:
            released.append(row.id)

    async def report_progress(self, *, force: bool = False) -> bool:
        """Edit each open broadcast's progress message (at most every
        ``PROGRESS_EVERY`` s); close finished ones and queue their report.
        True when a report was queued."""
        if self.stopping():
            return False
        if not force and time.monotonic() - self._progress_at < PROGRESS_EVERY:
            return False
        self._progress_at = time.monotonic()
        t = self.runtime.tr
        queued = False
        for p in await dispatch.open_broadcasts(self.db):
            if p.done:
                closed = await dispatch.finish_broadcast(
                    self.db, p, report_text=report_text(t, p), report_to=p.created_by
                )
                queued = queued or closed
                text = finished_text(t, p) if closed else None
                self._shown.pop(p.broadcast_id, None)
            else:
                text = progress_text(t, p)
                if self._shown.get(p.broadcast_id) == text:
                    continue
                self._shown[p.broadcast_id] = text
            if text and p.chat_id is not None and p.message_id is not None:
                await self.sender.edit(p.chat_id, p.message_id, text)
        return queued


async def dispatch_once(
    runtime: Runtime, bot: Bot, *, sender: Sender | None = None, budget: float | None = None
) -> DispatchStats:
    """One drain with a fresh dispatcher (tests, benchmarks, one-off scripts)."""
    return await Dispatcher(runtime, bot, sender=sender).run(budget=budget)


def wake(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Run the dispatcher now (a broadcast was just queued), not at its next tick."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.job.modify(next_run_time=datetime.now(app.job_queue.scheduler.timezone))


async def _tick(context: Context) -> None:
    assert context.job is not None
    await context.job.data.run()  # the app's own Dispatcher (install_dispatcher)


def install_dispatcher(app: Application[Any, Any, Any, Any, Any, Any]) -> Dispatcher:
    """Schedule the dispatcher every ``dispatch_interval_seconds``, first at once
    (rows owed before a restart go out as soon as the bot starts)."""
    runtime = runtime_of(app)
    assert app.job_queue is not None, "install python-telegram-bot[job-queue]"
    dispatcher = Dispatcher(runtime, app.bot, stopping=lambda: not app.running)
    for job in app.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    app.job_queue.run_repeating(
        _tick,
        interval=runtime.settings.dispatch_interval_seconds,
        first=0,
        name=JOB_NAME,
        data=dispatcher,
        # A second instance may start while a long drain runs; it returns at
        # once (see Dispatcher.run) instead of APScheduler logging a skip.
        job_kwargs={"max_instances": 2, "coalesce": True},
    )
    return dispatcher
