"""The bot's one send-rate limiter: PTB's ``AIORateLimiter``, plus Telegram's private-chat pace.

Telegram's limits (Bot API FAQ): about 30 messages per second overall, and about one
per second in one private chat; beyond that it answers 429 with ``retry_after``.

* Every request with a ``chat_id`` (replies included) shares the overall rate, with a
  small burst (``BURST``), and a 429 is waited out and retried (``max_retries``),
  holding every other request meanwhile: that is ``AIORateLimiter`` itself.
* Outbox rows (broadcasts, notices, reminders) pass ``OutboxSend`` as ``rate_limit_args``:
  they also keep ``per_chat_interval`` between two messages to one chat. A reply to a
  woman's answer is not held that way (one reply per message she sends is her own pace).
* An outbox send whose dispatcher stopped while it waited for its slot is not sent:
  ``Released`` is raised instead, so the row is given back rather than sent at shutdown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.ext import AIORateLimiter

# Seconds between two outbox messages to one chat (Telegram: about 1/s per chat).
PER_CHAT_INTERVAL = 1.0
# Requests let through at once after a quiet spell. Small on purpose: a burst of
# 30 (AIORateLimiter's default shape) spends Telegram's own burst allowance,
# and a long broadcast then runs at its edge and collects 429s from jitter.
BURST = 5

JSON = bool | dict[str, Any] | list[dict[str, Any]]


class Released(Exception):  # noqa: N818 - an outcome, not a failure
    """The dispatcher stopped while this outbox send waited for its slot."""


@dataclass(frozen=True, slots=True)
class OutboxSend:
    """``rate_limit_args`` of an outbox send."""

    stopping: Callable[[], bool] = lambda: False


class ChatPacer:
    """At most one message per ``interval`` to one chat. Only chats with a slot
    in the future are remembered, so memory stays small in a long broadcast.

    No lock is needed: reserving happens without an ``await`` in between, on one
    event loop. A cancelled waiter leaves an unused slot, which is harmless."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        if self.interval <= 0:
            return
        now = time.monotonic()
        if len(self._next) > 1024:
            self._next = {c: t for c, t in self._next.items() if t > now}
        slot = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class RateLimiter(AIORateLimiter):
    __slots__ = ("chats",)

    def __init__(
        self,
        *,
        overall_max_rate: float,
        per_chat_interval: float = PER_CHAT_INTERVAL,
        max_retries: int = 3,
    ) -> None:
        # ``overall_max_rate`` per second, at most BURST of them at once.
        super().__init__(
            overall_max_rate=BURST if overall_max_rate else 0,
            overall_time_period=BURST / overall_max_rate if overall_max_rate else 0,
            max_retries=max_retries,
        )
        self.chats = ChatPacer(per_chat_interval)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> JSON:
        if not isinstance(rate_limit_args, OutboxSend):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        chat_id = data.get("chat_id")
        if isinstance(chat_id, int):
            await self.chats.wait(chat_id)
        stopping = rate_limit_args.stopping

        async def unless_stopped(*a: Any, **kw: Any) -> JSON:
            # Called once the overall slot is ours (again after each 429).
            if stopping():
                raise Released
            return await callback(*a, **kw)

        return await super().process_request(unless_stopped, args, kwargs, endpoint, data, None)
