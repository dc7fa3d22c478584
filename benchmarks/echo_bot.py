"""The bare PTB echo bot as a process of its own: the benchmark baseline.

Same wiring as ``wrse_bot.devtools.echo`` (default PTB: one update at a time, no rate
limiter), but the token and Bot API URLs come from the environment, like ``bot.py run``::

    WRSE_BOT_TOKEN=... WRSE_API_BASE_URL=... WRSE_API_FILE_URL=... python -m benchmarks.echo_bot
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def build() -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(os.environ["WRSE_BOT_TOKEN"])
        .base_url(os.environ["WRSE_API_BASE_URL"])
        .base_file_url(os.environ["WRSE_API_FILE_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    return app


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    build().run_polling(allowed_updates=["message"], drop_pending_updates=False)


if __name__ == "__main__":
    main()
