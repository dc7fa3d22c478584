"""The bot's aiohttp networking backend keeps PTB's contract: what is sent,
and the errors PTB's retry and error handling expect."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut

from wrse_bot.telegram.transport import AiohttpRequest

TOKEN = "123:test"


@pytest.fixture
async def api() -> AsyncIterator[tuple[str, list[dict[str, object]], asyncio.Event]]:
    """A tiny Bot API: records each call; ``getWebhookInfo`` hangs until released."""
    seen: list[dict[str, object]] = []
    release = asyncio.Event()

    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            fields = await request.json()
        else:
            form = await request.post()
            fields = {
                k: (v.file.read() if isinstance(v, web.FileField) else v) for k, v in form.items()
            }
        seen.append({"method": method, "content_type": request.content_type, **fields})
        if method == "getWebhookInfo":
            await release.wait()
        result: object = True
        if method == "getMe":
            result = {"id": 123, "is_bot": True, "first_name": "WRSE", "username": "wrse_bot"}
        if method == "sendMessage":
            result = {
                "message_id": 7,
                "date": 0,
                "chat": {"id": int(str(fields["chat_id"])), "type": "private"},
                "text": fields["text"],
            }
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/{{method}}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/bot", seen, release
    finally:
        release.set()
        await runner.cleanup()


def _bot(base_url: str) -> Bot:
    return Bot(TOKEN, base_url=base_url, request=AiohttpRequest(pool_size=4))


async def test_a_message_goes_out_as_json_and_comes_back_parsed(api) -> None:
    base_url, seen, _ = api
    async with _bot(base_url) as bot:
        message = await bot.send_message(42, "Selamat pagi, Ibu 🌸", parse_mode="HTML")
    assert message.text == "Selamat pagi, Ibu 🌸"
    assert message.chat.id == 42
    call = seen[-1]
    assert call["content_type"] == "application/json"
    assert call["text"] == "Selamat pagi, Ibu 🌸"
    assert call["parse_mode"] == "HTML"


async def test_a_file_goes_out_as_multipart_with_its_caption(api) -> None:
    base_url, seen, _ = api
    async with _bot(base_url) as bot:
        await bot.send_document(
            42, InputFile(b"a,b\n1,2\n", filename="laporan.csv"), caption="Laporan"
        )
    call = seen[-1]
    assert call["content_type"] == "multipart/form-data"
    assert call["caption"] == "Laporan"
    assert call["document"] == b"a,b\n1,2\n"


async def test_a_reply_markup_arrives_as_json(api) -> None:
    base_url, seen, _ = api
    keyboard = {"inline_keyboard": [[{"text": "Setuju", "callback_data": "f:0:yes"}]]}
    async with _bot(base_url) as bot:
        await bot.send_message(42, "Setuju?", reply_markup=keyboard)  # type: ignore[arg-type]
    assert json.loads(str(seen[-1]["reply_markup"])) == keyboard


async def test_a_slow_answer_is_a_timeout(api) -> None:
    base_url, _, _ = api
    async with _bot(base_url) as bot:
        with pytest.raises(TimedOut):
            await bot.get_webhook_info(read_timeout=0.2)


async def test_an_unreachable_api_is_a_network_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()


async def test_a_request_before_initialize_is_refused() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/", "POST")


def test_an_office_proxy_from_the_environment_is_used_except_for_no_proxy_hosts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.kantor.local:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    request = AiohttpRequest()
    assert request._proxy("https://api.telegram.org/bot123/sendMessage") == (
        "http://proxy.kantor.local:3128"
    )
    assert request._proxy("https://localhost:8081/bot123/sendMessage") is None
    assert request._proxy("http://127.0.0.1:8081/bot123/getMe") is None  # no HTTP_PROXY set
