"""A local Telegram Bot API emulator for end-to-end tests, benchmarks and the terminal demo.

The real PTB ``Application`` talks to it over HTTP exactly as it talks to api.telegram.org::

    async with BotApiEmulator() as emu:
        app = (ApplicationBuilder().token(emu.token).base_url(emu.base_url)
               .base_file_url(emu.base_file_url).build())
        siti = emu.user(1001, "Siti")
        ...  # start polling, then: reply = await siti.ask("/start")

Everything (HTTP handlers and the test-side control API) runs on one event loop, so the
control API needs no locking; waiting is done with asyncio.Event, never with sleep loops.
"""

from wrse_bot.devtools.emulator.server import BotApiEmulator
from wrse_bot.devtools.emulator.state import REPLY_KINDS, BotMessage, EmulatorStats, UploadedFile
from wrse_bot.devtools.emulator.users import FakeUser

__all__ = [
    "REPLY_KINDS",
    "BotApiEmulator",
    "BotMessage",
    "EmulatorStats",
    "FakeUser",
    "UploadedFile",
]
