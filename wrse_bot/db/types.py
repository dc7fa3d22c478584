"""Column types: encrypted text/JSON and timezone-aware UTC timestamps.

Every encrypted type derives from ``EncryptedType``: ``bot.py rekey`` finds
the columns to re-encrypt by that, so a new one cannot be forgotten.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from wrse_bot import crypto


class EncryptedType(TypeDecorator[Any]):
    """Stored as a Fernet token (text) under the current key."""

    impl = Text
    cache_ok = True


class Encrypted(EncryptedType):
    """Text stored encrypted; reads back as plain text for the code that may see it."""

    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else crypto.protector().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else crypto.protector().decrypt(value)


class EncryptedJSON(EncryptedType):
    """A JSON document stored encrypted (drafts hold a NIK and income)."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return crypto.protector().encrypt(json.dumps(value, separators=(",", ":")))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(crypto.protector().decrypt(value))


class EncryptedDate(EncryptedType):
    """A calendar date (her birth date) stored encrypted as an ISO string."""

    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Dialect) -> str | None:
        return None if value is None else crypto.protector().encrypt(value.isoformat())

    def process_result_value(self, value: str | None, dialect: Dialect) -> date | None:
        return None if value is None else date.fromisoformat(crypto.protector().decrypt(value))


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use wrse_bot.clock.now()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
