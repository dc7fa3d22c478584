"""The emulator's state: chats, the messages in them, the update queue, files, rate buckets.

Also the records tests read (``BotMessage``, ``UploadedFile``, ``EmulatorStats``) and the
test-side control API over that state (users blocking the bot, injected updates, waiting).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from wrse_bot.devtools.emulator.users import FakeUser


BotEventKind = Literal["message", "edit", "photo", "document", "delete", "callback_answer"]
# Events a user "sees" as a reply in the chat (``FakeUser.reply``).
REPLY_KINDS: frozenset[str] = frozenset({"message", "edit", "photo", "document"})

MAX_TEXT = 4096
MAX_CAPTION = 1024
# Telegram delivers these by default (empty allowed_updates) - everything but these three.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


# --------------------------------------------------------------------------------------------
# Records visible to tests
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class BotMessage:
    """One bot->user event, in the order the bot produced them."""

    kind: BotEventKind
    chat_id: int
    message_id: int
    text: str | None = None  # raw text / caption as the bot sent it (may contain HTML)
    plain_text: str | None = None  # what the user sees: entities parsed out
    reply_markup: dict[str, Any] | None = None
    parse_mode: str | None = None
    date: int = 0
    file_bytes: bytes | None = None
    filename: str | None = None
    mime_type: str | None = None
    file_id: str | None = None
    show_alert: bool = False  # callback_answer only
    url: str | None = None  # callback_answer only
    callback_query_id: str | None = None  # callback_answer only
    protect_content: bool = False  # the bot asked Telegram to forbid forwarding and saving

    # -- keyboards -----------------------------------------------------------
    @property
    def has_inline_keyboard(self) -> bool:
        return bool(self.reply_markup and "inline_keyboard" in self.reply_markup)

    @property
    def has_reply_keyboard(self) -> bool:
        return bool(self.reply_markup and "keyboard" in self.reply_markup)

    @property
    def removes_keyboard(self) -> bool:
        return bool(self.reply_markup and self.reply_markup.get("remove_keyboard"))

    @property
    def inline_buttons(self) -> list[list[dict[str, Any]]]:
        if not self.has_inline_keyboard:
            return []
        assert self.reply_markup is not None
        return self.reply_markup["inline_keyboard"]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Texts of the reply keyboard, or None when the message carries none."""
        if not self.has_reply_keyboard:
            return None
        assert self.reply_markup is not None
        return [[_button_text(b) for b in row] for row in self.reply_markup["keyboard"]]

    @property
    def buttons(self) -> list[list[str]]:
        """Button texts by row: inline keyboard, else reply keyboard, else []."""
        if self.has_inline_keyboard:
            return [[b["text"] for b in row] for row in self.inline_buttons]
        return self.reply_keyboard or []

    @property
    def button_labels(self) -> list[str]:
        return [label for row in self.buttons for label in row]

    def inline_button(self, label: str) -> dict[str, Any]:
        for row in self.inline_buttons:
            for button in row:
                if button["text"] == label:
                    return button
        raise AssertionError(f"no inline button {label!r}; buttons: {self.buttons}")

    def inline_data(self, label: str) -> str:
        button = self.inline_button(label)
        if "callback_data" not in button:
            raise AssertionError(f"inline button {label!r} has no callback_data: {button}")
        return button["callback_data"]

    def __str__(self) -> str:
        shown = self.plain_text if self.plain_text is not None else self.text
        extra = f" buttons={self.buttons}" if self.buttons else ""
        if self.filename:
            extra += f" file={self.filename!r}({len(self.file_bytes or b'')}B)"
        if self.kind == "callback_answer" and self.show_alert:
            extra += " alert"
        return f"<{self.kind} chat={self.chat_id} id={self.message_id} {shown!r}{extra}>"


@dataclass(slots=True)
class UploadedFile:
    file_id: str
    file_unique_id: str
    data: bytes
    filename: str | None
    mime_type: str | None
    chat_id: int | None = None  # None for files "sent" by a fake user
    method: str | None = None

    @property
    def file_path(self) -> str:
        return f"files/{self.file_unique_id}/{self.filename or 'file'}"


@dataclass
class EmulatorStats:
    requests: int = 0
    sent: int = 0  # successful sends/edits (what the rate limits count)
    throttled: int = 0  # 429 answers
    errors: int = 0  # all non-ok answers, 429 included
    updates_injected: int = 0
    updates_delivered: int = 0  # update objects returned by getUpdates (incl. repeats)
    methods: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _button_text(button: Any) -> str:
    return button if isinstance(button, str) else str(button.get("text", ""))


class _Params:
    """Request parameters, typed on access.

    PTB sends form fields whose non-string values are JSON-encoded strings, so the type of a
    field is decided by the method, never guessed from the value ("123" may be a text).
    """

    __slots__ = ("_data", "files")

    def __init__(self, data: Mapping[str, Any], files: dict[str, UploadedFile]) -> None:
        self._data = data
        self.files = files

    def has(self, name: str) -> bool:
        return self._data.get(name) not in (None, "")

    def str(self, name: str) -> str | None:
        value = self._data.get(name)
        return None if value is None else str(value)

    def int(self, name: str) -> int | None:
        value = self._data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise _bad(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad(f"invalid {name} specified") from None

    def require_int(self, name: str) -> int:
        value = self.int(name)
        if value is None:
            raise _bad(f"{name} is empty")
        return value

    def bool(self, name: str) -> bool:
        value = self._data.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, error: str | None = None) -> Any:
        value = self._data.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(error or f"can't parse {name} JSON object") from None
        return value


class _Bucket:
    """Token bucket: ``rate`` tokens/s, at most ``burst`` saved up."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


@dataclass(slots=True)
class _StoredMessage:
    message_id: int
    date: int
    from_bot: bool
    content: dict[str, Any]  # text/entities/photo/document/caption... as in a Message object
    raw_text: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None  # inline keyboards only; what Telegram keeps
    edit_date: int | None = None
    protected: bool = False  # sent with protect_content; edits keep it, as in Telegram


@dataclass
class _Chat:
    id: int
    user: dict[str, Any]  # the person, as a Telegram User object
    chat: dict[str, Any]  # as a Telegram Chat object
    bucket: _Bucket
    blocked: bool = False
    refused: int = 0  # sends answered 403 because the user blocked the bot
    next_message_id: int = 1
    messages: dict[int, _StoredMessage] = field(default_factory=dict)
    history: list[BotMessage] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    # message_id -> history position; dict order = recency, so the last item is the newest.
    inline_keyboards: dict[int, int] = field(default_factory=dict)
    reply_keyboard: tuple[BotMessage, int] | None = None  # (message, history position)

    def new_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid


@dataclass(slots=True)
class _Pending:
    update: dict[str, Any]
    delivered: bool = False

    @property
    def update_id(self) -> int:
        return self.update["update_id"]

    @property
    def type(self) -> str:
        return next(k for k in self.update if k != "update_id")


Handler = Callable[[_Params], Awaitable[Any]]


def _photo_sizes(upload: UploadedFile) -> list[dict[str, Any]]:
    size = len(upload.data)
    return [
        {
            "file_id": f"{upload.file_id}_{w}",
            "file_unique_id": f"{upload.file_unique_id}{w}",
            "width": w,
            "height": w * 3 // 4,
            "file_size": max(1, size * w // 1280),
        }
        for w in (90, 320, 800)
    ] + [
        {
            "file_id": upload.file_id,
            "file_unique_id": upload.file_unique_id,
            "width": 1280,
            "height": 960,
            "file_size": size,
        }
    ]


def _document(upload: UploadedFile) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "file_id": upload.file_id,
        "file_unique_id": upload.file_unique_id,
        "file_size": len(upload.data),
    }
    if upload.filename:
        doc["file_name"] = upload.filename
    if upload.mime_type:
        doc["mime_type"] = upload.mime_type
    return doc


class EmulatorState:
    """Everything the Bot API methods read and change, and the test-side control API."""

    GLOBAL_RATE = 30.0
    GLOBAL_BURST = 30.0
    PER_CHAT_RATE = 1.0
    PER_CHAT_BURST = 3.0

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        rate_limits: bool = True,
        bot_username: str = "wrse_batu_bot",
        bot_first_name: str = "WRSE Batu",
    ) -> None:
        self.token = token
        self.rate_limits = rate_limits  # may be toggled at runtime
        self.bot_username = bot_username
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.stats = EmulatorStats()
        self.sent: list[BotMessage] = []
        self.files: list[UploadedFile] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.descriptions: dict[str, dict[str, str]] = {"description": {}, "short_description": {}}
        self.users: dict[int, FakeUser] = {}

        self._chats: dict[int, _Chat] = {}
        self._file_store: dict[str, UploadedFile] = {}
        self._file_paths: dict[str, UploadedFile] = {}
        self._queries: dict[str, tuple[int, int]] = {}  # callback id -> (chat_id, message_id)
        self._query_ids = itertools.count(4_611_686_018_427_387_904 // 2**20)
        self._file_ids = itertools.count(1)
        self._global_bucket = _Bucket(self.GLOBAL_RATE, self.GLOBAL_BURST)
        self._sent_changed = asyncio.Event()

        # Update queue. Telegram keeps updates until an offset confirms them; getUpdates
        # itself is non-destructive, so a poll answered to a vanished client loses nothing.
        self._next_update_id = 100_000_001
        self._queue: deque[_Pending] = deque()
        self._redelivered: list[_Pending] = []
        self._all_updates: dict[int, dict[str, Any]] = {}
        self._confirmed_offset = 0
        self._allowed_updates: frozenset[str] | None = None
        self._updates_changed = asyncio.Event()
        self._poll_generation = 0
        self._closing = False

    def user(
        self,
        user_id: int,
        first_name: str = "Siti",
        *,
        language_code: str = "id",
        username: str | None = None,
        last_name: str | None = None,
        phone: str | None = None,
    ) -> FakeUser:
        raise NotImplementedError  # the server makes the chat and its FakeUser

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends get 403; Telegram tells the bot via my_chat_member."""
        chat = self._chat_or_fail(user_id)
        if not chat.blocked and notify:
            self._inject_member_change(chat, "member", "kicked")
        chat.blocked = True

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        chat = self._chat_or_fail(user_id)
        if chat.blocked and notify:
            self._inject_member_change(chat, "kicked", "member")
        chat.blocked = False

    def is_blocked(self, user_id: int) -> bool:
        return self._chat_or_fail(user_id).blocked

    def history(self, chat_id: int) -> list[BotMessage]:
        chat = self._chats.get(chat_id)
        return chat.history if chat else []

    # -- control side: updates -----------------------------------------------
    def inject_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (update_id assigned when missing); returns its update_id."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._adopt_chat(update)
        self._all_updates[update["update_id"]] = update
        self._queue.append(_Pending(update))
        self.stats.updates_injected += 1
        self._updates_changed.set()
        return update["update_id"]

    def redeliver(self, update_id: int) -> None:
        """Deliver an update again with the same update_id, as Telegram does when a bot
        crashed before confirming it."""
        update = self._all_updates.get(update_id)
        if update is None:
            raise KeyError(f"unknown update_id {update_id}")
        self._redelivered.append(_Pending(update))
        self._updates_changed.set()

    def expire_callback_queries(self) -> None:
        """Time passes: every tap not answered yet can no longer be answered, and
        answerCallbackQuery gets Telegram's 400 "query is too old" (a tap made
        before the bot restarted)."""
        self._queries.clear()

    @property
    def pending_update_count(self) -> int:
        return len(self._queue) + sum(not p.delivered for p in self._redelivered)

    # -- control side: waiting -----------------------------------------------
    async def wait_for(
        self,
        chat_id: int,
        *,
        after: int = 0,
        kinds: Iterable[str] | None = REPLY_KINDS,
        timeout: float | None = 5.0,  # noqa: ASYNC109 - the test-facing API takes a plain timeout
    ) -> tuple[int, BotMessage]:
        """First event of ``kinds`` (None = any) in ``chat_id``'s history at position >= after.

        Returns (position, message); raises TimeoutError. Positions index ``history(chat_id)``.
        """
        chat = self._chat_or_fail(chat_id)
        wanted = None if kinds is None else frozenset(kinds)
        async with asyncio.timeout(timeout):
            while True:
                history = chat.history
                for pos in range(after, len(history)):
                    if wanted is None or history[pos].kind in wanted:
                        return pos, history[pos]
                after = len(history)
                chat.changed.clear()  # no await between the scan and the wait: no lost wakeup
                await chat.changed.wait()

    async def wait_refused(
        self,
        chat_id: int,
        count: int = 1,
        *,
        timeout: float | None = 5.0,  # noqa: ASYNC109 - the test-facing API takes a plain timeout
    ) -> None:
        """Until ``count`` sends to ``chat_id`` were refused with 403 (she blocked the bot)."""
        chat = self._chat_or_fail(chat_id)
        async with asyncio.timeout(timeout):
            while chat.refused < count:
                chat.changed.clear()
                await chat.changed.wait()

    def refused(self, chat_id: int) -> int:
        """How many sends to ``chat_id`` were refused because she blocked the bot."""
        return self._chat_or_fail(chat_id).refused

    async def wait_sent(
        self,
        predicate: Callable[[BotMessage], bool] = lambda m: True,
        *,
        after: int = 0,
        timeout: float | None = 5.0,  # noqa: ASYNC109 - the test-facing API takes a plain timeout
    ) -> tuple[int, BotMessage]:
        """First event in the global ``sent`` list at index >= after matching ``predicate``."""
        async with asyncio.timeout(timeout):
            while True:
                for pos in range(after, len(self.sent)):
                    if predicate(self.sent[pos]):
                        return pos, self.sent[pos]
                after = len(self.sent)
                self._sent_changed.clear()
                await self._sent_changed.wait()

    # -- helpers ---------------------------------------------------------------
    def _chat_or_fail(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"no chat {chat_id}; create it with emulator.user({chat_id})")
        return chat

    def _target_chat(self, p: _Params, *, sending: bool = True) -> _Chat:
        raw = p.str("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        try:
            chat = self._chats.get(int(raw))
        except ValueError:
            chat = None  # "@username" only resolves for public chats, which we don't have
        if chat is None:
            raise _bad("chat not found")
        if sending and chat.blocked:
            chat.refused += 1
            chat.changed.set()
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _adopt_chat(self, update: dict[str, Any]) -> None:
        """Raw injected messages from unknown private chats make that chat known."""
        message = update.get("message")
        if not isinstance(message, dict):
            return
        chat = message.get("chat") or {}
        sender = message.get("from") or {}
        if chat.get("type") == "private" and chat.get("id") not in self._chats:
            self.user(
                chat["id"],
                sender.get("first_name", chat.get("first_name", "")),
                language_code=sender.get("language_code", "id"),
                username=sender.get("username"),
            )

    def _inject_member_change(self, chat: _Chat, old: str, new: str) -> None:
        now = int(time.time())
        self.inject_update(
            {
                "my_chat_member": {
                    "chat": chat.chat,
                    "from": chat.user,
                    "date": now,
                    # Telegram sends until_date 0 ("forever") with every "kicked".
                    "old_chat_member": self._member(old),
                    "new_chat_member": self._member(new),
                }
            }
        )

    def _member(self, status: str) -> dict[str, Any]:
        return {"status": status, "user": self.bot_user} | (
            {"until_date": 0} if status == "kicked" else {}
        )

    def _new_file(self, data: bytes, filename: str | None, mime_type: str | None) -> UploadedFile:
        n = next(self._file_ids)
        stored = UploadedFile(
            file_id=f"AgACAgUAAxkBAAI{n:06d}{self.bot_id}",
            file_unique_id=f"AQAD{n:06d}",
            data=data,
            filename=filename,
            mime_type=mime_type,
        )
        self._file_store[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    def _check_rate(self, chat: _Chat) -> None:
        if not self.rate_limits:
            return
        now = time.monotonic()
        wait = max(self._global_bucket.wait_time(now), chat.bucket.wait_time(now))
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        self._global_bucket.take()
        chat.bucket.take()

    def _record(self, chat: _Chat, event: BotMessage) -> None:
        pos = len(chat.history)
        chat.history.append(event)
        self.sent.append(event)
        markup = event.reply_markup
        if event.kind in REPLY_KINDS:
            if markup and "inline_keyboard" in markup:
                chat.inline_keyboards.pop(event.message_id, None)
                chat.inline_keyboards[event.message_id] = pos
            else:
                chat.inline_keyboards.pop(event.message_id, None)
            if markup and "keyboard" in markup:
                chat.reply_keyboard = (event, pos)
            elif markup and markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        elif event.kind == "delete":
            chat.inline_keyboards.pop(event.message_id, None)
        chat.changed.set()
        self._sent_changed.set()

    def _message_dict(self, chat: _Chat, stored: _StoredMessage) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": stored.message_id,
            "from": self.bot_user if stored.from_bot else chat.user,
            "chat": chat.chat,
            "date": stored.date,
        }
        if stored.edit_date is not None:
            message["edit_date"] = stored.edit_date
        message.update(stored.content)
        if stored.reply_markup is not None:
            message["reply_markup"] = stored.reply_markup
        return message

    def _store_bot_message(
        self,
        chat: _Chat,
        content: dict[str, Any],
        raw_text: str | None,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
    ) -> _StoredMessage:
        stored = _StoredMessage(
            message_id=chat.new_message_id(),
            date=int(time.time()),
            from_bot=True,
            content=content,
            raw_text=raw_text,
            parse_mode=parse_mode,
            # Only inline keyboards belong to a message; reply keyboards live in the client.
            reply_markup=markup if markup and "inline_keyboard" in markup else None,
            protected=bool(content.get("has_protected_content")),
        )
        chat.messages[stored.message_id] = stored
        return stored

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        queue = self._queue
        if offset < 0:  # -N: forget all but the last N
            while len(queue) > -offset:
                queue.popleft()
            return
        while queue and queue[0].update_id < offset:
            queue.popleft()
        self._confirmed_offset = max(self._confirmed_offset, offset)
        if self._redelivered:
            self._redelivered = [
                p for p in self._redelivered if not p.delivered or p.update_id >= offset
            ]

    def _allowed(self, pending: _Pending) -> bool:
        kind = pending.type
        if self._allowed_updates is None:
            return kind not in _NOT_DEFAULT_UPDATES
        return kind in self._allowed_updates

    def _collect(self, limit: int) -> list[_Pending]:
        batch = [
            p
            for p in self._redelivered
            if (not p.delivered or p.update_id >= self._confirmed_offset) and self._allowed(p)
        ]
        for pending in self._queue:
            if len(batch) >= limit:
                break
            if self._allowed(pending):
                batch.append(pending)
        if self._redelivered:
            # Ascending ids, so the bot's "offset = last id + 1" confirms the whole batch.
            batch.sort(key=lambda p: p.update_id)
        return batch[:limit]
