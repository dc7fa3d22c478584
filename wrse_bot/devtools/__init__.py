"""Developer tools: a local Telegram Bot API emulator, a terminal chat and test helpers."""

from wrse_bot.devtools.emulator import REPLY_KINDS, BotApiEmulator, BotMessage, FakeUser
from wrse_bot.devtools.harness import polling

__all__ = ["REPLY_KINDS", "BotApiEmulator", "BotMessage", "FakeUser", "polling"]
