"""Exactly-once application of Telegram updates.

The update id is written in the same transaction as the change the update
causes: if the process dies before the commit, the redelivered update is
applied normally; after the commit, it is recognised and skipped.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.db.models import ProcessedUpdate


async def claim_update(session: AsyncSession, update_id: int | None) -> bool:
    """Record ``update_id`` as handled; False if it already was."""
    if update_id is None:  # an internal action, not a Telegram update
        return True
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, processed_at=now())
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_old_updates(session: AsyncSession, older_than: timedelta) -> int:
    """Telegram keeps unconfirmed updates for 24 hours; older ids cannot return."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now() - older_than)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
