"""What every benchmark needs: the emulator, a bot in a subprocess, throwaway databases."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from aiohttp import web
from sqlalchemy.engine import URL, make_url

from wrse_bot.devtools.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_ENV = "WRSE_TEST_POSTGRES_URL"
PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
RSS_INTERVAL = 0.1  # seconds between RSS samples of the bot process
MB = 1024 * 1024


class Emulator(BotApiEmulator):
    """The Bot API emulator, plus an event set by the bot's first getUpdates (it is
    polling) and a tally of the requests it refused (method, status, description)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.polling = asyncio.Event()
        self.refused: Counter[str] = Counter()

    async def _m_getupdates(self, p: Any) -> Any:
        self.polling.set()
        return await super()._m_getupdates(p)

    async def _handle(self, request: web.Request) -> web.Response:
        response = await super()._handle(request)
        if response.status != 200 and response.status != 409:
            body = response.text or ""
            method = request.match_info.get("method", "?")
            self.refused[f"{method} {response.status} {body[:160]}"] += 1
        return response


class BotError(Exception):
    """The bot process did not start, or died during the run."""


class BotProcess:
    """A bot (``argv``) in a subprocess wired to ``emulator``; its peak RSS is sampled.

    ``async with BotProcess(...) as bot:`` returns once the bot is polling (its first
    getUpdates reached the emulator). On exit the bot gets SIGINT and is waited for, so
    PTB confirms the processed updates while the emulator still runs.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        emulator: Emulator,
        *,
        env: dict[str, str] | None = None,
        startup_timeout: float = 90.0,
        profile_to: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.emulator = emulator
        self.extra_env = env or {}
        self.startup_timeout = startup_timeout
        self.profile_to = profile_to
        self.log_path = Path(tempfile.mkstemp(prefix=f"wrse-bench-{name}-", suffix=".log")[1])
        self.peak_rss = 0
        self.proc: asyncio.subprocess.Process | None = None
        self._sampler: asyncio.Task[None] | None = None
        self._profiler: subprocess.Popen[bytes] | None = None

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss / MB

    def env(self) -> dict[str, str]:
        # Only what we set: a WRSE_* variable of the caller's shell must not leak in.
        env = {k: v for k, v in os.environ.items() if not k.startswith("WRSE_")}
        env.update(
            WRSE_BOT_TOKEN=self.emulator.token,
            WRSE_API_BASE_URL=self.emulator.base_url,
            WRSE_API_FILE_URL=self.emulator.base_file_url,
            WRSE_SECRET_KEY=secrets.token_urlsafe(32),
        )
        env.update(self.extra_env)
        return env

    async def __aenter__(self) -> BotProcess:
        with self.log_path.open("wb") as log:
            self.proc = await asyncio.create_subprocess_exec(
                *self.argv,
                cwd=ROOT,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._sampler = asyncio.create_task(self._sample(self.proc.pid))
        polling = asyncio.ensure_future(self.emulator.polling.wait())
        died = asyncio.ensure_future(self.proc.wait())
        done, _ = await asyncio.wait(
            {polling, died}, timeout=self.startup_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        polling.cancel()
        died.cancel()
        if self.emulator.polling.is_set():
            self._start_profiler()
            return self
        await self.stop()
        why = "exited" if died in done else f"was not polling after {self.startup_timeout:.0f} s"
        raise BotError(f"{self.name} bot {why}:\n{self.tail()}")

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.returncode is not None:
            raise BotError(f"{self.name} bot exited with {self.proc.returncode}:\n{self.tail()}")

    async def stop(self) -> None:
        if self._profiler is not None:
            self._profiler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            await asyncio.to_thread(self._profiler.wait, 30)
            self._profiler = None
        proc = self.proc
        if proc is not None and proc.returncode is None:
            self._read_high_water_mark(proc.pid)
            proc.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(20):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
            self._sampler = None

    def cpu_seconds(self) -> float:
        """User and system CPU the bot process has used so far (0 once it is gone)."""
        if self.proc is None:
            return 0.0
        try:
            times = psutil.Process(self.proc.pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            return 0.0
        return float(times.user + times.system)

    async def _sample(self, pid: int) -> None:
        try:
            process = psutil.Process(pid)
            while True:
                self.peak_rss = max(self.peak_rss, process.memory_info().rss)
                await asyncio.sleep(RSS_INTERVAL)
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            return

    def _read_high_water_mark(self, pid: int) -> None:
        """Linux keeps the true peak (VmHWM); it catches a spike between two samples."""
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_rss = max(self.peak_rss, int(line.split()[1]) * 1024)

    def _start_profiler(self) -> None:
        if self.profile_to is None or self.proc is None:
            return
        py_spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
        if not Path(py_spy).exists():
            print(f"note: py-spy not found, {self.name} not profiled", file=sys.stderr)
            return
        self._profiler = subprocess.Popen(
            [
                *(py_spy, "record", "--pid", str(self.proc.pid), "--format", "raw"),
                *("--rate", "200", "--output", str(self.profile_to), "--nonblocking", "--gil"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    # -- its log -------------------------------------------------------------------------
    def log_lines(self) -> list[str]:
        try:
            return self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []

    def tail(self, lines: int = 40) -> str:
        return "\n".join(f"    {line}" for line in self.log_lines()[-lines:]) or "    (no output)"

    def problems(self) -> list[str]:
        """Log lines that report trouble: errors, warnings and tracebacks."""
        keys = (" ERROR ", " CRITICAL ", " WARNING ", "Traceback")
        return [line for line in self.log_lines() if any(k in line for k in keys)]

    def remove_log(self) -> None:
        with contextlib.suppress(OSError):
            self.log_path.unlink()


# ---- databases ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    """A path for a new SQLite database (the bot migrates it), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="wrse-bench-") as tmp:
        yield f"sqlite+aiosqlite:///{tmp}/wrse.db"


def pg_base_url() -> str:
    return os.environ.get(PG_ENV) or PG_DEFAULT


async def _admin_sql(url: URL, sql: str) -> None:
    """CREATE/DROP DATABASE cannot run in a transaction: a bare asyncpg connection."""
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
        timeout=5,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def pg_unreachable(base_url: str) -> str | None:
    """Why PostgreSQL at ``base_url`` cannot be used, or None when it can."""
    try:
        await _admin_sql(make_url(base_url), "SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@contextlib.asynccontextmanager
async def pg_database(base_url: str) -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database (the bot migrates it), dropped afterwards."""
    base = make_url(base_url)
    name = f"wrse_bench_{uuid.uuid4().hex[:12]}"
    await _admin_sql(base, f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin_sql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---- statistics --------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"
