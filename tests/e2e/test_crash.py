"""`kill -9` in the middle of a registration: the real bot process dies and a
new one takes over. She continues where she was; nothing is asked twice."""

from __future__ import annotations

import os
import signal
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


async def test_kill_9_mid_form_loses_no_acknowledged_answer(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    log = tmp_path / "bot.log"
    siti = emulator.user(2001)

    with bot_process(emulator, url, log) as first:
        await siti.send("/start")
        await siti.reply(timeout=60)  # the process starts, migrates and polls
        await register_until(siti, "status perkawinan")
        acknowledged = await siti.tap("Cerai mati")
        assert "pencari nafkah utama" in acknowledged.text
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
