"""The bot object PTB calls the Bot API through, with the project's manners."""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest
from telegram.ext import ExtBot

log = logging.getLogger("wrse_bot.telegram")

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


class WrseBot(ExtBot):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # update_id -> the update as received, for its identity (telegram/processor.py):
        # hashing the JSON Telegram sent costs far less than PTB's to_json() of it.
        with self._unfrozen():
            self.received: dict[int, str] = {}

    async def _post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, *args, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            for raw in result:
                self.received[raw["update_id"]] = json.dumps(raw, sort_keys=True)
        return result

    async def say(
        self,
        chat_id: int,
        text: str,
        *,
        reply_markup: Markup | None = None,
        parse_mode: str | None = None,
    ) -> None:
        """``sendMessage`` for a message nobody reads back: the Message Telegram
        returns is not built. Building it (her keyboard and all) was about a tenth
        of the bot's CPU per answer in the intake benchmark (py-spy, issue 10)."""
        data = {"chat_id": chat_id, "text": text, "reply_markup": reply_markup}
        await self._post("sendMessage", {**data, "parse_mode": parse_mode})

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        """Best effort: answering only stops the button's spinner.

        Telegram refuses an answer after about 15 seconds ("query is too old"),
        which is every tap made before a restart. That tap is still handled
        and the next question still goes out; nothing is worth an error.
        """
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except BadRequest as exc:
            if not is_stale_query(exc):
                raise
            log.info("a button's tap was too old to answer (made before a restart?)")
            return False


def is_stale_query(exc: BadRequest) -> bool:
    text = exc.message.casefold()
    return "query is too old" in text or "query id is invalid" in text
