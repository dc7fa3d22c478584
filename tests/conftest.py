"""Shared fixtures: migrated databases (SQLite always, PostgreSQL when given).

PostgreSQL tests read ``WRSE_TEST_POSTGRES_URL``. Without it they skip with
that reason, unless ``WRSE_TEST_REQUIRE_PG=1`` (set by CI), which makes a
missing server a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import time
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

from wrse_bot import crypto
from wrse_bot.config import Settings, load_settings
from wrse_bot.db.engine import Database
from wrse_bot.db.migrate import upgrade

# 32 random bytes, URL-safe base64, as the README says to make one (not for production).
TEST_SECRET = "028kRowdUorGBK6MIPDqKeHi8Y9Cc0xiUXsZXOkbg0c"
crypto.configure(TEST_SECRET)

PG_ENV = "WRSE_TEST_POSTGRES_URL"


def pg_base_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("WRSE_TEST_REQUIRE_PG") == "1":
            pytest.fail(f"{PG_ENV} must be set: PostgreSQL tests are mandatory here")
        pytest.skip(f"PostgreSQL not configured: set {PG_ENV} to run this test")
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets a copy (alembic per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "wrse.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    base = make_url(pg_base_url())
    name = f"wrse_t_{uuid.uuid4().hex[:12]}"
    _admin_sql(base, f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        _admin_sql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_sql(url: URL, sql: str) -> None:
    """CREATE/DROP DATABASE cannot run in a transaction: a bare connection."""

    async def run() -> None:
        conn = await asyncpg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Both databases: the same behaviour must hold on each."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


def make_settings(database_url: str, **overrides: object) -> Settings:
    # No quiet hours unless a test asks for them: the suite must pass at any
    # hour of the day (start == end means none).
    overrides.setdefault("quiet_start", time(0, 0))
    overrides.setdefault("quiet_end", time(0, 0))
    return load_settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        bot_token="123456:TEST-TOKEN",
        _env_file=None,
        **overrides,
    )


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()
