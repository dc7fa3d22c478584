"""The terminal demo chat, driven through a real pipe."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from tests.devtools.demo_bot import build_demo_application
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.devtools.harness import polling
from wrse_bot.devtools.terminal import HELP, run_terminal_chat


class _Screen(io.StringIO):
    """stdout that lets the test await a piece of text instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def write(self, s: str) -> int:
        self.changed.set()
        return super().write(s)

    async def shows(self, text: str, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while text not in self.getvalue():
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def demo_app(emulator: BotApiEmulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    emulator.rate_limits = False
    async with polling(build_demo_application(emulator), poll_timeout=10) as app:
        yield app


@pytest.mark.usefixtures("demo_app")
async def test_numbered_buttons_and_special_inputs(emulator: BotApiEmulator) -> None:
    siti = emulator.user(1001, "Siti")
    read_fd, write_fd = os.pipe()
    screen = _Screen()
    with os.fdopen(read_fd, "r") as stdin, os.fdopen(write_fd, "w") as keyboard:

        def type_line(line: str) -> None:
            keyboard.write(line + "\n")
            keyboard.flush()

        chat = asyncio.create_task(
            run_terminal_chat(emulator, siti, stdin=stdin, stdout=screen, reply_wait=0.2)
        )
        await screen.shows(HELP)

        type_line("/start")
        await screen.shows(
            "  Selamat datang\n  Apakah Anda setuju?\n   [1] Setuju  [2] Tidak setuju"
        )
        type_line("1")
        await screen.shows("Anda setuju.")
        await screen.shows("(notifikasi) Tersimpan")

        type_line("/menu")
        await screen.shows("   [1] Info layanan\n   [2] Bagikan nomor")
        type_line("2")
        await screen.shows(f"Nomor {siti.phone.removeprefix('+')} (milik sendiri)")

        type_line("7")  # no keyboard any more: a number is an ordinary message
        type_line("/kontak")
        await screen.shows(f"Nomor {siti.phone} (milik sendiri)")

        type_line(":keluar")
        await asyncio.wait_for(chat, 5)


@pytest.mark.usefixtures("demo_app")
async def test_eof_ends_the_chat(emulator: BotApiEmulator) -> None:
    siti = emulator.user(1001)
    screen = _Screen()
    # A script: each line waits for the bot's answer to the previous one.
    script = io.StringIO("/start\n2\n")
    await asyncio.wait_for(run_terminal_chat(emulator, siti, stdin=script, stdout=screen), 5)
    assert screen.getvalue().startswith(HELP)
    assert "[1] Setuju  [2] Tidak setuju" in screen.getvalue()
    assert "Anda tidak setuju." in screen.getvalue()
