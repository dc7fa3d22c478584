"""At most ``WRSE_NIK_TRIES_PER_DAY`` different NIKs per account per WIB day.

Whether a NIK is registered is never said (services/registration.py), but a
person could still learn something by trying NIK after NIK; this bounds it
(issue 9). Only the NIK's keyed hash is kept, and only for today and
yesterday: older rows are pruned as new ones arrive.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot import crypto
from wrse_bot.clock import today_wib
from wrse_bot.db.models import NikAttempt
from wrse_bot.domain.text import N_
from wrse_bot.forms.engine import Problem
from wrse_bot.forms.model import Answers

TOO_MANY_NIKS = N_(
    "You have typed several different NIKs today. To keep everyone's "
    "data safe, please try again tomorrow, or ask an officer for help."
)


async def allow(s: AsyncSession, limit: int, user_id: int, nik: str) -> bool:
    """Record ``nik`` for her today; False if it would be one too many."""
    nik_hash = crypto.protector().nik_hash(nik)
    today = today_wib()
    await s.execute(delete(NikAttempt).where(NikAttempt.day < today - timedelta(days=1)))
    tried = set(
        await s.scalars(
            select(NikAttempt.nik_hash).where(
                NikAttempt.user_id == user_id, NikAttempt.day == today
            )
        )
    )
    if nik_hash in tried:
        return True  # the same NIK again (a typo elsewhere fixed) costs nothing
    if len(tried) >= limit:
        return False
    s.add(NikAttempt(user_id=user_id, day=today, nik_hash=nik_hash))
    return True


async def refuse_new_nik(
    s: AsyncSession, limit: int, user_id: int, before: Answers, after: Answers
) -> Problem | None:
    """A form's check (FormSpec.check): a NIK just typed that differs from the
    one she had counts against today's limit for this account."""
    nik = after.get("nik")
    if nik and nik != before.get("nik") and not await allow(s, limit, user_id, nik):
        return Problem(TOO_MANY_NIKS)
    return None
