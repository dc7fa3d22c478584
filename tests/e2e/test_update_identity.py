"""No update is ever dropped because of its number, and the bot's manners
towards Telegram's refusals: a tap too old to answer, a chat that blocked it."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot import build_application
from tests.conftest import make_settings
from tests.e2e.conftest import RunningBot
from tests.e2e.flows import register_until
from wrse_bot.db.models import User
from wrse_bot.devtools.demo import run_demo
from wrse_bot.devtools.emulator import BotApiEmulator

APOLOGY = "Maaf, ada gangguan di sistem kami"


def problems(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_a_demo_restarted_over_its_data_answers_every_message(
    tmp_path: Path, sqlite_url: str
) -> None:
    # A fresh emulator numbers updates from the start again, as Telegram may
    # after a quiet week: each update of the second run reuses an id of the
    # first run (with other content) and must still be answered.
    base = make_settings(sqlite_url)
    first = io.StringIO()
    await run_demo(
        base,
        build_application,
        stdin=io.StringIO("/start\n/daftar\n1\n"),
        stdout=first,
        directory=tmp_path,
    )
    assert "nama lengkap" in first.getvalue()
    second = io.StringIO()
    await run_demo(
        base,
        build_application,
        stdin=io.StringIO("/daftar\nSiti Aminah\n"),
        stdout=second,
        directory=tmp_path,
    )
    shown = second.getvalue()
    assert "nama lengkap" in shown  # /daftar resumes her form
    assert "NIK" in shown  # and her name was taken


async def test_a_tap_made_before_a_restart_is_handled_without_an_error(
    emulator: BotApiEmulator, start_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    siti = emulator.user(4101)
    async with start_bot():
        await siti.ask("/daftar")
    await siti.press("Setuju")  # while the bot is down
    emulator.expire_callback_queries()  # Telegram: "query is too old"
    caplog.set_level(logging.INFO)
    async with start_bot():
        question = await siti.reply()
        assert "nama lengkap" in question.text
    assert problems(caplog) == []
    assert not [m for m in siti.history if m.text and APOLOGY in m.text]


async def test_she_blocks_the_bot_mid_form_one_line_and_no_apology(
    emulator: BotApiEmulator, wrse: Application, caplog: pytest.LogCaptureFixture
) -> None:
    siti = emulator.user(4102)
    await register_until(siti, "nama lengkap")
    caplog.set_level(logging.INFO)
    await siti.send("Siti Aminah")
    emulator.block(4102, notify=False)  # before the bot could reply
    await emulator.wait_refused(4102)
    emulator.unblock(4102, notify=False)  # let a message through to sequence on
    await siti.ask("/bantuan")
    assert emulator.refused(4102) == 1  # the reply; no apology was tried
    async with wrse.bot_data.runtime.db.sessions() as s:
        assert await s.scalar(select(User.unreachable).where(User.id == 4102)) is True
    assert not [m for m in siti.history if m.text and APOLOGY in m.text]
    assert problems(caplog) == []
    assert len([r for r in caplog.records if "403" in r.getMessage()]) == 1
