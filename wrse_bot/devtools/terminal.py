"""A plain stdin/stdout chat with the bot (the ``bot.py demo`` front end).

No curses: lines in, lines out, so it works in tmux, over ssh and in tests through pipes.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from typing import TextIO

from wrse_bot.devtools.emulator import REPLY_KINDS, BotApiEmulator, BotMessage, FakeUser

HELP = (
    "Ketik pesan, atau nomor tombol untuk menekannya. "
    "Khusus: /kontak  :stiker  :foto  :suara  :lokasi  :dokumen  :keluar"
)
_LOCATION = (-7.8671, 112.5239)  # Batu
_SHOWN_KINDS = frozenset({*REPLY_KINDS, "delete", "callback_answer"})


def format_buttons(message: BotMessage) -> list[str]:
    """Rows like ``[1] Setuju  [2] Tidak setuju``, numbered across rows."""
    lines: list[str] = []
    number = 1
    for row in message.buttons:
        cells = []
        for label in row:
            cells.append(f"[{number}] {label}")
            number += 1
        lines.append("   " + "  ".join(cells))
    return lines


def format_event(message: BotMessage) -> list[str]:
    """The lines shown for one bot event."""
    text = message.plain_text if message.plain_text is not None else message.text or ""
    if message.kind == "delete":
        return [f"(pesan #{message.message_id} dihapus)"]
    if message.kind == "callback_answer":
        if not text:
            return []
        return [f"({'peringatan' if message.show_alert else 'notifikasi'}) {text}"]
    size = len(message.file_bytes or b"")
    head = {
        "message": "Bot",
        "edit": f"Bot (mengedit #{message.message_id})",
        "photo": f"Bot [foto {message.filename or ''}, {size} byte]",
        "document": f"Bot [dokumen {message.filename or ''}, {size} byte]",
    }[message.kind]
    lines = [f"{head}:"] if text else [head]
    lines += [f"  {line}" for line in text.splitlines()]
    if message.buttons:
        lines += format_buttons(message)
    elif message.removes_keyboard:
        lines.append("   (keyboard ditutup)")
    return lines


def _start_line_reader(stdin: TextIO, loop: asyncio.AbstractEventLoop) -> asyncio.Queue[str]:
    """Read lines in a daemon thread; "" marks EOF.

    A daemon thread rather than asyncio.to_thread: a read blocked on a terminal must not keep
    the process alive on exit, and connect_read_pipe would leave the tty non-blocking.
    """
    queue: asyncio.Queue[str] = asyncio.Queue()

    def pump() -> None:
        while True:
            try:
                line = stdin.readline()
            except (OSError, ValueError):
                line = ""
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # loop already closed
                return
            if line == "":
                return

    threading.Thread(target=pump, name="terminal-chat-stdin", daemon=True).start()
    return queue


async def run_terminal_chat(
    emulator: BotApiEmulator,
    user: FakeUser,
    *,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    reply_wait: float = 2.0,
    quiet_period: float = 0.15,
) -> None:
    """Chat with the bot as ``user`` until ``:keluar`` or EOF.

    After each input it waits (up to ``reply_wait`` s, then until the bot has been quiet for
    ``quiet_period`` s) before reading the next line, so a piped script like
    ``printf '/start\\n1\\n'`` presses button 1 of the keyboard that /start produced.
    """

    def write(*lines: str) -> None:
        for line in lines:
            stdout.write(line + "\n")
        stdout.flush()

    async def show_bot_events() -> None:
        position = len(user.history)  # only what arrives from now on
        while True:
            position, message = await emulator.wait_for(
                user.id, after=position, kinds=_SHOWN_KINDS, timeout=None
            )
            position += 1
            write(*format_event(message))

    write(HELP)
    printer = asyncio.create_task(show_bot_events())
    lines = _start_line_reader(stdin, asyncio.get_running_loop())
    try:
        while True:
            line = await lines.get()
            if line == "":
                break
            text = line.strip()
            if not text:
                continue
            if text == ":keluar":
                break
            before = len(user.history)
            try:
                await _handle_input(user, text)
            except AssertionError as exc:
                write(f"(!) {exc}")
                continue
            await _await_bot(emulator, user, before, reply_wait, quiet_period)
        await asyncio.sleep(0)  # let the printer show what already arrived
    finally:
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer


async def _await_bot(
    emulator: BotApiEmulator, user: FakeUser, after: int, first: float, quiet: float
) -> None:
    timeout = first
    while True:
        try:
            after, _ = await emulator.wait_for(
                user.id, after=after, kinds=_SHOWN_KINDS, timeout=timeout
            )
        except TimeoutError:
            return
        after += 1
        timeout = quiet


async def _handle_input(user: FakeUser, text: str) -> None:
    if text.isdigit():
        keyboard = user.last_keyboard_message
        labels = keyboard.button_labels if keyboard else []
        index = int(text) - 1
        if keyboard is not None and 0 <= index < len(labels):
            await user.press(labels[index], message=keyboard)
            return
        # Not a button number (a NIK, an amount, a phone): send it as typed.
    match text:
        case "/kontak":
            await user.send_contact(user.phone, own=True)
        case ":stiker":
            await user.send_sticker()
        case ":foto":
            await user.send_photo()
        case ":suara":
            await user.send_voice()
        case ":lokasi":
            await user.send_location(*_LOCATION)
        case ":dokumen":
            await user.send_document()
        case _:
            await user.send(text)
