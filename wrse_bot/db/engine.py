"""Engine and session factory for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from wrse_bot.db.sqlite_inline import inline_connect

READ_ONLY = "wrse_read_only"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, inline: bool = True, **kwargs: Any) -> AsyncEngine:
    """``inline``: SQLite calls run on the event loop's thread (sqlite_inline.py);
    otherwise on aiosqlite's worker thread, for reads that may take long."""
    # A failed statement's error (and SQLAlchemy's own logging) would quote its
    # parameters: names, addresses. Never: logs carry no personal data.
    kwargs.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        # Kept open, not overflow: under a crowd an overflow connection is closed
        # when returned and opened again moments later (a new TCP handshake, a
        # login, and every prepared statement parsed again), seen by profiling.
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 10)
        # Recycle instead of pre-pinging: a ping is one more round trip on
        # every transaction. A connection dropped anyway fails one update,
        # which the error handler answers with an apology; nothing is lost.
        kwargs.setdefault("pool_recycle", 1800)
        return create_async_engine(url, **kwargs)

    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    if inline:

        @event.listens_for(engine.sync_engine, "do_connect")
        def _inline(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
            # The dialect passes the URL's path and options on to this creator.
            cparams["async_creator_fn"] = inline_connect

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below); WAL lets readers run beside the writer.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process (not a power cut).
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front (BEGIN IMMEDIATE): SQLite then
        # serialises them instead of failing a read-to-write upgrade. Readers
        # (Database.sessions) start deferred, so a long report never blocks a
        # woman's answer: WAL lets them read beside the writer.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """The engine plus a session factory; one session per unit of work."""

    def __init__(self, url: str, *, inline: bool = True, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, inline=inline, **engine_kwargs)
        # Reading: ``async with db.sessions() as s``; never commit through it.
        # On SQLite readers get their own connections on aiosqlite's thread: a
        # report over 50,000 women takes a second of SQL, which must not stall
        # the loop (writers' short statements run inline, see sqlite_inline.py).
        self._read_engine = (
            make_engine(url, inline=False, **engine_kwargs) if self.is_sqlite else self.engine
        )
        self.sessions = async_sessionmaker(
            self._read_engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        self._writers = async_sessionmaker(self.engine, expire_on_commit=False)
        # PostgreSQL: single statements that commit on their own (services/forms.py's
        # quick path saves an answer and its claim in one, without BEGIN and COMMIT).
        self.autocommit = (
            None if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        # SQLite has one writer at a time. Queueing writers here, in order,
        # beats letting them collide on the file lock and back off in sleeps.
        self._sqlite_writer = asyncio.Lock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits together, or not at all.

        Not re-entrant on SQLite: never open one transaction inside another.
        """
        if self._sqlite_writer is None:
            async with self._writers() as session, session.begin():
                yield session
            return
        async with self._sqlite_writer, self._writers() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._read_engine is not self.engine:
            await self._read_engine.dispose()
