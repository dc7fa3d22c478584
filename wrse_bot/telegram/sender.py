"""The one rate-limited sender for outbox rows (broadcasts, notices, reminders).

Telegram's limits (Bot API FAQ): about 30 messages per second overall, and
about one per second in one private chat; beyond that it answers 429 with
``retry_after``. Two layers keep us inside them:

* ``bot.py`` installs PTB's ``AIORateLimiter``: a 30/s cap on *every* request
  the bot makes (replies included), which also waits out and retries a 429.
* This sender paces the outbox itself: ``SEND_RATE`` messages per second overall
  (just under 30, so the two buckets never meet at their edge and trade 429s),
  and at most one message per second per chat. Pacing here, before a request
  exists, also lets a stopping dispatcher give back what it has not sent yet.

Bot API answers become ``Outcome`` values for ``wrse_bot.services.dispatch``:
403 -> BLOCKED, 400 -> FAILED, 429 left after the limiter's retries -> DEFER,
network trouble and time-outs -> RETRY (with backoff). A time-out may hide a
message Telegram did deliver; retrying it is Telegram's own advice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from wrse_bot.services.dispatch import Claimed, Outcome

log = logging.getLogger(__name__)

# Messages per second overall, a little under Telegram's 30/s (see above).
SEND_RATE = 29.5
# Seconds between two messages to one chat (Telegram: about 1/s per chat).
PER_CHAT_INTERVAL = 1.0

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


class RatePacer:
    """Evenly spaced slots, ``rate`` per second; each caller reserves the next one.

    No lock is needed: reserving happens without an ``await`` in between, on one
    event loop. A cancelled waiter leaves an unused slot, which is harmless.
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        """Telegram said "retry after": nobody gets a slot before then."""
        self._next = max(self._next, time.monotonic() + seconds)


class ChatPacer:
    """At most one message per ``interval`` to one chat. Only chats with a slot
    in the future are remembered, so memory stays small in a long broadcast."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        now = time.monotonic()
        if len(self._next) > 1024:
            self._next = {c: t for c, t in self._next.items() if t > now}
        slot = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


def to_markup(data: dict[str, Any] | None) -> Markup | None:
    """A keyboard stored as Bot API JSON (OutboxMessage.reply_markup) as a PTB object."""
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove.de_json(data, None)
    if data.get("force_reply"):
        return ForceReply.de_json(data, None)
    raise ValueError(f"unknown reply_markup: {sorted(data)}")


def retry_after_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    error: str | None = None
    retry_after: float | None = None


class Sender:
    """Sends claimed outbox rows, paced; never raises for a Bot API answer."""

    def __init__(
        self,
        bot: Bot,
        *,
        rate: float = SEND_RATE,
        per_chat_interval: float = PER_CHAT_INTERVAL,
    ) -> None:
        self.bot = bot
        self.pacer = RatePacer(rate)
        self.chats = ChatPacer(per_chat_interval)

    async def send(self, row: Claimed, stopping: Callable[[], bool] = lambda: False) -> SendResult:
        await self.chats.wait(row.user_id)
        await self.pacer.wait()
        if stopping():
            return SendResult(Outcome.RELEASED)
        try:
            await self.bot.send_message(
                row.user_id,
                row.text,
                parse_mode=row.parse_mode,
                reply_markup=to_markup(row.reply_markup),
            )
        except Forbidden as exc:
            return SendResult(Outcome.BLOCKED, f"403 {exc.message}")
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            self.pacer.pause(wait)
            return SendResult(Outcome.DEFER, f"429 {exc.message}", retry_after=wait)
        except (BadRequest, ChatMigrated) as exc:  # BadRequest before its base NetworkError
            return SendResult(Outcome.FAILED, f"400 {exc.message}")
        except NetworkError as exc:  # TimedOut included
            return SendResult(Outcome.RETRY, f"{type(exc).__name__}: {exc.message}")
        except TelegramError as exc:
            return SendResult(Outcome.RETRY, f"{type(exc).__name__}: {exc.message}")
        return SendResult(Outcome.SENT)

    async def edit(self, chat_id: int, message_id: int, text: str) -> bool:
        """Edit a staff member's progress message; trouble is logged, never raised
        (a progress line must not stop a delivery)."""
        await self.pacer.wait()
        try:
            await self.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
        except BadRequest as exc:
            if "not modified" in exc.message:
                return True
            log.warning("progress message not edited: %s", exc.message)
            return False
        except TelegramError as exc:
            log.warning("progress message not edited: %s", type(exc).__name__)
            return False
        return True
