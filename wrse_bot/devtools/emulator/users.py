"""The user side: a person chatting privately with the bot, as tests drive her."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from wrse_bot.devtools.emulator.state import (
    REPLY_KINDS,
    BotMessage,
    UploadedFile,
    _button_text,
    _Chat,
    _document,
    _photo_sizes,
    _StoredMessage,
)
from wrse_bot.devtools.tg_html import utf16_len

if TYPE_CHECKING:
    from wrse_bot.devtools.emulator.server import BotApiEmulator

# Smallest valid files, so the bot can download what a fake user "sent" and get real bytes.
_TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c19"
    "12130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b08"
    "0001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b51000"
    "02010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
    "2433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768"
    "696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
    "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fb"
    "d3ffd9"
)
_TINY_OGG = b"OggS" + bytes(60)

# Batu, East Java - default for location buttons.
DEFAULT_LOCATION = (-7.8671, 112.5239)


class FakeUser:
    """One person chatting privately with the bot. Create via ``emulator.user(...)``.

    ``reply()`` and ``callback_answer()`` read the chat with their own cursors: each returns
    the next unread event of its kind, so unexpected extra bot messages are not skipped
    silently. ``mark_read()`` jumps both cursors to the end.
    """

    def __init__(self, emulator: BotApiEmulator, user_id: int, *, phone: str) -> None:
        self.emulator = emulator
        self.id = user_id
        self.phone = phone
        self._reply_cursor = 0
        self._answer_cursor = 0
        # A tap() reads the next message, not the tap's answerCallbackQuery,
        # which the bot may send a moment later; once she presses again, that
        # late answer is history and callback_answer() skips it.
        self._last_query_id: str | None = None
        self._tapped_query_id: str | None = None
        self._late_answers: set[str] = set()

    @property
    def _chat(self) -> _Chat:
        return self.emulator._chats[self.id]

    @property
    def first_name(self) -> str:
        return self._chat.user["first_name"]

    @property
    def user_dict(self) -> dict[str, Any]:
        return self._chat.user

    @property
    def history(self) -> list[BotMessage]:
        """All bot events in this chat (including edits, deletes and callback answers)."""
        return self._chat.history

    @property
    def blocked(self) -> bool:
        return self._chat.blocked

    @property
    def last_keyboard_message(self) -> BotMessage | None:
        """The newest message whose keyboard is still on screen (inline or reply)."""
        candidates = self._keyboards()
        return candidates[0] if candidates else None

    def _keyboards(self) -> list[BotMessage]:
        """Visible keyboards, newest first: the latest inline one and the reply keyboard."""
        chat = self._chat
        found: list[tuple[int, BotMessage]] = []
        if chat.inline_keyboards:
            _, pos = next(reversed(chat.inline_keyboards.items()))
            found.append((pos, chat.history[pos]))
        if chat.reply_keyboard is not None:
            message, pos = chat.reply_keyboard
            found.append((pos, message))
        found.sort(key=lambda item: item[0], reverse=True)
        return [message for _, message in found]

    def mark_read(self) -> None:
        self._reply_cursor = self._answer_cursor = len(self._chat.history)

    # -- sending -------------------------------------------------------------
    def _message_update(self, content: dict[str, Any]) -> int:
        chat = self._chat
        # Writing to the bot again is how a user unblocks it in the Telegram apps.
        if chat.blocked:
            self.emulator.unblock(self.id)
        message_id = chat.new_message_id()
        date = int(time.time())
        chat.messages[message_id] = _StoredMessage(message_id, date, False, content)
        message = {
            "message_id": message_id,
            "from": chat.user,
            "chat": chat.chat,
            "date": date,
            **content,
        }
        return self.emulator.inject_update({"message": message})

    async def send(self, text: str) -> int:
        """Send a text message; returns the update_id."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return self._message_update(content)

    async def send_contact(
        self, phone: str, *, own: bool = True, first_name: str | None = None
    ) -> int:
        contact: dict[str, Any] = {
            "phone_number": phone,
            "first_name": first_name or (self.first_name if own else "Kontak"),
        }
        if own:
            contact["user_id"] = self.id
        return self._message_update({"contact": contact})

    async def send_sticker(self, emoji: str = "👍") -> int:
        stored = self._user_file(b"RIFF\x00\x00\x00\x00WEBP", "sticker.webp", "image/webp")
        return self._message_update(
            {
                "sticker": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "emoji": emoji,
                    "is_animated": False,
                    "is_video": False,
                    "set_name": "HotCherry",
                    "file_size": len(stored.data),
                }
            }
        )

    async def send_photo(self, caption: str | None = None) -> int:
        stored = self._user_file(_TINY_JPEG, "photo.jpg", "image/jpeg")
        content: dict[str, Any] = {"photo": _photo_sizes(stored)}
        if caption:
            content["caption"] = caption
        return self._message_update(content)

    async def send_voice(self, duration: int = 3) -> int:
        stored = self._user_file(_TINY_OGG, "voice.ogg", "audio/ogg")
        return self._message_update(
            {
                "voice": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "duration": duration,
                    "mime_type": "audio/ogg",
                    "file_size": len(stored.data),
                }
            }
        )

    async def send_location(self, latitude: float, longitude: float) -> int:
        return self._message_update({"location": {"latitude": latitude, "longitude": longitude}})

    async def send_document(
        self,
        filename: str = "dokumen.pdf",
        data: bytes = b"%PDF-1.4\n%%EOF\n",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> int:
        stored = self._user_file(data, filename, mime_type)
        content: dict[str, Any] = {"document": _document(stored)}
        if caption:
            content["caption"] = caption
        return self._message_update(content)

    def _user_file(self, data: bytes, filename: str, mime_type: str) -> UploadedFile:
        return self.emulator._new_file(data, filename, mime_type)

    # -- buttons -------------------------------------------------------------
    async def press(self, label: str, *, message: BotMessage | None = None) -> int:
        """Press a button by its text; returns the update_id.

        Looks in ``message`` if given, else in the newest visible keyboard and then the other
        one (a reply keyboard stays on screen under newer inline messages).
        """
        candidates = [message] if message is not None else self._keyboards()
        for candidate in candidates:
            if candidate.has_inline_keyboard:
                # Use the message's current keyboard: it may have been edited since.
                stored = self._chat.messages.get(candidate.message_id)
                markup = stored.reply_markup if stored else candidate.reply_markup
                if not markup or "inline_keyboard" not in markup:
                    continue
                for row in markup["inline_keyboard"]:
                    for button in row:
                        if button["text"] != label:
                            continue
                        if "callback_data" not in button:
                            raise AssertionError(
                                f"inline button {label!r} is not a callback button: {button}"
                            )
                        return await self.press_data(button["callback_data"], candidate.message_id)
            elif candidate.has_reply_keyboard:
                assert candidate.reply_markup is not None
                for row in candidate.reply_markup["keyboard"]:
                    for button in row:
                        if _button_text(button) == label:
                            return await self._press_reply(candidate, button)
        shown = (
            "; ".join(
                f"{'inline' if m.has_inline_keyboard else 'reply'} keyboard of message "
                f"{m.message_id}: {m.buttons}"
                for m in candidates
            )
            or "no keyboard on screen"
        )
        raise AssertionError(f"no button {label!r} for user {self.id}; {shown}")

    async def _press_reply(self, message: BotMessage, button: Any) -> int:
        chat = self._chat
        assert message.reply_markup is not None
        if message.reply_markup.get("one_time_keyboard") and chat.reply_keyboard is not None:
            chat.reply_keyboard = None  # the client hides a one-time keyboard after use
        if isinstance(button, dict):
            if button.get("request_contact"):
                # Telegram apps usually send one's own number without the leading "+".
                return await self.send_contact(self.phone.removeprefix("+"), own=True)
            if button.get("request_location"):
                return await self.send_location(*DEFAULT_LOCATION)
        return await self.send(_button_text(button))

    async def press_data(self, data: str, message_id: int) -> int:
        """Send a callback_query with arbitrary data from ``message_id`` (forged/stale presses)."""
        emulator = self.emulator
        chat = self._chat
        # Answers to earlier presses are history: callback_answer() reads this one's onwards.
        self._answer_cursor = max(self._answer_cursor, len(chat.history))
        query_id = str(next(emulator._query_ids))
        emulator._queries[query_id] = (self.id, message_id)
        if self._tapped_query_id is not None:
            self._late_answers.add(self._tapped_query_id)
            self._tapped_query_id = None
        self._last_query_id = query_id
        stored = chat.messages.get(message_id)
        if stored is not None:
            message = emulator._message_dict(chat, stored)
        else:  # deleted or never existed: Telegram sends an InaccessibleMessage
            message = {"chat": chat.chat, "message_id": message_id, "date": 0}
        return emulator.inject_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": chat.user,
                    "message": message,
                    "chat_instance": str((self.id * 2_654_435_761) % 10**18),
                    "data": data,
                }
            }
        )

    # -- reading -------------------------------------------------------------
    async def reply(self, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109 - the test-facing API takes a plain timeout
        """Next unread message/edit/photo/document in this chat."""
        pos, message = await self._next(self._reply_cursor, REPLY_KINDS, timeout, "a reply")
        self._reply_cursor = pos + 1
        return message

    async def callback_answer(self, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109 - the test-facing API takes a plain timeout
        """Next unread answerCallbackQuery result for this user's presses (an
        answer to a tap() she has since moved on from is skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                pos, message = await self._next(
                    self._answer_cursor, ("callback_answer",), timeout, "a callback answer"
                )
                self._answer_cursor = pos + 1
                if message.callback_query_id not in self._late_answers:
                    return message

    async def no_reply(self, within: float = 0.3) -> None:
        """Assert the bot sends nothing visible to this chat within ``within`` seconds."""
        try:
            _, message = await self.emulator.wait_for(
                self.id, after=self._reply_cursor, kinds=REPLY_KINDS, timeout=within
            )
        except TimeoutError:
            return
        raise AssertionError(f"expected no reply for user {self.id}, got {message}")

    async def _next(
        self,
        after: int,
        kinds: Iterable[str],
        timeout: float,  # noqa: ASYNC109 - the test-facing API takes a plain timeout
        what: str,
    ) -> tuple[int, BotMessage]:
        try:
            return await self.emulator.wait_for(self.id, after=after, kinds=kinds, timeout=timeout)
        except TimeoutError:
            recent = "\n  ".join(str(m) for m in self.history[-8:]) or "(nothing)"
            raise AssertionError(
                f"user {self.id} waited {timeout}s for {what} (cursor {after}); "
                f"recent bot events:\n  {recent}"
            ) from None

    async def ask(self, text: str, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109 - the test-facing API takes a plain timeout
        await self.send(text)
        return await self.reply(timeout)

    async def tap(
        self,
        label: str,
        *,
        message: BotMessage | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the test-facing API takes a plain timeout
    ) -> BotMessage:
        await self.press(label, message=message)
        reply = await self.reply(timeout)
        self._tapped_query_id = self._last_query_id
        return reply

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.first_name!r})"
