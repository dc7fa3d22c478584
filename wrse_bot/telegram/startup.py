"""Starting while the office's line is down: wait for Telegram, never crash.

``run`` asks Telegram who the bot is (getMe) before anything else. A network
failure is tried again with a growing pause, one log line per attempt; a
token Telegram refuses is a configuration error, named in one line.
"""

from __future__ import annotations

import asyncio
import itertools
import logging

from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError

from wrse_bot.config import ConfigError, Settings
from wrse_bot.telegram.transport import AiohttpRequest

log = logging.getLogger("wrse_bot.startup")

# Never the token itself (PTB's own InvalidToken message quotes it).
TOKEN_REFUSED = (
    "WRSE_BOT_TOKEN: Telegram refused this token (401 Unauthorized). Copy it again from @BotFather."
)


async def wait_for_telegram(settings: Settings) -> None:
    """Return once Telegram answers; raise ConfigError if it refuses the token."""
    assert settings.bot_token is not None
    delay = settings.telegram_retry_seconds
    for attempt in itertools.count(1):
        bot = Bot(
            settings.bot_token.get_secret_value(),
            base_url=settings.api_base_url,
            base_file_url=settings.api_file_url,
            request=AiohttpRequest(),
            get_updates_request=AiohttpRequest(),
        )
        try:
            await bot.initialize()  # getMe
            if attempt > 1:
                log.info("Telegram answered on attempt %d", attempt)
            return
        except InvalidToken:
            raise ConfigError(TOKEN_REFUSED) from None
        except NetworkError as exc:  # TimedOut too; a BadRequest means Telegram answered
            if isinstance(exc, BadRequest):
                raise
            log.warning(
                "Telegram unreachable (attempt %d: %s); trying again in %g s",
                attempt,
                exc.message,
                delay,
            )
        finally:
            await bot.shutdown()  # its HTTP sessions, on every way out (Ctrl-C included)
        await asyncio.sleep(delay)
        delay = min(delay * 2, settings.telegram_retry_max_seconds)
