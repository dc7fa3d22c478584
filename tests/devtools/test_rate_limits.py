"""Per-chat flood limits answer 429 with retry_after, like Telegram."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ApplicationBuilder

from wrse_bot.devtools.emulator import BotApiEmulator


async def test_burst_to_one_chat_gets_429_with_retry_after(
    bot: Bot, emulator: BotApiEmulator
) -> None:
    emulator.user(1001)
    for i in range(3):  # the per-chat burst allowance
        await bot.send_message(1001, f"pesan {i}")
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "satu lagi")
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{emulator.base_url}{emulator.token}/sendMessage",
            json={"chat_id": 1001, "text": "dan lagi"},
        )
    assert response.status_code == 429
    body = response.json()
    assert body["ok"] is False
    assert body["error_code"] == 429
    assert (
        body["description"] == f"Too Many Requests: retry after {body['parameters']['retry_after']}"
    )
    assert isinstance(body["parameters"]["retry_after"], int)
    assert body["parameters"]["retry_after"] >= 1
    assert emulator.stats.throttled == 2
    assert emulator.stats.sent == 3
    # Other chats have their own allowance.
    emulator.user(1002)
    await bot.send_message(1002, "halo")


async def test_no_429_when_rate_limits_are_off(bot: Bot, emulator: BotApiEmulator) -> None:
    emulator.user(1001)
    emulator.rate_limits = False
    await asyncio.gather(*(bot.send_message(1001, f"pesan {i}") for i in range(50)))
    assert emulator.stats.throttled == 0
    assert len(emulator.history(1001)) == 50


async def test_aio_rate_limiter_gets_a_burst_through(emulator: BotApiEmulator) -> None:
    # 2/s refill: after the limiter's single retry_after sleep (1.1 s) both throttled
    # messages fit, which keeps the test at about one second.
    emulator.PER_CHAT_RATE = 2.0
    emulator.user(1001)
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    async with app:
        await asyncio.gather(*(app.bot.send_message(1001, f"pesan {i}") for i in range(5)))
    assert len(emulator.history(1001)) == 5
    assert emulator.stats.throttled >= 1  # it did hit the limit and retried after it
