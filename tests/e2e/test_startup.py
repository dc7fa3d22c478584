"""`bot.py run` when Telegram cannot be reached, or refuses the token: it waits
for the line to come back (one log line per attempt) and then serves; a
refused token is one line and exit code 2. Never a traceback or an unclosed
HTTP session."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

from tests.conftest import TEST_SECRET
from wrse_bot.devtools.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_run(tmp_path: Path, port: int, token: str) -> asyncio.subprocess.Process:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WRSE_")}
    env = {
        **clean,
        "WRSE_BOT_TOKEN": token,
        "WRSE_SECRET_KEY": TEST_SECRET,
        "WRSE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'wrse.db'}",
        "WRSE_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "WRSE_API_FILE_URL": f"http://127.0.0.1:{port}/file/bot",
        # Fast for the test; the defaults are 2 s doubling up to 60 s.
        "WRSE_TELEGRAM_RETRY_SECONDS": "0.05",
        "WRSE_TELEGRAM_RETRY_MAX_SECONDS": "0.2",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bot.py"),
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def read_until(proc: asyncio.subprocess.Process, needle: str, seen: list[str]) -> None:
    assert proc.stdout is not None
    async with asyncio.timeout(30):
        while True:
            line = (await proc.stdout.readline()).decode()
            if not line:
                raise AssertionError("the bot stopped:\n" + "".join(seen))
            seen.append(line)
            if needle in line:
                return


async def test_the_bot_waits_for_telegram_and_serves_when_the_line_is_back(
    tmp_path: Path,
) -> None:
    port = free_port()
    emulator = BotApiEmulator(port=port, rate_limits=False)
    proc = await start_run(tmp_path, port, emulator.token)
    output: list[str] = []
    try:
        await read_until(proc, "Telegram unreachable (attempt 2", output)
        async with emulator:  # the line is back
            reply = await emulator.user(4301).ask("/start")
            assert "Dinas Sosial Kota Batu" in reply.text
            proc.send_signal(signal.SIGTERM)
            assert proc.stdout is not None
            output.append((await proc.stdout.read()).decode())
            assert await proc.wait() == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    logged = "".join(output)
    attempts = [line for line in logged.splitlines() if "Telegram unreachable" in line]
    assert len(attempts) >= 2 and all("WARNING" in line for line in attempts)
    assert "Traceback" not in logged and "Unclosed" not in logged, logged


async def test_a_token_telegram_refuses_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    async with BotApiEmulator(rate_limits=False) as emulator:
        proc = await start_run(tmp_path, emulator.port, "999:NOT-THE-TOKEN")
        assert proc.stdout is not None
        logged = (await proc.stdout.read()).decode()
        assert await proc.wait() == 2
    refusals = [line for line in logged.splitlines() if "WRSE_BOT_TOKEN" in line]
    assert len(refusals) == 1 and "401" in refusals[0]
    assert "NOT-THE-TOKEN" not in logged  # a secret is never echoed
    assert "Traceback" not in logged and "Unclosed" not in logged, logged
