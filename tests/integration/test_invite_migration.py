"""Migration 0010: invitation codes stored before it are hashed on the way,
so an unused link keeps working and the plaintext is gone; the downgrade
leaves no claimable code behind."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import make_settings
from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.migrate import downgrade, upgrade
from wrse_bot.services.access import AccessService, code_hash

CODE = "OldPlainCode_0123456789"


async def _run(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_an_unused_plaintext_invite_is_hashed_and_still_works(db_url: str) -> None:
    await asyncio.to_thread(downgrade, db_url, "0009")
    await _run(
        db_url,
        "INSERT INTO invites (code, role, created_by, created_at, expires_at) "
        "VALUES (:code, 'staff', 1, :at, :until)",
        code=CODE,
        at=now(),
        until=now() + timedelta(hours=24),
    )
    await asyncio.to_thread(upgrade, db_url)
    rows = await _run(db_url, "SELECT code_hash FROM role_invites")
    assert rows == [(code_hash(CODE),)]

    db = Database(db_url)
    try:
        access = AccessService(db, make_settings(db_url, admin_ids=frozenset({1})))
        assert (await access.accept_invite(5, CODE, None)).status == "granted"
    finally:
        await db.dispose()

    await asyncio.to_thread(downgrade, db_url, "0009")
    (code,) = (await _run(db_url, "SELECT code FROM invites"))[0]
    assert code != CODE  # the plaintext never comes back
    await asyncio.to_thread(upgrade, db_url)
