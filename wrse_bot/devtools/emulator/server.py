"""The emulator's HTTP server: the aiohttp app, its routes and the request decoding."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from wrse_bot.devtools.emulator.methods import _METHOD_NAMES, BotApiMethods
from wrse_bot.devtools.emulator.state import (
    ApiError,
    Handler,
    UploadedFile,
    _bad,
    _Bucket,
    _Chat,
    _Params,
)
from wrse_bot.devtools.emulator.users import FakeUser


class BotApiEmulator(BotApiMethods):
    """Local Bot API server. Use as ``async with BotApiEmulator() as emu: ...``.

    Rate limits are token buckets: 30 sends/s overall (burst 30) and 1 send/s per chat with a
    burst of 3, which is roughly what Telegram tolerates in private chats before it answers
    429. Sends are sendMessage/sendPhoto/sendDocument/editMessageText/editMessageReplyMarkup.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        rate_limits: bool = True,
        bot_username: str = "wrse_batu_bot",
        bot_first_name: str = "WRSE Batu",
        port: int = 0,
    ) -> None:
        super().__init__(
            token,
            rate_limits=rate_limits,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
        )
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
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


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _error(exc: ApiError) -> web.Response:
    return web.json_response(exc.payload(), status=exc.code, dumps=_dumps)
