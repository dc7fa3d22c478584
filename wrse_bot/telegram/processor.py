"""Concurrent update processing that keeps each person's updates in order.

PTB's default processes one update at a time for everybody; its concurrent
mode would let a fast double tap race itself. Here different women are served
at once while one woman's messages are applied in the order she sent them.

It is also where an update gets its identity (services/updates.py): a digest
of its envelope (id, sender, message or tap id, date), the same for a
redelivered copy and different for any other update that happens to reuse its
id. No text goes into it, so it needs no key and survives a key rotation.
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
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
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
        with receiving(update.update_id, update_identity(update)):
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


def update_identity(update: Update) -> int:
    """A negative 64-bit number (plain update ids are positive). Telegram
    redelivers an update byte for byte, so its copy has the same envelope;
    an id reused after a quiet week (or a restarted emulator) comes with
    another message, tap or date."""
    message = update.effective_message
    envelope = (
        update.update_id,
        update.effective_user.id if update.effective_user else None,
        update.effective_chat.id if update.effective_chat else None,
        message.message_id if message else None,
        message.date.timestamp() if message and message.date else None,
        update.callback_query.id if update.callback_query else None,
        update.my_chat_member.date.timestamp() if update.my_chat_member else None,
    )
    digest = hashlib.blake2b(
        repr(envelope).encode(), person=b"wrse-update-id", digest_size=8
    ).digest()
    return -(int.from_bytes(digest, "big") >> 1) - 1
