"""Which question of an open form reached Telegram.

A form (her registration, a check-in) commits her answer and its new ``rev``
before the next question is sent; ``prompted_rev`` records the rev whose
question was delivered. Where the two differ after a crash, the question is
owed and is sent at start-up.

Deliveries are written in batches: under load one transaction records many
women's. A crash before a batch lands only means a question is sent once
more on start-up, never that one is lost.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Table, bindparam, select, update

from wrse_bot.db.engine import Database

BATCH_SECONDS = 0.2


class PromptLedger:
    """Batched ``prompted_rev`` writes for the rows of ``table``, keyed by ``key``."""

    def __init__(self, db: Database, table: Table, key: str) -> None:
        self.db = db
        # Only the rev that was drawn: a newer answer meanwhile keeps it owed.
        self._stmt = (
            update(table)
            .where(table.c[key] == bindparam("k"), table.c.rev == bindparam("r"))
            .values(prompted_rev=bindparam("r"))
        )
        # On PostgreSQL a row she is answering in right now is skipped, not waited
        # for (its rev is about to move on anyway), so a batch never holds the
        # rows it already wrote while it queues behind her, nor she behind it.
        free = select(table.c[key]).where(table.c[key] == bindparam("k"))
        self._pg_stmt = self._stmt.where(
            table.c[key].in_(free.with_for_update(skip_locked=True).scalar_subquery())
        )
        self._pending: dict[int, int] = {}
        self._writer: asyncio.Task[None] | None = None

    def delivered(self, key: int, rev: int) -> None:
        self._pending[key] = rev
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    def sent(self, key: int, rev: int) -> bool:
        """Delivered, though perhaps not written yet."""
        return self._pending.get(key) == rev

    async def _write(self) -> None:
        while self._pending:
            # Gather a moment's deliveries into one transaction: under load that is
            # one write for many women instead of one each, each taking the writer.
            await asyncio.sleep(BATCH_SECONDS)
            batch, self._pending = self._pending, {}
            async with self.db.transaction() as s:
                stmt = self._pg_stmt if s.bind.dialect.name == "postgresql" else self._stmt
                await s.execute(stmt, [{"k": k, "r": rev} for k, rev in batch.items()])

    async def flush(self) -> None:
        """Wait for recorded deliveries to reach the database (at shutdown)."""
        while self._writer is not None and not self._writer.done():
            await self._writer
