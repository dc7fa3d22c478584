"""The sender of outbox rows (broadcasts, notices, reminders).

Pacing is the bot's rate limiter's (``wrse_bot.telegram.ratelimit``: Telegram's
30/s overall, 1/s per chat for outbox rows, 429s waited out and retried); this
module only turns Bot API answers into ``Outcome`` values for
``wrse_bot.services.dispatch``: 403 -> BLOCKED, 400 -> FAILED, 429 left after the
limiter's retries -> DEFER, network trouble and time-outs -> RETRY (with backoff),
a dispatcher stopping before the row's slot came -> RELEASED. A time-out may hide a
message Telegram did deliver; retrying it is Telegram's own advice.
"""

from __future__ import annotations

import logging
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
from wrse_bot.telegram.ratelimit import OutboxSend, RateLimiter, Released

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


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
    """Sends claimed outbox rows; never raises for a Bot API answer."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        # The bot's limiter paces outbox rows (and may release them); a bot
        # without it (a test's stub) sends at once.
        self._paced = isinstance(getattr(bot, "rate_limiter", None), RateLimiter)

    async def send(self, row: Claimed, stopping: Callable[[], bool] = lambda: False) -> SendResult:
        if stopping():
            return SendResult(Outcome.RELEASED)
        try:
            await self.bot.send_message(
                row.user_id,
                row.text,
                parse_mode=row.parse_mode,
                reply_markup=to_markup(row.reply_markup),
                **({"rate_limit_args": OutboxSend(stopping)} if self._paced else {}),
            )
        except Released:
            return SendResult(Outcome.RELEASED)
        except Forbidden as exc:
            return SendResult(Outcome.BLOCKED, f"403 {exc.message}")
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
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
