"""A local Telegram Bot API emulator for end-to-end tests, benchmarks and the terminal demo.

The real PTB ``Application`` talks to it over HTTP exactly as it talks to api.telegram.org::

    async with BotApiEmulator() as emu:
        app = (ApplicationBuilder().token(emu.token).base_url(emu.base_url)
               .base_file_url(emu.base_file_url).build())
        siti = emu.user(1001, "Siti")
        ...  # start polling, then: reply = await siti.ask("/start")

Everything (HTTP handlers and the test-side control API) runs on one event loop, so the
control API needs no locking; waiting is done with asyncio.Event, never with sleep loops.
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
from typing import Any, Literal

from aiohttp import web

from wrse_bot.devtools.tg_html import EntityParseError, ParsedText, parse_html, utf16_len

__all__ = [
    "REPLY_KINDS",
    "BotApiEmulator",
    "BotMessage",
    "EmulatorStats",
    "FakeUser",
    "UploadedFile",
]

BotEventKind = Literal["message", "edit", "photo", "document", "delete", "callback_answer"]
# Events a user "sees" as a reply in the chat (``FakeUser.reply``).
REPLY_KINDS: frozenset[str] = frozenset({"message", "edit", "photo", "document"})

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
# Telegram delivers these by default (empty allowed_updates) - everything but these three.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_METHOD_NAMES = (
    *("getMe", "getUpdates", "deleteWebhook", "getWebhookInfo", "close", "logOut"),
    *("setMyCommands", "getMyCommands", "deleteMyCommands", "setChatMenuButton"),
    *("setMyDescription", "getMyDescription", "setMyShortDescription", "getMyShortDescription"),
    *("sendMessage", "sendPhoto", "sendDocument", "sendChatAction", "getFile"),
    *("editMessageText", "editMessageReplyMarkup", "editMessageCaption", "deleteMessage"),
    "answerCallbackQuery",
)

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


# --------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------


class BotApiEmulator:
    """Local Bot API server. Use as ``async with BotApiEmulator() as emu: ...``.

    Rate limits are token buckets: 30 sends/s overall (burst 30) and 1 send/s per chat with a
    burst of 3, which is roughly what Telegram tolerates in private chats before it answers
    429. Sends are sendMessage/sendPhoto/sendDocument/editMessageText/editMessageReplyMarkup.
    """

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
        port: int = 0,
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

        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
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

        self._methods: dict[str, tuple[str, Handler]] = {}
        for name in _METHOD_NAMES:
            self._methods[name.lower()] = (name, getattr(self, f"_m_{name.lower()}"))

    # -- lifecycle -----------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Telegram's upload limit
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client went away (PTB shutdown) stops now.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._requested_port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._closing = False

    async def stop(self) -> None:
        self._closing = True
        self._updates_changed.set()  # release waiting long polls at once
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("emulator not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- control side: users -------------------------------------------------
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
        """The person ``user_id`` in a private chat with the bot (created on first call)."""
        if user_id in self.users:
            return self.users[user_id]
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            user["last_name"] = chat["last_name"] = last_name
        if username:
            user["username"] = chat["username"] = username
        user["language_code"] = language_code
        self._chats[user_id] = _Chat(
            user_id, user, chat, _Bucket(self.PER_CHAT_RATE, self.PER_CHAT_BURST)
        )
        fake = FakeUser(self, user_id, phone=phone or f"+62812{user_id % 10**8:08d}")
        self.users[user_id] = fake
        return fake

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

    # -- HTTP ----------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return _error(ApiError(404, "Not Found"))
        name, handler = entry
        self.stats.requests += 1
        self.stats.methods[name] += 1
        try:
            params = await self._read_params(request)
            result = await handler(params)
        except ApiError as exc:
            self.stats.errors += 1
            if exc.code == 429:
                self.stats.throttled += 1
            return _error(exc)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        stored = self._file_paths.get(request.match_info["path"])
        if stored is None:
            return _error(ApiError(404, "Not Found"))
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _read_params(self, request: web.Request) -> _Params:
        data: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON") from None
                if isinstance(body, dict):
                    data.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = self._new_file(
                            value.file.read(), value.filename, value.content_type
                        )
                    else:
                        data[key] = value
        return _Params(data, files)

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

    def _parse_text(self, text: str, parse_mode: str | None, *, caption: bool) -> ParsedText:
        if parse_mode and parse_mode.lower() == "html":
            try:
                parsed = parse_html(text)
            except EntityParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        else:
            # MarkdownV2/Markdown are not validated; the text is taken as-is.
            parsed = ParsedText(text, ())
        limit = MAX_CAPTION if caption else MAX_TEXT
        if not caption and not parsed.text.strip():
            raise _bad("message text is empty")
        if utf16_len(parsed.text) > limit:
            raise _bad("message caption is too long" if caption else "message is too long")
        return parsed

    def _parse_markup(self, p: _Params, *, inline_only: bool = False) -> dict[str, Any] | None:
        markup = p.json("reply_markup", "can't parse reply keyboard markup JSON object")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    'can\'t parse inline keyboard button: field "inline_keyboard" '
                    "of the InlineKeyboardMarkup must be an Array of Arrays"
                )
            for row in rows:
                for button in row:
                    _check_inline_button(button)
        elif inline_only:
            raise _bad("inline keyboard expected")
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse reply keyboard markup JSON object")
        elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
            raise _bad("can't parse reply keyboard markup JSON object")
        return markup

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

    @staticmethod
    def _content(parsed: ParsedText, key: str) -> dict[str, Any]:
        content: dict[str, Any] = {key: parsed.text}
        if parsed.entities:
            content["entities" if key == "text" else "caption_entities"] = list(parsed.entities)
        return content

    # -- Bot API methods -----------------------------------------------------------
    async def _m_getme(self, p: _Params) -> Any:
        return self.bot_user

    async def _m_close(self, p: _Params) -> Any:
        return True

    async def _m_logout(self, p: _Params) -> Any:
        return True

    async def _m_setchatmenubutton(self, p: _Params) -> Any:
        return True

    async def _m_deletewebhook(self, p: _Params) -> Any:
        if p.bool("drop_pending_updates"):
            self._queue.clear()
            self._redelivered.clear()
        return True

    async def _m_getwebhookinfo(self, p: _Params) -> Any:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": self.pending_update_count,
        }

    async def _m_getupdates(self, p: _Params) -> Any:
        offset = p.int("offset")
        limit = min(max(p.int("limit") or 100, 1), 100)
        timeout = max(p.int("timeout") or 0, 0)
        allowed = p.json("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) or None
        self._confirm(offset)
        # Like Telegram, a new getUpdates terminates a waiting older one with 409.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_changed.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._closing:
                return []
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._collect(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                break
            self._updates_changed.clear()
            try:
                async with asyncio.timeout(remaining):
                    await self._updates_changed.wait()
            except TimeoutError:
                pass
        for pending in batch:
            pending.delivered = True
        self.stats.updates_delivered += len(batch)
        return [pending.update for pending in batch]

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

    async def _m_setmycommands(self, p: _Params) -> Any:
        commands = p.json("commands")
        if not isinstance(commands, list):
            raise _bad('parameter "commands" must be an Array')
        for command in commands:
            name = str(command.get("command", "")).removeprefix("/")
            if not (1 <= len(name) <= 32) or not all(
                c.islower() or c.isdigit() or c == "_" for c in name
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not (1 <= len(str(command.get("description", ""))) <= 256):
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._command_key(p)] = [
            {"command": c["command"].removeprefix("/"), "description": c["description"]}
            for c in commands
        ]
        return True

    async def _m_getmycommands(self, p: _Params) -> Any:
        return self.commands.get(self._command_key(p), [])

    async def _m_deletemycommands(self, p: _Params) -> Any:
        self.commands.pop(self._command_key(p), None)
        return True

    @staticmethod
    def _command_key(p: _Params) -> tuple[str, str]:
        scope = p.json("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), p.str("language_code") or ""

    async def _m_setmydescription(self, p: _Params) -> Any:
        self.descriptions["description"][p.str("language_code") or ""] = p.str("description") or ""
        return True

    async def _m_getmydescription(self, p: _Params) -> Any:
        lang = p.str("language_code") or ""
        return {"description": self.descriptions["description"].get(lang, "")}

    async def _m_setmyshortdescription(self, p: _Params) -> Any:
        table = self.descriptions["short_description"]
        table[p.str("language_code") or ""] = p.str("short_description") or ""
        return True

    async def _m_getmyshortdescription(self, p: _Params) -> Any:
        lang = p.str("language_code") or ""
        return {"short_description": self.descriptions["short_description"].get(lang, "")}

    async def _m_sendchataction(self, p: _Params) -> Any:
        self._target_chat(p)
        if not p.str("action"):
            raise _bad("action is empty")
        return True

    async def _m_sendmessage(self, p: _Params) -> Any:
        chat = self._target_chat(p)
        text = p.str("text") or ""
        parse_mode = p.str("parse_mode") or None
        parsed = self._parse_text(text, parse_mode, caption=False)
        markup = self._parse_markup(p)
        self._check_rate(chat)
        content = self._content(parsed, "text")
        if p.bool("protect_content"):  # as Telegram marks it on the Message
            content["has_protected_content"] = True
        stored = self._store_bot_message(chat, content, text, parse_mode, markup)
        self.stats.sent += 1
        self._record(
            chat,
            BotMessage(
                "message",
                chat.id,
                stored.message_id,
                text,
                parsed.text,
                markup,
                parse_mode,
                stored.date,
                protect_content=stored.protected,
            ),
        )
        return self._message_dict(chat, stored)

    async def _send_file(self, p: _Params, field_name: str, kind: BotEventKind) -> Any:
        chat = self._target_chat(p)
        upload = self._resolve_file(p, field_name)
        caption = p.str("caption") or ""
        parse_mode = p.str("parse_mode") or None
        parsed = self._parse_text(caption, parse_mode, caption=True)
        markup = self._parse_markup(p)
        self._check_rate(chat)
        if kind == "photo":
            media: dict[str, Any] = {"photo": _photo_sizes(upload)}
        else:
            media = {"document": _document(upload)}
        if caption:
            media.update(self._content(parsed, "caption"))
        if p.bool("protect_content"):  # as Telegram marks it on the Message
            media["has_protected_content"] = True
        stored = self._store_bot_message(chat, media, caption or None, parse_mode, markup)
        upload.chat_id = chat.id
        upload.method = "sendPhoto" if kind == "photo" else "sendDocument"
        self.files.append(upload)
        self.stats.sent += 1
        self._record(
            chat,
            BotMessage(
                kind,
                chat.id,
                stored.message_id,
                caption or None,
                parsed.text or None,
                markup,
                parse_mode,
                stored.date,
                upload.data,
                upload.filename,
                upload.mime_type,
                upload.file_id,
                protect_content=p.bool("protect_content"),
            ),
        )
        return self._message_dict(chat, stored)

    def _resolve_file(self, p: _Params, field_name: str) -> UploadedFile:
        if field_name in p.files:
            return p.files[field_name]
        ref = p.str(field_name)
        if not ref:
            raise _bad(f"there is no {field_name} in the request")
        if ref.startswith("attach://") and ref.removeprefix("attach://") in p.files:
            return p.files[ref.removeprefix("attach://")]
        if ref in self._file_store:
            return self._file_store[ref]
        if ref.startswith(("http://", "https://")):
            return self._new_file(b"", ref.rsplit("/", 1)[-1] or None, None)
        raise _bad("wrong file identifier/HTTP URL specified")

    async def _m_sendphoto(self, p: _Params) -> Any:
        return await self._send_file(p, "photo", "photo")

    async def _m_senddocument(self, p: _Params) -> Any:
        return await self._send_file(p, "document", "document")

    async def _m_getfile(self, p: _Params) -> Any:
        stored = self._file_store.get(p.str("file_id") or "")
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _message_to_edit(self, p: _Params) -> tuple[_Chat, _StoredMessage]:
        if p.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # inline mode is not emulated
        chat = self._target_chat(p)
        message_id = p.require_int("message_id")
        stored = chat.messages.get(message_id)
        if stored is None:
            raise _bad("message to edit not found")
        if not stored.from_bot:
            raise _bad("message can't be edited")
        return chat, stored

    def _apply_edit(
        self,
        p: _Params,
        chat: _Chat,
        stored: _StoredMessage,
        content: dict[str, Any],
        raw_text: str | None,
        parse_mode: str | None,
        markup: dict[str, Any] | None,
    ) -> Any:
        if content:  # text/caption edit: the new text replaces the old one and its entities
            text_keys = ("text", "entities", "caption", "caption_entities")
            # has_protected_content stays: an edit cannot lift the protection
            new_content = {k: v for k, v in stored.content.items() if k not in text_keys}
            new_content.update({k: v for k, v in content.items() if v is not None})
        else:  # reply markup edit
            new_content = stored.content
        if new_content == stored.content and markup == stored.reply_markup:
            raise _bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._check_rate(chat)
        stored.content = new_content
        stored.raw_text = raw_text
        stored.parse_mode = parse_mode
        stored.reply_markup = markup
        stored.edit_date = int(time.time())
        self.stats.sent += 1
        text_key = "text" if "text" in new_content else "caption"
        self._record(
            chat,
            BotMessage(
                "edit",
                chat.id,
                stored.message_id,
                raw_text,
                new_content.get(text_key),
                markup,
                parse_mode,
                stored.edit_date,
                protect_content=stored.protected,
            ),
        )
        return self._message_dict(chat, stored)

    async def _m_editmessagetext(self, p: _Params) -> Any:
        chat, stored = self._message_to_edit(p)
        if "text" not in stored.content:
            raise _bad("there is no text in the message to edit")
        text = p.str("text") or ""
        parse_mode = p.str("parse_mode") or None
        parsed = self._parse_text(text, parse_mode, caption=False)
        markup = self._parse_markup(p, inline_only=True)
        return self._apply_edit(
            p, chat, stored, self._content(parsed, "text"), text, parse_mode, markup
        )

    async def _m_editmessagecaption(self, p: _Params) -> Any:
        chat, stored = self._message_to_edit(p)
        if "text" in stored.content:
            raise _bad("there is no caption in the message to edit")
        caption = p.str("caption") or ""
        parse_mode = p.str("parse_mode") or None
        parsed = self._parse_text(caption, parse_mode, caption=True)
        markup = self._parse_markup(p, inline_only=True)
        content = self._content(parsed, "caption") if caption else {"caption": None}
        return self._apply_edit(p, chat, stored, content, caption or None, parse_mode, markup)

    async def _m_editmessagereplymarkup(self, p: _Params) -> Any:
        chat, stored = self._message_to_edit(p)
        markup = self._parse_markup(p, inline_only=True)
        return self._apply_edit(p, chat, stored, {}, stored.raw_text, stored.parse_mode, markup)

    async def _m_deletemessage(self, p: _Params) -> Any:
        chat = self._target_chat(p, sending=False)
        message_id = p.require_int("message_id")
        stored = chat.messages.pop(message_id, None)
        if stored is None:
            raise _bad("message to delete not found")
        self._record(chat, BotMessage("delete", chat.id, message_id, date=int(time.time())))
        return True

    async def _m_answercallbackquery(self, p: _Params) -> Any:
        query = self._queries.pop(p.str("callback_query_id") or "", None)
        if query is None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        chat_id, message_id = query
        chat = self._chats[chat_id]
        text = p.str("text") or None
        if text is not None and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._record(
            chat,
            BotMessage(
                "callback_answer",
                chat_id,
                message_id,
                text,
                text,
                date=int(time.time()),
                show_alert=p.bool("show_alert"),
                url=p.str("url") or None,
                callback_query_id=p.str("callback_query_id"),
            ),
        )
        return True


# --------------------------------------------------------------------------------------------
# Module helpers
# --------------------------------------------------------------------------------------------


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _error(exc: ApiError) -> web.Response:
    return web.json_response(exc.payload(), status=exc.code, dumps=_dumps)


_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise _bad("can't parse inline keyboard button: Text must be non-empty")
    if not any(k in button for k in _INLINE_ACTIONS):
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise _bad("BUTTON_DATA_INVALID")


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


# --------------------------------------------------------------------------------------------
# The user side
# --------------------------------------------------------------------------------------------

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
