"""The terminal demo chat, driven through a real pipe."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from tests.devtools.demo_bot import build_demo_application
from wrse_bot.devtools.emulator import BotApiEmulator, BotMessage
from wrse_bot.devtools.harness import polling
from wrse_bot.devtools.terminal import button_keys, run_terminal_chat

# The terminal speaks Indonesian, the bot's default language.
HELP = "Ketik pesan, atau tanda tombol di dalam kurung ([1], [a]) untuk menekannya."


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


def _keyboard(*rows: list[str]) -> BotMessage:
    markup = {"inline_keyboard": [[{"text": t, "callback_data": t} for t in row] for row in rows]}
    return BotMessage("message", 1, 1, "?", "?", markup)


def test_buttons_are_numbered_across_rows() -> None:
    keys = button_keys(_keyboard(["Setuju", "Tidak setuju"], ["⬅️ Kembali"]))
    assert keys == [[("1", "Setuju"), ("2", "Tidak setuju")], [("3", "⬅️ Kembali")]]


def test_a_button_labelled_with_a_number_is_pressed_by_that_number() -> None:
    keys = button_keys(_keyboard(["0", "1", "2", "3"], ["4", "5", "6"], ["⬅️ Kembali"]))
    assert [k for row in keys for k, _ in row] == ["0", "1", "2", "3", "4", "5", "6", "a"]
    seats = button_keys(_keyboard(["10", "15", "20"], ["Batal"]))
    assert seats == [[("10", "10"), ("15", "15"), ("20", "20")], [("a", "Batal")]]


def test_a_numbered_list_keeps_its_numbers_on_every_page() -> None:
    page_two = button_keys(_keyboard(["9. Membatik"], ["10. Menjahit"], ["⬅️ Sebelumnya"]))
    assert [k for row in page_two for k, _ in row] == ["9", "10", "a"]


@pytest.mark.usefixtures("demo_app")
async def test_typing_a_number_presses_the_button_with_that_number(
    emulator: BotApiEmulator,
) -> None:
    siti = emulator.user(1001, "Siti")
    screen = _Screen()
    script = io.StringIO("/angka\n4\n/angka\na\n/angka\n7\n")
    await asyncio.wait_for(run_terminal_chat(emulator, siti, stdin=script, stdout=screen), 10)
    shown = screen.getvalue()
    assert "   [0]  [1]  [2]  [3]\n   [4]  [5]  [6]\n   [a] ⬅️ Kembali" in shown
    assert "Dipilih: 4" in shown  # the button "4", not the fifth button ("3")
    assert "Dipilih: back" in shown  # the letter presses the button that is not a number
    assert "Diketik: 7" in shown  # no button "7": the number is sent as a message
