"""The library internals two speed-ups lean on, checked so an upgrade fails here, loudly.

* ``wrse_bot/db/sqlite_inline.py`` runs aiosqlite's connection without its worker
  thread: it replaces ``Connection._tx`` (the job queue, which SQLAlchemy's adapter
  also feeds directly) and overrides ``Connection._execute``; ``__await__`` calls
  ``Connection._connect``; ``_running`` and ``_connection`` say whether it is open.
* ``wrse_bot/telegram/transport.py`` implements PTB's ``BaseRequest`` with PTB's
  private ``telegram._utils`` types (``DefaultValue``, ``ODVInput``).
* ``wrse_bot/telegram/ratelimit.py`` extends ``AIORateLimiter.process_request``.
* ``wrse_bot/telegram/bot.py`` overrides PTB's protected ``Bot._post`` (keeping the
  raw updates) and calls it for ``WrseBot.say`` (a message whose reply is not parsed).

Versions are pinned in pyproject.toml; when a pin moves, these say what to re-check.
"""

from __future__ import annotations

import inspect
import sqlite3
import threading
from pathlib import Path

import aiosqlite
import sqlalchemy.dialects.sqlite.aiosqlite as sa_aiosqlite
from sqlalchemy import text
from telegram import Bot
from telegram.ext import AIORateLimiter, BaseRateLimiter
from telegram.request import BaseRequest, RequestData

from wrse_bot.db.engine import make_engine
from wrse_bot.db.sqlite_inline import InlineConnection
from wrse_bot.telegram.transport import AiohttpRequest


def params(fn: object) -> list[str]:
    return list(inspect.signature(fn).parameters)  # type: ignore[arg-type]


# ---- aiosqlite (sqlite_inline.py) ---------------------------------------------------


def test_aiosqlite_connection_init_takes_connector_and_chunk_size() -> None:
    got = params(aiosqlite.Connection.__init__)
    assert got[:3] == ["self", "connector", "iter_chunk_size"], (
        f"aiosqlite.Connection.__init__ is now {got}: InlineConnection.__init__ "
        "calls it as (connector, iter_chunk_size=...)"
    )


def test_aiosqlite_connection_keeps_its_job_queue_in_tx() -> None:
    conn = aiosqlite.Connection(lambda: sqlite3.connect(":memory:"), 64)
    for name in ("_tx", "_running", "_connection", "_thread"):
        assert hasattr(conn, name), (
            f"aiosqlite.Connection has no {name} any more: sqlite_inline.py relies on it"
        )
    assert callable(getattr(conn._tx, "put_nowait", None)), (
        "aiosqlite.Connection._tx has no put_nowait(): InlineConnection's _RunNow stands in "
        "for that queue"
    )
    conn.stop()


def test_aiosqlite_execute_and_connect_are_the_overridden_coroutines() -> None:
    execute = aiosqlite.Connection._execute
    assert inspect.iscoroutinefunction(execute), "aiosqlite.Connection._execute is not async"
    assert params(execute) == ["self", "fn", "args", "kwargs"], (
        f"aiosqlite.Connection._execute(fn, *args, **kwargs) is now {params(execute)}: "
        "InlineConnection._execute overrides it"
    )
    connect = aiosqlite.Connection._connect
    assert inspect.iscoroutinefunction(connect) and params(connect) == ["self"], (
        "aiosqlite.Connection._connect() changed: InlineConnection.__await__ calls it"
    )
    source = inspect.getsource(aiosqlite.Connection.__await__)
    assert "_thread.start()" in source and "_connect()" in source, (
        "aiosqlite.Connection.__await__ no longer just starts _thread and awaits _connect(): "
        "InlineConnection.__await__ (which skips the thread) must follow it"
    )


def test_sqlalchemy_adapter_feeds_aiosqlite_tx_directly() -> None:
    source = inspect.getsource(sa_aiosqlite)
    assert "_tx.put_nowait" in source, (
        "SQLAlchemy's aiosqlite adapter no longer queues jobs on Connection._tx: "
        "_RunNow in sqlite_inline.py may be unneeded, or something else is fed now"
    )


async def test_inline_writer_runs_on_the_loop_thread_without_a_worker(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}", inline=True)
    try:
        threads = threading.active_count()
        async with engine.begin() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert isinstance(driver, InlineConnection)
            assert await conn.scalar(text("select 41 + 1")) == 42
        assert threading.active_count() == threads, "the inline writer started a thread"
        assert not driver._thread.is_alive()
    finally:
        await engine.dispose()


# ---- PTB (transport.py, ratelimit.py) ----------------------------------------------


def test_ptb_private_default_value_types_still_exist() -> None:
    from telegram._utils.defaultvalue import DefaultValue
    from telegram._utils.types import ODVInput

    assert isinstance(BaseRequest.DEFAULT_NONE, DefaultValue), (
        "BaseRequest.DEFAULT_NONE is no longer a telegram._utils.defaultvalue.DefaultValue: "
        "transport._given() tells 'not given' apart by that type"
    )
    assert ODVInput is not None


def test_ptb_base_request_contract_matches_the_aiohttp_transport() -> None:
    missing = set(getattr(BaseRequest, "__abstractmethods__", ())) - set(vars(AiohttpRequest))
    assert not missing, f"BaseRequest has new abstract members {missing}: transport.py lacks them"
    got = params(BaseRequest.do_request)
    assert got == params(AiohttpRequest.do_request), (
        f"BaseRequest.do_request is now {got}: AiohttpRequest.do_request must match it"
    )
    assert isinstance(BaseRequest.USER_AGENT, str), "BaseRequest.USER_AGENT is gone"
    for name in ("json_payload", "json_parameters", "multipart_data"):
        assert isinstance(getattr(RequestData, name, None), property), (
            f"RequestData.{name} is gone: AiohttpRequest.do_request builds the body from it"
        )


def test_ptb_rate_limiter_hook_signature() -> None:
    got = params(AIORateLimiter.process_request)
    expected = ["self", "callback", "args", "kwargs", "endpoint", "data", "rate_limit_args"]
    assert got == expected == params(BaseRateLimiter.process_request), (
        f"AIORateLimiter.process_request is now {got}: ratelimit.RateLimiter overrides it"
    )


def test_ptb_bot_post_takes_endpoint_and_data_and_returns_the_raw_result() -> None:
    got = params(Bot._post)
    assert got[:3] == ["self", "endpoint", "data"], (
        f"Bot._post is now {got}: WrseBot._post overrides it and WrseBot.say calls it "
        "as _post(endpoint, data)"
    )
    source = inspect.getsource(Bot._post)
    assert "_insert_defaults" in source and "is not None" in source, (
        "Bot._post no longer inserts defaults and drops None values: WrseBot.say passes "
        "parse_mode and reply_markup as given, None included"
    )
