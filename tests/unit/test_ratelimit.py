"""The bot's one rate limiter: outbox rows keep a per-chat pace and can be released."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from wrse_bot.telegram.ratelimit import BURST, OutboxSend, RateLimiter, Released


class Calls:
    def __init__(self) -> None:
        self.at: list[tuple[int, float]] = []

    def callback(self, chat_id: int) -> Any:
        async def call() -> bool:
            self.at.append((chat_id, time.monotonic()))
            return True

        return call


async def send(limiter: RateLimiter, calls: Calls, chat_id: int, rl: Any = None) -> Any:
    return await limiter.process_request(
        calls.callback(chat_id), (), {}, "sendMessage", {"chat_id": chat_id}, rl
    )


async def test_outbox_rows_to_one_chat_are_spaced_replies_are_not() -> None:
    limiter = RateLimiter(overall_max_rate=0, per_chat_interval=0.2)
    calls = Calls()
    await asyncio.gather(*(send(limiter, calls, 7, OutboxSend()) for _ in range(3)))
    times = [t for _, t in calls.at]
    assert times[2] - times[0] >= 0.38  # two intervals between three rows

    replies = Calls()
    start = time.monotonic()
    await asyncio.gather(*(send(limiter, replies, 8) for _ in range(3)))
    assert time.monotonic() - start < 0.1  # a reply is not held by the per-chat pace


async def test_a_row_whose_dispatcher_stopped_while_waiting_is_released_not_sent() -> None:
    limiter = RateLimiter(overall_max_rate=0, per_chat_interval=0.2)
    calls = Calls()
    stopped = False
    first = await send(limiter, calls, 7, OutboxSend(lambda: stopped))
    waiting = asyncio.ensure_future(send(limiter, calls, 7, OutboxSend(lambda: stopped)))
    stopped = True
    with pytest.raises(Released):
        await waiting
    assert first is True and len(calls.at) == 1


async def test_the_overall_rate_lets_a_small_burst_through_then_spaces_sends() -> None:
    limiter = RateLimiter(overall_max_rate=50, per_chat_interval=0)
    calls = Calls()
    start = time.monotonic()
    await asyncio.gather(*(send(limiter, calls, 100 + i) for i in range(BURST + 5)))
    times = sorted(t - start for _, t in calls.at)
    assert times[BURST - 1] < 0.05  # the burst goes at once
    assert times[-1] >= 5 / 50 * 0.9  # the rest at 50/s
