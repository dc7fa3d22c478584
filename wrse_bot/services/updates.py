"""Exactly-once application of Telegram updates, by identity, never by order.

The update's identity is written in the same transaction as the change the
update causes: if the process dies before the commit, the redelivered update
is applied normally; after the commit, it is recognised and skipped.

Telegram promises nothing about the order of ids across time: after a week
without updates the next id is chosen at random, and the emulator behind
``make demo`` numbers from the start again when it restarts. So an id alone
does not say "handled": the update processor (wrse_bot/telegram/processor.py)
folds each id with a keyed digest of the whole update, which is the same for
a redelivered copy and different for any other update. An identity counts as
handled only within Telegram's redelivery window (24 hours).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.db.models import ProcessedUpdate

# Telegram keeps an unconfirmed update for at most 24 hours.
REDELIVERY_WINDOW = timedelta(hours=24)

# (update id, identity) of the update this task is handling.
_receiving: ContextVar[tuple[int, int] | None] = ContextVar("wrse_update", default=None)


@contextmanager
def receiving(update_id: int, identity: int) -> Iterator[None]:
    """While handling one update: ``claim_update(s, update_id)`` records ``identity``."""
    token = _receiving.set((update_id, identity))
    try:
        yield
    finally:
        _receiving.reset(token)


def update_key(update_id: int) -> int:
    """The identity recorded for ``update_id``: the received update's, or the
    bare id outside the update processor (tests, internal calls)."""
    current = _receiving.get()
    if current is not None and current[0] == update_id:
        return current[1]
    return update_id


def _claim(insert: Any) -> Any:
    # Prebuilt, as the engine's form statements are: every answer passes here,
    # and composing the statement cost more than SQLite takes to run it.
    table = ProcessedUpdate.__table__
    at = table.c.processed_at.type
    stmt = insert(table).values(update_id=bindparam("key"), processed_at=bindparam("at", type_=at))
    return stmt.on_conflict_do_update(
        index_elements=["update_id"],
        set_={"processed_at": stmt.excluded.processed_at},
        # Seen longer ago than Telegram redelivers: not a copy, a new update.
        where=table.c.processed_at < bindparam("stale", type_=at),
    )


_CLAIMS = {"postgresql": _claim(pg_insert), "sqlite": _claim(sqlite_insert)}


def claim_params(update_id: int) -> dict[str, Any]:
    """The parameters of a claim of ``update_id`` (``key``, ``at``, ``stale``)."""
    stamp = now()
    return {"key": update_key(update_id), "at": stamp, "stale": stamp - REDELIVERY_WINDOW}


def claim_if(exists: Any) -> Any:
    """A PostgreSQL claim, as ``claim_update`` makes it, made only if ``exists``
    holds and returning the claimed id: a CTE for the statement that reads what
    the update changes, one round trip for both (services/forms.py)."""
    return _claim_from(_claimed_row().where(exists))


def claim_after(change: Any) -> Any:
    """A PostgreSQL claim made only if ``change`` (a CTE that writes what the
    update changes, returning a row) changed something, returning the claimed id:
    the change and its claim in one statement, committed together."""
    return _claim_from(_claimed_row().select_from(change)).add_cte(change)


def seen() -> Any:
    """True if this update (``key``) was claimed within the redelivery window."""
    table = ProcessedUpdate.__table__
    at = table.c.processed_at.type
    found = select(table.c.update_id).where(
        table.c.update_id == bindparam("key", type_=table.c.update_id.type),
        table.c.processed_at >= bindparam("stale", type_=at),
    )
    return found.exists()


def _claimed_row() -> Any:
    table = ProcessedUpdate.__table__
    key = bindparam("key", type_=table.c.update_id.type)
    return select(key, bindparam("at", type_=table.c.processed_at.type))


def _claim_from(found: Any) -> Any:
    table = ProcessedUpdate.__table__
    stmt = pg_insert(table).from_select(["update_id", "processed_at"], found)
    return stmt.on_conflict_do_update(
        index_elements=["update_id"],
        set_={"processed_at": stmt.excluded.processed_at},
        where=table.c.processed_at < bindparam("stale", type_=table.c.processed_at.type),
    ).returning(table.c.update_id)


async def claim_update(session: AsyncSession, update_id: int | None) -> bool:
    """Record the update as handled; False if this very update already was."""
    if update_id is None:  # an internal action, not a Telegram update
        return True
    result = await session.execute(_CLAIMS[session.bind.dialect.name], claim_params(update_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_old_updates(session: AsyncSession, older_than: timedelta) -> int:
    """Telegram keeps unconfirmed updates for 24 hours; older ids cannot return."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now() - older_than)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
