"""The outbox dispatcher under load: 100,000 due rows on PostgreSQL.

    .venv/bin/python -m benchmarks.dispatch [--rows 100000] [--chats 1000]

Two runs, each in a fresh PostgreSQL database (``WRSE_TEST_POSTGRES_URL``, or the
local default), the rows bulk-inserted with one ``INSERT ... SELECT
generate_series`` and drained by the real ``Dispatcher`` (claims ``FOR UPDATE
SKIP LOCKED``, one ``mark_sent`` per row) in a worker subprocess of its own, so
its RSS is the dispatcher's alone:

1. database side: the sender stubbed (every send succeeds at once): how many
   rows/s the database claims and marks;
2. end to end: the real PTB Bot (``RateLimiter(overall_max_rate=0)``) over
   HTTP to the Bot API emulator with its rate limits off, and the sender's own
   pacing off (Telegram's 30/s would make this a 55-minute run: the point is
   the machinery's ceiling, not Telegram's).

Each run prints ONE summary line. Targets (issue 4): at least 2,000 rows/s on the
database side, so the database is never the bottleneck under Telegram's 30/s;
memory flat: peak RSS under 50 MB more than at start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from sqlalchemy.engine import make_url

from benchmarks.common import MB, PYTHON, ROOT, pg_base_url, pg_database, pg_unreachable, verdict
from wrse_bot.db.migrate import upgrade_async
from wrse_bot.devtools.emulator import BotApiEmulator

TARGET_ROWS_PER_S = 2_000
TARGET_RSS_GROWTH_MB = 50
FIRST_CHAT = 900_000
MARKUP = '{"inline_keyboard":[[{"text":"Hadir","callback_data":"rv:1:1:y"}]]}'


# ---- the load --------------------------------------------------------------------------


async def _connect(url: str) -> asyncpg.Connection:
    u = make_url(url)
    return await asyncpg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, database=u.database
    )


async def seed(url: str, rows: int, chats: int) -> float:
    """``rows`` due reminders spread over ``chats`` chats, in one statement; seconds taken."""
    conn = await _connect(url)
    try:
        started = time.perf_counter()
        await conn.execute(
            """
            INSERT INTO outbox (kind, user_id, text, reply_markup, parse_mode, status,
                                due_at, expires_at, attempts)
            SELECT 'reminder', $1 + (g % $2), 'Pengingat kelas <b>Menjahit</b> #' || g,
                   $3::json, 'HTML', 'pending',
                   now() - interval '1 minute', now() + interval '1 day', 0
            FROM generate_series(1, $4) AS g
            """,
            FIRST_CHAT,
            chats,
            MARKUP,
            rows,
        )
        await conn.execute("ANALYZE outbox")
        return time.perf_counter() - started
    finally:
        await conn.close()


async def statuses(url: str) -> dict[str, int]:
    conn = await _connect(url)
    try:
        return {
            r["status"]: r["n"]
            for r in await conn.fetch("SELECT status, count(*) AS n FROM outbox GROUP BY status")
        }
    finally:
        await conn.close()


# ---- the worker (a subprocess: its RSS is the dispatcher's) -------------------------------


class StubSender:
    """Every send succeeds at once: what is left is the database side."""

    async def send(self, row: Any, stopping: Any = None) -> Any:
        from wrse_bot.services.dispatch import Outcome
        from wrse_bot.telegram.sender import SendResult

        return SendResult(Outcome.SENT)

    async def edit(self, chat_id: int, message_id: int, text: str) -> bool:
        return True


class RssWatch:
    def __init__(self) -> None:
        self.process = psutil.Process()
        self.start = self.process.memory_info().rss
        self.peak = self.start
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self.process.memory_info().rss)
            await asyncio.sleep(0.05)

    def __enter__(self) -> RssWatch:
        self._task = asyncio.create_task(self._sample())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak = max(self.peak, self.process.memory_info().rss)


async def worker(mode: str, database_url: str, api_base_url: str | None, token: str | None) -> None:
    from pydantic import SecretStr

    from bot import build_application
    from wrse_bot.config import load_settings
    from wrse_bot.runtime import Runtime
    from wrse_bot.scheduler import Dispatcher
    from wrse_bot.telegram.sender import Sender

    settings = load_settings(
        _env_file=None,
        database_url=database_url,
        secret_key=secrets.token_urlsafe(32),
        send_rate=0,  # RateLimiter(overall_max_rate=0): no overall throttle
        quiet_start="00:00",  # no quiet hours: the benchmark runs at any hour
        quiet_end="00:00",
    )
    app = None
    if mode == "e2e":
        assert api_base_url and token
        settings = settings.model_copy(
            update={"bot_token": SecretStr(token), "api_base_url": api_base_url}
        )
    runtime = Runtime.build(settings)
    if mode == "e2e":
        app = build_application(runtime)
        await app.bot.initialize()
        sender: Any = Sender(app.bot)
        bot: Any = app.bot
    else:
        sender, bot = StubSender(), None
    dispatcher = Dispatcher(runtime, bot, sender=sender)
    # Warm up (connections, statements) on an empty claim, then measure.
    from wrse_bot.services import dispatch

    await dispatch.claim_batch(runtime.db, 0)
    with RssWatch() as rss:
        started = time.perf_counter()
        stats = await dispatcher.run()
        elapsed = time.perf_counter() - started
    if app is not None:
        await app.bot.shutdown()
    await runtime.db.dispose()
    print(
        json.dumps(
            {
                "sent": stats.sent,
                "claimed": stats.claimed,
                "failed": stats.failed,
                "retried": stats.retried,
                "elapsed": elapsed,
                "rss_start": rss.start,
                "rss_peak": rss.peak,
            }
        ),
        flush=True,
    )


async def run_worker(mode: str, url: str, emulator: BotApiEmulator | None = None) -> dict[str, Any]:
    argv = [PYTHON, "-m", "benchmarks.dispatch", "--worker", mode, "--database-url", url]
    if emulator is not None:
        argv += ["--api-base-url", emulator.base_url, "--token", emulator.token]
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} worker failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return json.loads(out.decode().strip().splitlines()[-1])


# ---- the runs ------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    rows: int
    sent: int
    elapsed: float
    rss_start: int
    rss_peak: int
    all_sent: bool
    rate_target: bool

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed else 0.0

    @property
    def growth_mb(self) -> float:
        return (self.rss_peak - self.rss_start) / MB

    @property
    def passed(self) -> bool:
        fast = self.rate >= TARGET_ROWS_PER_S or not self.rate_target
        return self.all_sent and fast and self.growth_mb < TARGET_RSS_GROWTH_MB

    def line(self) -> str:
        rate = f"{self.rate:,.0f} rows/s"
        if self.rate_target:
            rate += f" (target >= {TARGET_ROWS_PER_S:,})"
        return (
            f"{self.label}: {self.sent:,}/{self.rows:,} rows claimed+sent+marked in "
            f"{self.elapsed:.1f} s = {rate}; peak RSS {self.rss_peak / MB:.0f} MB, "
            f"{self.growth_mb:+.1f} MB vs start {self.rss_start / MB:.0f} MB "
            f"(target < +{TARGET_RSS_GROWTH_MB} MB); each row sent once: "
            f"{'yes' if self.all_sent else 'NO'} -> {verdict(self.passed)}"
        )


async def measure(label: str, mode: str, rows: int, chats: int, rate_target: bool) -> Result:
    async with pg_database(pg_base_url()) as url:
        await upgrade_async(url)
        await seed(url, rows, chats)
        emulator: BotApiEmulator | None = None
        async with contextlib.AsyncExitStack() as stack:
            if mode == "e2e":
                emulator = await stack.enter_async_context(BotApiEmulator(rate_limits=False))
                for i in range(chats):
                    emulator.user(FIRST_CHAT + i)
            out = await run_worker(mode, url, emulator)
            delivered = len(emulator.sent) if emulator is not None else out["sent"]
        counts = await statuses(url)
    all_sent = counts == {"sent": rows} and out["sent"] == rows and delivered == rows
    return Result(
        label,
        rows,
        out["sent"],
        out["elapsed"],
        out["rss_start"],
        out["rss_peak"],
        all_sent,
        rate_target,
    )


async def main_async(rows: int, chats: int, phases: str) -> int:
    why = await pg_unreachable(pg_base_url())
    if why is not None:
        print(f"PostgreSQL unavailable at {pg_base_url()}: {why}", file=sys.stderr)
        return 2
    results = []
    if phases in ("both", "db"):
        db_side = await measure(
            "dispatch, database side (sender stubbed, PostgreSQL)", "stub", rows, chats, True
        )
        print(db_side.line(), flush=True)
        results.append(db_side)
    if phases in ("both", "e2e"):
        e2e = await measure(
            "dispatch, end to end (PTB Bot + emulator, rate limits off, PostgreSQL)",
            "e2e",
            rows,
            chats,
            False,
        )
        print(e2e.line(), flush=True)
        results.append(e2e)
    return 0 if all(r.passed for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.dispatch", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chats", type=int, default=1_000)
    parser.add_argument("--phase", choices=["both", "db", "e2e"], default="both")
    parser.add_argument("--worker", choices=["stub", "e2e"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--api-base-url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        asyncio.run(worker(args.worker, args.database_url, args.api_base_url, args.token))
        return 0
    return asyncio.run(main_async(args.rows, args.chats, args.phase))


if __name__ == "__main__":
    assert Path(ROOT).exists()
    sys.exit(main())
