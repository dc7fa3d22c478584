"""Broadcast benchmark: one /siaran to 3,000 women, with Telegram's limits on.

    .venv/bin/python -m benchmarks.broadcast [--women 3000] [--db sqlite|postgresql|both]

The Bot API emulator runs with its rate limits ON (30 sends/s overall, about 1/s per
chat, 429 with ``retry_after`` beyond). The setup stores the women directly (users and
ELIGIBLE registrations), then queues the broadcast with the real service
(``BroadcastService.send``: the Broadcast row plus one outbox row per woman in one
transaction), as the "Kirim" button does. The real bot (``bot.build_application``,
in this process, polling the emulator) then delivers it through its outbox dispatcher and
reports progress to the officer.

Measured:

* msg/s: deliveries divided by the time from the first to the last delivery (sustained);
* duplicates: women who received the broadcast more than once;
* lost: rows still pending, or failed, once the officer has her final report;
* 429s: the emulator's "Too Many Requests" answers, against all successful sends.

Targets: >= 28 msg/s (93% of Telegram's 30/s), zero duplicates, zero lost, 429s < 1%.
Baseline, same run, same emulator settings: a bare PTB bot with ``AIORateLimiter`` sending
the same number of messages, all queued at once (what a naive broadcast loop does).

One summary line per configuration on stdout; notes on stderr. Exit code 0 whatever the
targets say, 1 when the run itself failed (timeout, a bot error).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select
from telegram.ext import AIORateLimiter, ApplicationBuilder

from benchmarks.common import (
    Emulator,
    pg_base_url,
    pg_database,
    pg_unreachable,
    sqlite_database,
    verdict,
)
from bot import build_application
from wrse_bot.config import load_settings
from wrse_bot.db.migrate import upgrade_async
from wrse_bot.db.models import OutboxMessage, Registrant, User
from wrse_bot.devtools.emulator import BotMessage
from wrse_bot.devtools.harness import polling
from wrse_bot.domain.eligibility import Verdict
from wrse_bot.domain.statuses import RegistrantStatus
from wrse_bot.runtime import Runtime
from wrse_bot.services.broadcast import Audience

RATE_TARGET = 28.0
THROTTLE_TARGET = 0.01
OFFICER = 9_000_001
WOMAN_ID0 = 7_000_001
TEXT = "Kelas menjahit dibuka di Balai Desa Beji. Daftar lewat menu Kelas."
CHUNK = 500  # rows per INSERT during setup


class TimedEmulator(Emulator):
    """Remembers when each broadcast message was accepted (monotonic seconds)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delivered: list[tuple[float, int]] = []  # (when, chat id)

    def _record(self, chat: Any, event: BotMessage) -> None:
        super()._record(chat, event)
        if event.kind == "message" and TEXT in (event.text or ""):  # framed by the service
            self.delivered.append((time.monotonic(), event.chat_id))


@dataclass
class Result:
    label: str
    delivered: int
    rate: float
    duplicates: int
    lost: int
    throttled: int
    sends: int

    @property
    def throttle_share(self) -> float:
        return self.throttled / self.sends if self.sends else 0.0

    def line(self, *, targets: bool) -> str:
        text = (
            f"{self.label}: {self.delivered} delivered, {self.rate:.1f} msg/s sustained, "
            f"duplicates {self.duplicates}, lost {self.lost}, "
            f"429s {self.throttled} ({self.throttle_share:.2%} of {self.sends} sends)"
        )
        if targets:
            ok = (
                self.rate >= RATE_TARGET
                and self.duplicates == 0
                and self.lost == 0
                and self.throttle_share < THROTTLE_TARGET
            )
            text += (
                f" | targets >= {RATE_TARGET:.0f} msg/s, 0 dup, 0 lost, 429s < 1%: {verdict(ok)}"
            )
        return text


def measure(label: str, emu: TimedEmulator, expected: int, lost: int) -> Result:
    times = [t for t, _ in emu.delivered]
    span = (max(times) - min(times)) if len(times) > 1 else float("nan")
    per_chat = Counter(chat for _, chat in emu.delivered)
    return Result(
        label=label,
        delivered=len(per_chat),
        rate=(len(times) - 1) / span if span and span == span else 0.0,
        duplicates=sum(1 for n in per_chat.values() if n > 1),
        lost=lost + (expected - len(per_chat)),
        throttled=emu.stats.throttled,
        sends=emu.stats.sent,
    )


# ---- baseline: a bare PTB bot ----------------------------------------------------------


async def baseline(women: int) -> Result:
    async with TimedEmulator(rate_limits=True) as emu:
        ids = [WOMAN_ID0 + i for i in range(women)]
        for uid in ids:
            emu.user(uid)
        app = (
            ApplicationBuilder()
            .token(emu.token)
            .base_url(emu.base_url)
            .base_file_url(emu.base_file_url)
            .rate_limiter(AIORateLimiter(max_retries=3))
            .connection_pool_size(32)
            .build()
        )
        async with app:
            results = await asyncio.gather(
                *(app.bot.send_message(uid, TEXT) for uid in ids), return_exceptions=True
            )
        failed = sum(isinstance(r, BaseException) for r in results)
        return measure("baseline bare PTB + AIORateLimiter", emu, women, failed)


# ---- the WRSE bot ----------------------------------------------------------------------


async def seed(runtime: Runtime, women: int) -> None:
    """ELIGIBLE women, stored directly (registration has its own benchmark)."""
    ids = [WOMAN_ID0 + i for i in range(women)]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        async with runtime.db.transaction() as s:
            s.add_all(User(id=uid) for uid in chunk)
            await s.flush()
            s.add_all(
                Registrant(
                    user_id=uid,
                    status=RegistrantStatus.ACTIVE,
                    verdict=Verdict.ELIGIBLE,
                    kecamatan_code="35.79.03",
                    interests=["menjahit"],
                )
                for uid in chunk
            )


async def queue_broadcast(runtime: Runtime, progress_message_id: int) -> int:
    """What "Kirim" on the preview does, through the service."""
    result = await runtime.broadcast.send(
        OFFICER,
        Audience("all"),
        TEXT,
        progress_chat_id=OFFICER,
        progress_message_id=progress_message_id,
    )
    assert result.status == "sent", result
    return result.total


async def wrse(label: str, database_url: str, women: int, limit_s: float) -> Result:
    await upgrade_async(database_url)
    async with TimedEmulator(rate_limits=True) as emu:
        for i in range(women):
            emu.user(WOMAN_ID0 + i)
        officer = emu.user(OFFICER, "Bu Ani")
        settings = load_settings(
            _env_file=None,
            database_url=database_url,
            secret_key=secrets.token_urlsafe(32),
            # No quiet hours (start == end): the benchmark runs at any hour.
            quiet_start="00:00",
            quiet_end="00:00",
        ).model_copy(
            update={
                "bot_token": SecretStr(emu.token),
                "api_base_url": emu.base_url,
                "api_file_url": emu.base_file_url,
            }
        )
        runtime = Runtime.build(settings)
        await seed(runtime, women)
        app = build_application(runtime)
        async with polling(app):
            progress = await app.bot.send_message(OFFICER, "…")
            emu.stats.reset()
            total = await queue_broadcast(runtime, progress.message_id)
            assert total == women, (total, women)
            try:
                async with asyncio.timeout(limit_s):
                    await emu.wait_sent(
                        lambda m: m.chat_id == OFFICER and "#1" in (m.text or ""), timeout=None
                    )
            except TimeoutError:
                print(f"note: {label} had no final report after {limit_s:.0f} s", file=sys.stderr)
            async with runtime.db.sessions() as s:
                lost = int(
                    await s.scalar(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(
                            OutboxMessage.kind == "broadcast",
                            OutboxMessage.status.in_(("pending", "failed")),
                        )
                    )
                    or 0
                )
            edits = sum(1 for m in officer.history if m.kind == "edit")
            print(f"note: {label}: {edits} progress edits for the officer", file=sys.stderr)
        return measure(label, emu, women, lost)


@contextlib.asynccontextmanager
async def database(kind: str) -> AsyncIterator[str | None]:
    if kind == "sqlite":
        async with sqlite_database() as url:
            yield url
        return
    base = pg_base_url()
    why = await pg_unreachable(base)
    if why is not None:
        print(f"note: PostgreSQL skipped ({why})", file=sys.stderr)
        yield None
        return
    async with pg_database(base) as url:
        yield url


async def main_async(women: int, dbs: list[str], limit_s: float) -> int:
    base = await baseline(women)
    print(base.line(targets=False), flush=True)
    for kind in dbs:
        async with database(kind) as url:
            if url is None:
                continue
            result = await wrse(f"wrse dispatcher ({kind})", url, women, limit_s)
            print(result.line(targets=True), flush=True)
            if result.delivered < women:
                return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.broadcast", description=__doc__)
    parser.add_argument("--women", type=int, default=3000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    return asyncio.run(main_async(args.women, dbs, args.timeout))


if __name__ == "__main__":
    sys.exit(main())
