"""Logs never carry personal data: a database failing in the middle of her
registration is logged by kind and place, and she still gets a kind word."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from typing import Any

import pytest
from sqlalchemy import event
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.flows import SITI_NIK, SITI_NIK_TYPED, register_until
from wrse_bot import crypto
from wrse_bot.devtools.emulator import BotApiEmulator, FakeUser

APOLOGY = "Maaf, ada gangguan di sistem kami"
ADDRESS = "Jl. Mawar 10"  # from the happy path's "RT 02 RW 05, Jl. Mawar 10"


def her_data(user: FakeUser) -> list[str]:
    phone = user.phone.removeprefix("+")
    return [
        "Siti Aminah",
        ADDRESS,
        SITI_NIK,
        SITI_NIK_TYPED,
        phone,
        "0" + phone.removeprefix("62"),
        "500rb",
        "500000",
        "500.000",
    ]


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            parts += [str(record.exc_info[1]), repr(record.exc_info[1])]
    return "\n".join(parts)


def capture_everything(caplog: pytest.LogCaptureFixture) -> None:
    # INFO is what the bot runs at; SQLAlchemy's engine at INFO logs every statement.
    for name in (None, "sqlalchemy", "sqlalchemy.engine", "telegram", "asyncio"):
        caplog.set_level(logging.INFO, logger=name)


async def test_a_database_integrity_error_logs_none_of_her_data(
    emulator: BotApiEmulator,
    start_bot: RunningBot,
    sqlite_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    siti = emulator.user(4201)
    async with start_bot():
        await register_until(siti)  # at the review, every answer given
        with sqlite3.connect(sqlite_url.split("///", 1)[1]) as conn:
            conn.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON registrants "
                "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
            )
        capture_everything(caplog)
        reply = await siti.tap("✅ Kirim")
        assert APOLOGY in reply.text  # never silence
    logged = everything_logged(caplog)
    assert "IntegrityError" in logged  # the failure is there, by its kind
    assert [value for value in her_data(siti) if value in logged] == []


async def test_a_dropped_database_connection_logs_none_of_her_data(
    emulator: BotApiEmulator, start_bot: RunningBot, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    siti = emulator.user(4202)
    async with start_bot(pg_url) as app:
        await register_until(siti)
        drop_connection_on_submit(app)
        capture_everything(caplog)
        reply = await siti.tap("✅ Kirim")
        assert APOLOGY in reply.text
    logged = everything_logged(caplog)
    assert "error while handling update" in logged
    assert [value for value in her_data(siti) if value in logged] == []


def drop_connection_on_submit(app: Application) -> None:  # type: ignore[type-arg]
    """The server ends the session just as her registration is written."""
    engine = app.bot_data.runtime.db.engine.sync_engine
    dropped: list[bool] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _drop(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if not dropped and statement.lstrip().upper().startswith("INSERT INTO REGISTRANTS"):
            dropped.append(True)
            with contextlib.suppress(Exception):  # the connection is gone, as intended
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


async def test_a_statement_failing_while_its_values_are_bound_logs_none_of_her_data(
    emulator: BotApiEmulator,
    start_bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SQLAlchemy quotes the values it was binding, before they were encrypted.
    siti = emulator.user(4203)
    async with start_bot():
        await register_until(siti)

        def refuse(_self: object, _plain: str) -> str:
            raise RuntimeError("the key store is not available")

        monkeypatch.setattr(crypto.Protector, "encrypt", refuse)
        capture_everything(caplog)
        reply = await siti.tap("✅ Kirim")
        assert APOLOGY in reply.text
    logged = everything_logged(caplog)
    assert "StatementError" in logged
    assert [value for value in her_data(siti) if value in logged] == []
