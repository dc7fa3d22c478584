"""Start-up key check: the configured key must be the one the data is under.

A wrong ``WRSE_SECRET_KEY`` would otherwise start the bot and write new
rows that the right key can no longer read beside the old ones. The
``key_checks`` row names the key (an id derived from it) and holds a
canary encrypted under it; start-up compares both before anything is
written.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot import crypto
from wrse_bot.config import ConfigError, Settings
from wrse_bot.crypto import Protector
from wrse_bot.db.engine import Database
from wrse_bot.db.models import KeyCheck

ROW_ID = 1
# Values encrypted before key checks existed: on the first check, at least
# the first of each must open, or the key is not the one that wrote them.
_SAMPLES = (
    "SELECT nik FROM registrants WHERE nik IS NOT NULL LIMIT 1",
    "SELECT phone FROM registrants WHERE phone IS NOT NULL LIMIT 1",
    "SELECT income FROM checkins WHERE income IS NOT NULL LIMIT 1",
)
REKEY_HINT = (
    "to change keys, set the old one as WRSE_PREVIOUS_SECRET_KEY and run `python bot.py rekey`"
)


class KeyMismatchError(Exception):
    """The configured key cannot be used with this database; one line says why."""


async def check_key(db: Database, protector: Protector) -> KeyCheck:
    """Refuse a key that is not the database's; record a rotation's start.

    Returns the row as it stands afterwards.
    """
    try:
        async with db.transaction() as s:
            return await _check(s, protector)
    except IntegrityError:  # another process wrote the first row meanwhile
        async with db.transaction() as s:
            return await _check(s, protector)


async def _check(s: AsyncSession, p: Protector) -> KeyCheck:
    row = await s.get(KeyCheck, ROW_ID)
    if row is None:
        return await _first_check(s, p)
    if row.key_id == p.key_id:
        if not p.is_canary(row.canary):
            raise KeyMismatchError("WRSE_SECRET_KEY: the key check row is damaged; restore it")
        if row.previous_key_id is not None and row.previous_key_id != p.previous_key_id:
            raise KeyMismatchError(
                "WRSE_PREVIOUS_SECRET_KEY: a key rotation is unfinished; set the previous key "
                "again and run `python bot.py rekey`"
            )
        return row
    if row.key_id == p.previous_key_id and p.is_canary(row.canary, previous=True):
        if row.previous_key_id is not None:
            raise KeyMismatchError(
                "WRSE_SECRET_KEY: the previous rotation is unfinished; run `python bot.py rekey` "
                "with the keys it began with first"
            )
        # A rotation begins: from now on new values are written under the new key.
        row.previous_key_id, row.key_id, row.canary = row.key_id, p.key_id, p.canary()
        row.rekey_table, row.rekey_after = None, None
        return row
    raise KeyMismatchError(
        "WRSE_SECRET_KEY is not the key this database was encrypted with "
        f"(it expects key id {row.key_id}); set the right key, or {REKEY_HINT}"
    )


async def _first_check(s: AsyncSession, p: Protector) -> KeyCheck:
    old_key_needed = False
    for sql in _SAMPLES:
        token = await s.scalar(text(sql))
        if token is None:
            continue
        if not p.opens(token):
            raise KeyMismatchError(
                "WRSE_SECRET_KEY does not open the data already stored in this database; "
                f"set the key that wrote it, or {REKEY_HINT}"
            )
        if p.previous_key_id is not None and not p.opens(token, previous=False):
            old_key_needed = True
    row = KeyCheck(
        id=ROW_ID,
        key_id=p.key_id,
        canary=p.canary(),
        previous_key_id=p.previous_key_id if old_key_needed else None,
    )
    s.add(row)
    await s.flush()
    return row


def configure_keys(settings: Settings) -> Protector | None:
    """Install the process-wide protector from the settings (None without a key)."""
    if settings.secret_key is None:
        return None
    previous = settings.previous_secret_key
    return crypto.configure(
        settings.secret_key.get_secret_value(),
        previous.get_secret_value() if previous else None,
    )


async def check_keys(settings: Settings) -> KeyCheck:
    """The start-up check for ``bot.py run`` / ``migrate``: one line on failure."""
    p = configure_keys(settings)
    if p is None:
        raise ConfigError("WRSE_SECRET_KEY is not set.")
    db = Database(settings.database_url)
    try:
        return await check_key(db, p)
    except KeyMismatchError as exc:
        raise ConfigError(str(exc)) from None
    finally:
        await db.dispose()
