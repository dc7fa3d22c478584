"""``python bot.py rekey``: every protected value re-encrypted under the
current key, and every NIK hash recomputed with it.

Tables are walked in name order, each by primary key, in batches; each batch
commits together with how far it got (``key_checks.rekey_table`` /
``rekey_after``), so a crash loses at most one batch and a re-run resumes
there. Re-encrypting is idempotent (``MultiFernet.rotate``), so a batch done
twice does no harm. Each row is written back only if it still holds what was
read (compare and set), so the bot may keep running meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Column, Text, column, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.config import ConfigError, Settings
from wrse_bot.crypto import Protector
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Base, KeyCheck
from wrse_bot.db.types import EncryptedType
from wrse_bot.services.keys import ROW_ID, KeyMismatchError, check_key, configure_keys

DEFAULT_BATCH = 500
_NIK_TABLE, _NIK, _NIK_HASH = "registrants", "nik", "nik_hash"


@dataclass(frozen=True)
class _Plan:
    name: str
    pk: str
    columns: tuple[str, ...]  # encrypted
    raw: Any  # a lightweight table: every column plain, so values pass untouched

    def read(self) -> Any:
        """Its primary key and encrypted columns, as stored."""
        return select(self.raw.c[self.pk], *(self.raw.c[c] for c in self.columns))


@dataclass
class RekeyResult:
    rows: dict[str, int] = field(default_factory=dict)  # rows rewritten per table
    resumed_from: tuple[str, int | None] | None = None


def protected_tables() -> list[_Plan]:
    """Tables with encrypted columns, in a fixed order (resuming relies on it)."""
    plans = []
    for t in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
        enc = tuple(c.name for c in t.columns if isinstance(c.type, EncryptedType))
        if not enc:
            continue
        pks: list[Column[Any]] = list(t.primary_key.columns)
        if len(pks) != 1:
            raise TypeError(f"{t.name}: rekey pages by a single-column primary key")
        pk = pks[0].name
        extra = (_NIK_HASH,) if t.name == _NIK_TABLE else ()
        raw = table(t.name, column(pk, BigInteger), *(column(c, Text) for c in enc + extra))
        plans.append(_Plan(t.name, pk, enc, raw))
    return plans


async def rekey(
    db: Database,
    p: Protector,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[str, int], None] | None = None,
) -> RekeyResult:
    """Re-encrypt everything under ``p``'s current key; run ``check_key`` first.

    ``progress(table, rows_so_far)`` is called after each committed batch.
    """
    async with db.transaction() as s:
        state = await s.get(KeyCheck, ROW_ID)
        if state is None or state.key_id != p.key_id:
            raise KeyMismatchError("WRSE_SECRET_KEY: run the start-up key check before rekey")
        start = (state.rekey_table, state.rekey_after)
    result = RekeyResult(resumed_from=start if start[0] else None)
    plans = protected_tables()
    names = [plan.name for plan in plans]
    first = names.index(start[0]) if start[0] in names else 0
    for i, plan in enumerate(plans[first:], start=first):
        after = start[1] if i == first and start[0] == plan.name else None
        done = 0
        while True:
            async with db.transaction() as s:
                n, after = await _batch(s, p, plan, after, batch_size)
                if n == 0:
                    break
                await s.execute(
                    update(KeyCheck)
                    .where(KeyCheck.id == ROW_ID)
                    .values(rekey_table=plan.name, rekey_after=after)
                )
            done += n
            if progress is not None:
                progress(plan.name, done)
        result.rows[plan.name] = done
    async with db.transaction() as s:
        # Everything is under the current key: the previous one is no longer needed.
        await s.execute(
            update(KeyCheck)
            .where(KeyCheck.id == ROW_ID)
            .values(previous_key_id=None, rekey_table=None, rekey_after=None)
        )
    return result


async def _batch(
    s: AsyncSession, p: Protector, plan: _Plan, after: int | None, size: int
) -> tuple[int, int | None]:
    pk = plan.raw.c[plan.pk]
    stmt = plan.read().order_by(pk).limit(size)
    if after is not None:
        stmt = stmt.where(pk > after)
    rows = (await s.execute(stmt)).all()
    for row in rows:
        await _rewrite(s, p, plan, row)
    return len(rows), (rows[-1][0] if rows else after)


async def _rewrite(s: AsyncSession, p: Protector, plan: _Plan, row: Any) -> None:
    raw = plan.raw
    pk = raw.c[plan.pk]
    for _ in range(5):
        key, *old = row
        values: dict[str, str] = {}
        conds = [pk == key]
        for name, token in zip(plan.columns, old, strict=True):
            if token is None:
                continue
            values[name] = p.rotate(token)
            conds.append(raw.c[name] == token)
        nik = old[plan.columns.index(_NIK)] if plan.name == _NIK_TABLE else None
        if nik is not None:
            values[_NIK_HASH] = p.nik_hash(p.decrypt(nik))
        if not values:
            return
        changed = await s.execute(update(raw).where(*conds).values(**values))
        if changed.rowcount:  # type: ignore[attr-defined]
            return
        # The bot changed the row after it was read: read it again.
        row = (await s.execute(plan.read().where(pk == key))).first()
        if row is None:
            return
    raise RuntimeError(f"{plan.name} {key}: changed too often while re-encrypting")


async def rekey_all(settings: Settings, *, batch_size: int = DEFAULT_BATCH) -> RekeyResult:
    """``bot.py rekey``: check (and record) the keys, then re-encrypt everything."""
    p = configure_keys(settings)
    if p is None:
        raise ConfigError("WRSE_SECRET_KEY is not set.")
    db = Database(settings.database_url)
    try:
        await check_key(db, p)
        result = await rekey(db, p, batch_size=batch_size)
    except KeyMismatchError as exc:
        raise ConfigError(str(exc)) from None
    finally:
        await db.dispose()
    for name, n in result.rows.items():
        print(f"{name}: {n} rows re-encrypted")
    print("rekey finished: WRSE_PREVIOUS_SECRET_KEY is no longer needed")
    return result
