"""Blocking and unblocking the bot: later sends skip her, then reach her again."""

from __future__ import annotations

from sqlalchemy import select
from telegram.ext import Application

from wrse_bot.db.models import User
from wrse_bot.devtools.emulator import BotApiEmulator


async def unreachable(app: Application, user_id: int) -> bool | None:  # type: ignore[type-arg]
    async with app.bot_data.runtime.db.sessions() as s:
        return await s.scalar(select(User.unreachable).where(User.id == user_id))


async def test_blocking_marks_her_unreachable_and_unblocking_restores_her(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(3001)
    await siti.ask("/daftar")  # she is known to the bot
    emulator.block(3001)
    emulator.unblock(3001, notify=False)  # let a message through to sequence on
    await siti.ask("/bantuan")
    assert await unreachable(wrse, 3001) is True
    emulator.block(3001, notify=False)
    emulator.unblock(3001)
    await siti.ask("/bantuan")
    assert await unreachable(wrse, 3001) is False
