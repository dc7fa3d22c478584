"""Telegram accounts the bot knows."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.db.engine import Database
from wrse_bot.db.models import User
from wrse_bot.i18n import LANGUAGES


async def ensure_user(s: AsyncSession, user_id: int, language: str | None = None) -> User:
    user = await s.get(User, user_id)
    if user is None:
        # Indonesian unless her Telegram app asks for a language we have.
        lang = language if language in LANGUAGES else "id"
        user = User(id=user_id, language=lang)
        s.add(user)
        await s.flush()
    return user


async def language_of(s: AsyncSession, user_id: int) -> str:
    return await s.scalar(select(User.language).where(User.id == user_id)) or "id"


async def set_reachable(db: Database, user_id: int, reachable: bool) -> None:
    """She blocked the bot (403s follow) or came back: later sends follow suit."""
    async with db.transaction() as s:
        await s.execute(update(User).where(User.id == user_id).values(unreachable=not reachable))
