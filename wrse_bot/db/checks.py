"""Is ``WRSE_DATABASE_URL`` usable? One clear line when it is not.

The URL is checked when settings load (its form and kind of database), and
``run`` and ``migrate`` open one connection before anything else, so a
server that refuses or a file that cannot be opened is named, not traced.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from wrse_bot.db.engine import make_engine

# The drivers the project installs; both speak asyncio.
SUPPORTED = ("postgresql+asyncpg", "sqlite+aiosqlite")
EXAMPLES = "postgresql+asyncpg://user@host/db or sqlite+aiosqlite:///./wrse.db"


def check_database_url(value: str) -> None:
    """ValueError naming what is wrong (never the URL: it may hold a password)."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"not a database URL; use {EXAMPLES}") from None
    if url.drivername not in SUPPORTED:
        raise ValueError(f"unsupported database kind {url.drivername!r}; use {EXAMPLES}")


class DatabaseUnavailableError(Exception):
    """The database could not be opened; the message says why, in one line."""


async def check_connection(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect():
            pass
    except Exception as exc:
        raise DatabaseUnavailableError(_cause(exc)) from None
    finally:
        await engine.dispose()


def _cause(exc: BaseException) -> str:
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if isinstance(inner, ConnectionRefusedError):
        return f"the server refused the connection ({inner.strerror or inner})"
    # asyncpg's errors arrive as "<class 'asyncpg...'>: role "x" does not exist".
    lines = re.sub(r"^<class '[^']+'>:\s*", "", str(inner).strip()).splitlines()
    return lines[0] if lines else type(inner).__name__
