"""End-to-end fixtures: the real PTB Application, over HTTP, against the
project's Bot API emulator, with a migrated database of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from pydantic import SecretStr
from telegram.ext import Application

from bot import build_application
from tests.conftest import make_settings
from wrse_bot.config import Settings
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.devtools.harness import polling
from wrse_bot.runtime import Runtime

RunningBot = Callable[..., AbstractAsyncContextManager[Application]]  # type: ignore[type-arg]


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(rate_limits=False) as emu:
        yield emu


def bot_settings(database_url: str, emulator: BotApiEmulator, **overrides: object) -> Settings:
    return make_settings(database_url, **overrides).model_copy(
        update={
            "bot_token": SecretStr(emulator.token),
            "api_base_url": emulator.base_url,
            "api_file_url": emulator.base_file_url,
        }
    )


@pytest.fixture
def start_bot(emulator: BotApiEmulator, sqlite_url: str) -> RunningBot:
    """``async with start_bot(): ...`` runs the bot; call it again to 'restart'."""

    @asynccontextmanager
    async def run(
        database_url: str | None = None, **overrides: object
    ) -> AsyncIterator[Application]:  # type: ignore[type-arg]
        settings = bot_settings(database_url or sqlite_url, emulator, **overrides)
        app = build_application(Runtime.build(settings))
        async with polling(app):
            yield app

    return run


@pytest.fixture
async def wrse(start_bot: RunningBot) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with start_bot() as app:
        yield app
