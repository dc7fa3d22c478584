"""A bare PTB echo bot: the benchmark baseline and the emulator's self-test subject."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

if TYPE_CHECKING:
    from wrse_bot.devtools.emulator import BotApiEmulator


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def build_echo_application(emulator: BotApiEmulator) -> Application:  # type: ignore[type-arg]
    """An Application wired to ``emulator`` that answers every text with the same text."""
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    return app
