"""Who holds a follow-up (issue 11): a new one goes to the companion of her
desa first, who is told to look at /dampingan; a coordinator sees who holds
each and may take one over. Both are audit-logged."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.db.models import CheckIn, FollowUp
from wrse_bot.domain.statuses import OutboxKind
from wrse_bot.domain.text import N_
from wrse_bot.i18n import translator
from wrse_bot.services.companions import companion_of
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.roles import audit

TOLD = N_(
    "A woman of your desa needs a follow-up. Open /dampingan: she is marked "
    '"needs a visit"; your visit note closes it.'
)


async def to_companion(s: AsyncSession, follow_up: FollowUp) -> int | None:
    """Give a new follow-up to the companion of her desa, if she has one, and tell her."""
    user_id = await s.scalar(select(CheckIn.user_id).where(CheckIn.id == follow_up.checkin_id))
    companion = await companion_of(s, user_id)
    if companion is None:
        return None
    follow_up.assigned_to = companion
    await s.flush()
    audit(s, None, "follow_up:to_companion", detail=f"follow_up:{follow_up.id} {companion}")
    await enqueue(
        s,
        user_id=companion,
        text=translator()(TOLD),
        kind=OutboxKind.STAFF_HELP,  # staff told that a woman needs a person
        dedupe_key=f"follow_up:{follow_up.id}:companion",
    )
    return companion


async def take_over(s: AsyncSession, actor: int, follow_up_id: int) -> bool:
    """A coordinator takes an open follow-up someone else holds (a conditional UPDATE)."""
    held = await s.execute(
        update(FollowUp)
        .where(
            FollowUp.id == follow_up_id,
            FollowUp.resolved_at.is_(None),
            FollowUp.assigned_to.is_not(None),
            FollowUp.assigned_to != actor,
        )
        .values(assigned_to=actor)
        .execution_options(synchronize_session=False)
    )
    if held.rowcount != 1:  # type: ignore[attr-defined]
        return False
    audit(s, actor, "reassign_follow_up", detail=f"follow_up:{follow_up_id}")
    return True


async def resolve_by_visit(s: AsyncSession, companion: int, registrant_user: int | None) -> int:
    """Her open follow-ups this companion holds are resolved by the visit; how many."""
    if registrant_user is None:
        return 0
    checkins = select(CheckIn.id).where(CheckIn.user_id == registrant_user)
    done = await s.execute(
        update(FollowUp)
        .where(
            FollowUp.checkin_id.in_(checkins),
            FollowUp.assigned_to == companion,
            FollowUp.resolved_at.is_(None),
        )
        .values(resolved_at=now())
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
