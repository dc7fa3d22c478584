"""Enqueue messages for the dispatcher. A row is the promise to deliver; the
dispatcher (wrse_bot/scheduler.py) keeps it, through the one rate-limited
sender, exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.db.models import OutboxMessage
from wrse_bot.domain.statuses import OutboxKind, OutboxStatus


async def enqueue(
    s: AsyncSession,
    *,
    user_id: int,
    text: str,
    kind: OutboxKind,
    due_at: datetime | None = None,
    expires_at: datetime | None = None,
    reply_markup: dict[str, Any] | None = None,
    parse_mode: str | None = None,
    dedupe_key: str | None = None,
    broadcast_id: int | None = None,
    class_id: int | None = None,
    session_id: int | None = None,
) -> bool:
    """Add a delivery in the caller's transaction; False if ``dedupe_key`` exists."""
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(OutboxMessage).values(
        kind=kind,
        user_id=user_id,
        text=text,
        reply_markup=reply_markup,
        parse_mode=parse_mode,
        status=OutboxStatus.PENDING,
        due_at=due_at or now(),
        expires_at=expires_at,
        attempts=0,
        dedupe_key=dedupe_key,
        broadcast_id=broadcast_id,
        class_id=class_id,
        session_id=session_id,
    )
    if dedupe_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await s.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]
