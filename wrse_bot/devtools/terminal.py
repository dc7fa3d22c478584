"""A plain stdin/stdout chat with the bot (the ``bot.py demo`` front end).

No curses: lines in, lines out, so it works in tmux, over ssh and in tests through pipes.
Several people can take part, each in her own private chat with the bot; ``:sebagai``
switches who is typing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import textwrap
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from wrse_bot.devtools.emulator import REPLY_KINDS, BotApiEmulator, BotMessage, FakeUser
from wrse_bot.i18n import N_, Translator, translator

# The terminal speaks the bot's default language: a newcomer reads one language.
_ = translator()

HELP = N_(
    "Type a message, or a button's mark in brackets ([1], [a]) to press it. "
    "Terminal commands: :bantuan  ·  to stop: :keluar"
)
KEYS_HELP = N_(
    "Buttons: type the mark in brackets. Buttons whose label is a number (dependents 0-6, "
    "seats 20) are pressed with that number itself, and the other buttons of that keyboard "
    "use letters: [a] ⬅️ Kembali. A number that is not a button's mark is sent as a plain "
    "message."
)
_LOCATION = (-7.8671, 112.5239)  # Batu
_SHOWN_KINDS = frozenset({*REPLY_KINDS, "delete", "callback_answer"})
# A button that carries its own number: "4" (dependents, seats) or "6. Menjahit Dasar" (a list).
_OWN_NUMBER = re.compile(r"(\d{1,4})(?:\.\s.*)?", re.DOTALL)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Person:
    """Someone the terminal can speak as: ``:sebagai <word>``."""

    word: str  # "ibu", "petugas", ...
    user: FakeUser
    note: str = ""  # what she can try, shown when switching to her (a message id)

    @property
    def label(self) -> str:
        return f"{self.word} ({self.user.first_name})"


@dataclass(frozen=True)
class TerminalCommand:
    """A terminal-only command such as ``:contoh``; ``run`` returns the lines to show."""

    name: str
    description: str  # a message id
    run: Callable[[], Awaitable[Sequence[str]]]


# ---- buttons -------------------------------------------------------------------------------


def _own_number(label: str) -> str | None:
    match = _OWN_NUMBER.fullmatch(label.strip())
    return str(int(match[1])) if match else None


def button_keys(message: BotMessage) -> list[list[tuple[str, str]]]:
    """(key, label) by row: what to type to press each button.

    Normally 1, 2, 3 ... across rows. When buttons carry their own numbers ("0".."6",
    "20", "6. Menjahit Dasar"), those numbers are their keys, so typing "4" presses "4"
    (never the fifth button), and every other button gets a letter: "[a] Kembali".
    """
    rows = message.buttons
    own = [[_own_number(label) for label in row] for row in rows]
    numbers = [n for row in own for n in row if n is not None]
    others = sum(n is None for row in own for n in row)
    by_own = bool(numbers) and len(set(numbers)) == len(numbers) and others <= len(_LETTERS)
    letters = iter(_LETTERS)
    counter = iter(range(1, 1 + sum(len(row) for row in rows)))
    keyed: list[list[tuple[str, str]]] = []
    for labels, numbers_row in zip(rows, own, strict=True):
        row = []
        for label, number in zip(labels, numbers_row, strict=True):
            if by_own:
                key = number if number is not None else next(letters)
            else:
                key = str(next(counter))
            row.append((key, label))
        keyed.append(row)
    return keyed


def format_buttons(message: BotMessage) -> list[str]:
    """Rows like ``[1] Setuju  [2] Tidak setuju``; a number button shows as ``[4]``."""
    lines: list[str] = []
    for row in button_keys(message):
        cells = [f"[{key}]" if key == label.strip() else f"[{key}] {label}" for key, label in row]
        lines.append("   " + "  ".join(cells))
    return lines


def button_for(message: BotMessage | None, typed: str) -> str | None:
    """The label of the button whose key is ``typed``, if any."""
    if message is None:
        return None
    wanted = typed.strip().casefold()
    for row in button_keys(message):
        for key, label in row:
            if key == wanted:
                return label
    return None


def format_event(message: BotMessage, t: Translator = _) -> list[str]:
    """The lines shown for one bot event."""
    text = message.plain_text if message.plain_text is not None else message.text or ""
    if message.kind == "delete":
        return [t(N_("(message #{number} deleted)")).format(number=message.message_id)]
    if message.kind == "callback_answer":
        if not text:
            return []
        kind = t(N_("(alert) {text}")) if message.show_alert else t(N_("(notification) {text}"))
        return [kind.format(text=text)]
    file = {"name": message.filename or "", "size": len(message.file_bytes or b"")}
    head = {
        "message": "Bot",
        "edit": t(N_("Bot (editing #{number})")).format(number=message.message_id),
        "photo": t(N_("Bot [photo {name}, {size} bytes]")).format(**file),
        "document": t(N_("Bot [document {name}, {size} bytes]")).format(**file),
    }[message.kind]
    lines = [f"{head}:"] if text else [head]
    lines += [f"  {line}" for line in text.splitlines()]
    if message.buttons:
        lines += format_buttons(message)
    elif message.removes_keyboard:
        lines.append("   " + t(N_("(keyboard closed)")))
    return lines


def command_menu(emulator: BotApiEmulator, chat_id: int) -> list[str]:
    """The bot's command menu in this chat, resolved as Telegram does (chat, then default)."""
    for scope in (
        {"type": "chat", "chat_id": chat_id},
        {"type": "all_private_chats"},
        {"type": "default"},
    ):
        commands = emulator.commands.get((json.dumps(scope, sort_keys=True), ""))
        if commands:
            return [f"/{c['command']}" for c in commands]
    return []


def _save_file(message: BotMessage, directory: Path) -> Path | None:
    """Keep a photo or document the bot sent, so it can be opened outside the terminal."""
    if message.file_bytes is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    name = Path(message.filename or f"{message.kind}.bin").name
    path = directory / f"{message.chat_id}-{message.message_id}-{name}"
    path.write_bytes(message.file_bytes)
    return path


# ---- the chat ------------------------------------------------------------------------------


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


class _Session:
    """Who is typing now, what each chat has shown, and the tasks that print."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        people: Sequence[Person],
        commands: Sequence[TerminalCommand],
        stdout: TextIO,
        save_dir: Path | None,
    ) -> None:
        self.emulator = emulator
        self.people = {p.word: p for p in people}
        self.commands = {c.name: c for c in commands}
        self.stdout = stdout
        self.save_dir = save_dir
        self.current = people[0]
        # Per chat: how much of its history the screen has shown, and whether a
        # "new message" note was printed since she was last on screen.
        self.shown = {p.user.id: len(p.user.history) for p in people}
        self.noted: set[int] = set()
        self.printer: asyncio.Task[None] | None = None
        watched = people if len(people) > 1 else ()
        self.watchers = [asyncio.create_task(self._watch(p)) for p in watched]

    def write(self, *lines: str) -> None:
        for line in lines:
            self.stdout.write(line + "\n")
        self.stdout.flush()

    def start_printer(self) -> None:
        self.printer = asyncio.create_task(self._print(self.current))

    async def _print(self, person: Person) -> None:
        """Show this chat's events as they arrive (what arrived while away first)."""
        user = person.user
        while True:
            position, message = await self.emulator.wait_for(
                user.id, after=self.shown[user.id], kinds=_SHOWN_KINDS, timeout=None
            )
            self.shown[user.id] = position + 1
            lines = format_event(message)
            saved = _save_file(message, self.save_dir) if self.save_dir else None
            if saved is not None:
                lines.append("   " + _("(saved: {path})").format(path=saved))
            self.write(*lines)

    async def _watch(self, person: Person) -> None:
        """One note when someone else's chat gets a message (a broadcast, a reminder)."""
        user = person.user
        after = len(user.history)
        while True:
            position, _message = await self.emulator.wait_for(
                user.id, after=after, kinds=REPLY_KINDS, timeout=None
            )
            after = position + 1
            if person is not self.current and user.id not in self.noted:
                self.noted.add(user.id)
                note = _("(📩 new message for {person}: type :sebagai {word})")
                self.write(note.format(person=person.label, word=person.word))

    async def switch(self, word: str) -> None:
        person = self.people.get(word.strip().casefold())
        if person is None:
            self.write(_("(!) Choose one: {people}").format(people=" | ".join(self.people)))
            return
        if self.printer is not None:
            self.printer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.printer
        self.current = person
        self.noted.discard(person.user.id)
        self.write("", _("── You are now {person}, in her own chat ──").format(person=person.label))
        if person.note:
            self.write(*textwrap.wrap(_(person.note), 100))
        self.start_printer()
        await asyncio.sleep(0)  # the backlog of this chat first

    def show_menu(self) -> None:
        commands = command_menu(self.emulator, self.current.user.id)
        line = " ".join(commands) if commands else _("(empty)")
        menu = _("Command menu of {person}: {commands}")
        self.write(*textwrap.wrap(menu.format(person=self.current.label, commands=line), 100))

    def help_lines(self) -> list[str]:
        lines = [_("Terminal commands:"), *textwrap.wrap(_(KEYS_HELP), 100)]
        if len(self.people) > 1:
            switch = _("switch person; each person has her own chat")
            lines.append(f"  :sebagai {'|'.join(self.people)}   {switch}")
            lines.append("  :menu   " + _("the bot's command menu for this person (/ in Telegram)"))
        lines += [f"  {c.name}   {_(c.description)}" for c in self.commands.values()]
        lines += [
            "  /kontak   " + _("send your own phone number (like the 📱 button)"),
            "  :stiker  :foto  :suara  :lokasi  :dokumen   " + _("send that kind of message"),
            "  :bantuan   " + _("this list") + "      :keluar   " + _("stop"),
        ]
        return lines

    async def close(self) -> None:
        tasks = [t for t in [self.printer, *self.watchers] if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def run_terminal_chat(
    emulator: BotApiEmulator,
    user: FakeUser,
    *,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    reply_wait: float = 2.0,
    quiet_period: float = 0.15,
    people: Sequence[Person] = (),
    commands: Sequence[TerminalCommand] = (),
    banner: Sequence[str] = (),
    save_dir: Path | None = None,
) -> None:
    """Chat with the bot as ``user`` until ``:keluar`` or EOF.

    ``people`` (the first is ``user``) can be switched to with ``:sebagai <word>``;
    ``commands`` are extra ``:name`` commands; photos and documents go to ``save_dir``.
    After each input it waits (up to ``reply_wait`` s, then until the bot has been quiet for
    ``quiet_period`` s) before reading the next line, so a piped script like
    ``printf '/start\\n1\\n'`` presses button 1 of the keyboard that /start produced.
    """
    cast = list(people) or [Person("ibu", user)]
    if cast[0].user is not user:
        raise ValueError("the first person must be the user the chat starts with")
    session = _Session(emulator, cast, commands, stdout, save_dir)
    session.write(_(HELP), *(_(line) for line in banner))
    session.start_printer()
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
            if await _terminal_command(session, text):
                continue
            me = session.current.user
            before = len(me.history)
            try:
                await _handle_input(me, text)
            except AssertionError as exc:
                session.write(f"(!) {exc}")
                continue
            await _await_bot(emulator, me, before, reply_wait, quiet_period)
        await asyncio.sleep(0)  # let the printer show what already arrived
    finally:
        await session.close()


async def _terminal_command(session: _Session, text: str) -> bool:
    """Handle ``:bantuan``, ``:sebagai``, ``:menu`` and the extra commands; False otherwise."""
    name, _, rest = text.partition(" ")
    if name == ":bantuan":
        session.write(*session.help_lines())
    elif name == ":sebagai" and len(session.people) > 1:
        await session.switch(rest)
    elif name == ":menu" and len(session.people) > 1:
        session.show_menu()
    elif name in session.commands:
        try:
            session.write(*await session.commands[name].run())
        except Exception as exc:  # a demo helper failing must not end the chat
            failed = _("(!) {command} failed: {error}")
            session.write(failed.format(command=name, error=f"{type(exc).__name__}: {exc}"))
    else:
        return False
    return True


async def _await_bot(
    emulator: BotApiEmulator, user: FakeUser, after: int, first: float, quiet: float
) -> None:
    timeout = first
    while True:
        try:
            after, _message = await emulator.wait_for(
                user.id, after=after, kinds=_SHOWN_KINDS, timeout=timeout
            )
        except TimeoutError:
            return
        after += 1
        timeout = quiet


async def _handle_input(user: FakeUser, text: str) -> None:
    keyboard = user.last_keyboard_message
    label = button_for(keyboard, text)
    if label is not None:
        await user.press(label, message=keyboard)
        return
    # Not a button's key (a NIK, an amount, a phone, a name): send it as typed.
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
