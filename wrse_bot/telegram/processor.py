"""Concurrent update processing that keeps each person's updates in order.

PTB's default processes one update at a time for everybody; its concurrent
mode would let a fast double tap race itself. Here different women are served
at once while one woman's messages are applied in the order she sent them.

It is also where an update gets its identity (services/updates.py): a keyed
digest of the whole update, the same for a redelivered copy and different
for any other update that happens to reuse its id.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from wrse_bot.services.updates import receiving


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int, *, identity_secret: str) -> None:
        super().__init__(max_concurrent_updates)
        self._identity_key = identity_key(identity_secret)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            # Her own queue first, then a shared slot: a busy woman never holds
            # slots that other women's updates could use.
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # forget idle users, keeping memory flat
                del self._waiting[key]
                self._locks.pop(key, None)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        with receiving(update.update_id, update_identity(update, self._identity_key)):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


def identity_key(secret: str) -> bytes:
    """Keyed, so the stored digests reveal nothing of what she typed (a NIK
    has few enough possibilities to be guessed back from a plain hash)."""
    return hashlib.blake2b(secret.encode(), person=b"wrse-update-id", digest_size=32).digest()


def update_identity(update: Update, key: bytes) -> int:
    """A negative 64-bit number (plain update ids are positive): Telegram
    redelivers an update byte for byte, so its copy has the same digest. Read
    from the JSON as received when the bot kept it (WrseBot.received)."""
    received = getattr(update.get_bot(), "received", {})
    text = received.pop(update.update_id, None) or update.to_json()
    digest = hashlib.blake2b(text.encode(), key=key, digest_size=8).digest()
    return -(int.from_bytes(digest, "big") >> 1) - 1
