"""aiosqlite's connection, run on the event loop's own thread.

aiosqlite hands every call (cursor, execute, fetch, commit) to a worker thread
and waits for the answer. For this bot's statements (indexed lookups of one
row, WAL mode, no fsync on commit) SQLite itself takes microseconds, while
each hand-off costs two thread switches and a fight for the GIL: measured at
about 2.7 ms of CPU per intake answer, more than half of the answer's cost.
So the calls run inline here and SQLAlchemy's aiosqlite dialect is unchanged.

Only writers' connections are inline; readers (``Database.sessions``: reports,
exports, lists) keep aiosqlite's thread, so a long report never stalls the loop.

What makes blocking the loop safe here:
* every writer holds ``Database``'s asyncio lock *before* its BEGIN IMMEDIATE,
  so a writer never waits on SQLite's lock held by another of our coroutines
  (that would freeze the loop until ``busy_timeout``);
* readers start deferred, and in WAL mode readers and the writer never wait
  for each other;
* only another process (a migration, the sqlite3 shell) can hold the lock
  while we wait, and then the bot pauses until it lets go, as its writers
  would have queued behind it anyway.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite


class _RunNow:
    """Stands in for aiosqlite's work queue: runs each job when it is queued.

    SQLAlchemy's adapter queues a few jobs directly (setting the isolation
    level); they complete before it awaits their future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is None:
                raise
            future.set_exception(exc)
        else:
            if future is not None:
                future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An ``aiosqlite.Connection`` that never starts its worker thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()  # type: ignore[return-value]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def inline_connect(database: str, **kwargs: Any) -> InlineConnection:
    """``aiosqlite.connect`` for SQLAlchemy's ``async_creator``."""
    return InlineConnection(lambda: sqlite3.connect(database, **kwargs))
