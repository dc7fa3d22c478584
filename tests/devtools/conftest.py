from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.ext import Application

from wrse_bot.devtools.echo import build_echo_application
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.devtools.harness import polling


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emu:
        yield emu


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    """A bare PTB Bot on the emulator, for calling API methods directly."""
    async with Bot(
        emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url
    ) as bot:
        yield bot


@pytest.fixture
async def echo_app(emulator: BotApiEmulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    # Depends on `emulator`, so it is torn down first: Updater.stop() still talks to it.
    async with polling(build_echo_application(emulator), poll_timeout=10) as app:
        yield app
