"""The emulator speaks the Bot API to a real PTB Application over HTTP."""

from __future__ import annotations

import asyncio
import time

import httpx
from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.devtools.harness import polling


async def test_echo_bot_answers_over_http(emulator: BotApiEmulator, echo_app: Application) -> None:
    siti = emulator.user(1001, "Siti")

    reply = await siti.ask("Halo, apa kabar?")

    assert reply.kind == "message"
    assert reply.text == "Halo, apa kabar?"
    assert reply.chat_id == 1001
    assert emulator.stats.methods["sendMessage"] == 1
    assert emulator.stats.methods["getMe"] == 1


async def test_commands_carry_a_bot_command_entity(emulator: BotApiEmulator) -> None:
    siti = emulator.user(1001)
    update_id = await siti.send("/start abc")
    async with httpx.AsyncClient(base_url=emulator.base_url + emulator.token) as client:
        body = (await client.post("/getUpdates", json={"timeout": 0})).json()
    assert body["ok"] is True
    (update,) = body["result"]
    assert update["update_id"] == update_id
    message = update["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["chat"] == {"id": 1001, "type": "private", "first_name": "Siti"}
    assert message["from"]["is_bot"] is False
    assert isinstance(message["date"], int)


async def test_long_poll_returns_as_soon_as_an_update_arrives(emulator: BotApiEmulator) -> None:
    siti = emulator.user(1001)
    async with httpx.AsyncClient(base_url=emulator.base_url + emulator.token) as client:
        started = time.perf_counter()
        poll = asyncio.create_task(client.post("/getUpdates", data={"timeout": "10"}))
        await asyncio.sleep(0.05)
        assert not poll.done()
        update_id = await siti.send("halo")
        body = (await poll).json()
        assert time.perf_counter() - started < 1
        assert [u["update_id"] for u in body["result"]] == [update_id]

        # Not confirmed yet: delivered again. Confirmed by offset: gone for good.
        again = (await client.post("/getUpdates", data={"timeout": "0"})).json()
        assert [u["update_id"] for u in again["result"]] == [update_id]
        confirmed = await client.post(
            "/getUpdates", data={"offset": str(update_id + 1), "timeout": "0"}
        )
        assert confirmed.json() == {"ok": True, "result": []}
        assert (await client.post("/getUpdates", data={"timeout": "0"})).json()["result"] == []


async def test_ptb_does_not_see_confirmed_updates_twice(emulator: BotApiEmulator) -> None:
    recorder = _Recorder()
    siti = emulator.user(1001)
    async with polling(_app(emulator, recorder), poll_timeout=10):
        first = await siti.send("satu")
        second = await siti.send("dua")
        await recorder.count(2)
    assert recorder.seen == [first, second]

    # A restarted bot polls again: the updates were confirmed on shutdown.
    third = await siti.send("tiga")
    recorder = _Recorder()
    async with polling(_app(emulator, recorder), poll_timeout=10):
        await recorder.count(1)
    assert recorder.seen == [third]


async def test_redeliver_repeats_the_same_update_id(emulator: BotApiEmulator) -> None:
    recorder = _Recorder()
    siti = emulator.user(1001)
    async with polling(_app(emulator, recorder), poll_timeout=10):
        update_id = await siti.send("/daftar")
        await recorder.count(1)
        emulator.redeliver(update_id)
        await recorder.count(2)
        later = await siti.send("berikutnya")
        await recorder.count(3)
    assert recorder.seen == [update_id, update_id, later]


async def test_wrong_token_and_unknown_method(emulator: BotApiEmulator) -> None:
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{emulator.base_url}999:WRONG/getMe")
        assert wrong.status_code == 401
        assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        unknown = await client.post(f"{emulator.base_url}{emulator.token}/sendTelepathy")
        assert unknown.status_code == 404
        assert unknown.json()["description"] == "Not Found"


async def test_commands_are_stored_per_scope(bot: Bot) -> None:

    await bot.set_my_commands([BotCommand("start", "Mulai")])
    await bot.set_my_commands(
        [BotCommand("bantuan", "Bantuan")], scope=BotCommandScopeAllPrivateChats()
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    private = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in private] == ["bantuan"]
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


def _app(emulator: BotApiEmulator, recorder: _Recorder | None = None) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    if recorder is not None:
        app.add_handler(TypeHandler(Update, recorder))
    return app


class _Recorder:
    """A handler that records update ids and lets the test await a count."""

    def __init__(self) -> None:
        self.seen: list[int] = []
        self._changed = asyncio.Event()

    async def __call__(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.seen.append(update.update_id)
        self._changed.set()

    async def count(self, n: int) -> None:
        async with asyncio.timeout(5):
            while len(self.seen) < n:
                self._changed.clear()
                await self._changed.wait()
