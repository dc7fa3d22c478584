"""`kill -9` in the middle of a registration: the real bot process dies and a
new one takes over. She continues where she was; nothing is asked twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import TEST_SECRET
from tests.e2e.flows import register_until
from wrse_bot.devtools.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def bot_process(
    emulator: BotApiEmulator, database_url: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "WRSE_BOT_TOKEN": emulator.token,
        "WRSE_API_BASE_URL": emulator.base_url,
        "WRSE_API_FILE_URL": emulator.base_file_url,
        "WRSE_DATABASE_URL": database_url,
        "WRSE_SECRET_KEY": TEST_SECRET,
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "bot.py", "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


async def delivered_recorded(db_file: Path, *, user_id: int) -> None:
    """Wait (bounded) until the draft's delivered revision equals its current one."""
    async with asyncio.timeout(10):
        while True:
            with sqlite3.connect(db_file) as conn:
                row = conn.execute(
                    "SELECT rev, prompted_rev FROM active_forms"
                    " WHERE user_id = ? AND form = 'intake'",
                    (user_id,),
                ).fetchone()
            if row is not None and row[0] == row[1]:
                return
            await asyncio.sleep(0.01)  # another process's commit: nothing to await on


async def test_kill_9_mid_form_loses_no_acknowledged_answer(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    db_file = tmp_path / "crash.db"
    url = f"sqlite+aiosqlite:///{db_file}"
    log = tmp_path / "bot.log"
    siti = emulator.user(2001)

    with bot_process(emulator, url, log) as first:
        await siti.send("/start")
        await siti.reply(timeout=60)  # the process starts, migrates and polls
        await register_until(siti, "status perkawinan")
        acknowledged = await siti.tap("Cerai mati")
        assert "pencari nafkah utama" in acknowledged.text
        # The bot records that this question reached her right after Telegram
        # accepts it; kill once that is durable (a kill inside that instant
        # makes the new process send the question again rather than lose it).
        await delivered_recorded(db_file, user_id=2001)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

    with bot_process(emulator, url, log):
        # The first thing she sees after the restart is the answer to her tap:
        # no question from before the crash is sent again.
        await siti.press("Ya")
        reply = await siti.reply(timeout=60)
        assert "berapa orang" in reply.text, log.read_text()[-2000:]
        reply = await siti.tap("3")
        assert "penghasilan" in reply.text
