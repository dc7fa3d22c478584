"""``python bot.py demo``: the emulator and the real bot in one process, and a
terminal chat with it. No token, no internet; its own SQLite file and secret."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from wrse_bot.config import Settings
from wrse_bot.db.migrate import upgrade_async
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.devtools.harness import polling
from wrse_bot.devtools.terminal import run_terminal_chat
from wrse_bot.runtime import Runtime

DEMO_DIR = Path("demo-data")
DEMO_USER_ID = 700_000_001


def demo_settings(base: Settings, emulator: BotApiEmulator, directory: Path) -> Settings:
    directory.mkdir(parents=True, exist_ok=True)
    secret_file = directory / "secret"
    if not secret_file.exists():  # throwaway, but stable so a restarted demo can read its data
        secret_file.write_text(secrets.token_urlsafe(32))
    return base.model_copy(
        update={
            "database_url": f"sqlite+aiosqlite:///{directory / 'demo.db'}",
            "secret_key": SecretStr(secret_file.read_text().strip()),
            "bot_token": SecretStr(emulator.token),
            "api_base_url": emulator.base_url,
            "api_file_url": emulator.base_file_url,
        }
    )


async def run_demo(
    base: Settings,
    build_application: Callable[[Runtime], Any],
    *,
    stdin: Any = None,
    stdout: Any = None,
    directory: Path = DEMO_DIR,
) -> None:
    async with BotApiEmulator(rate_limits=False) as emulator:
        settings = demo_settings(base, emulator, directory)
        await upgrade_async(settings.database_url)
        app = build_application(Runtime.build(settings))
        user = emulator.user(DEMO_USER_ID, "Siti")
        async with polling(app):
            await run_terminal_chat(
                emulator, user, stdin=stdin or sys.stdin, stdout=stdout or sys.stdout
            )
