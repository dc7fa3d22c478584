"""Companions (pendamping) and the desa they accompany (issue 11).

A companion sees only the women whose registration names a desa an admin
assigned her (``companion_areas``). Every check goes through here, on the
server, for every command, button and form input. ``village_code`` is encrypted
at rest, so SQL narrows by the kecamatan (in clear) and the desa is compared
after decryption; a look at a woman of another desa is refused and audit-logged.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.db.models import CompanionArea, Registrant, RoleGrant
from wrse_bot.domain.places import Places, load_places
from wrse_bot.services.audience import WITHDRAWN
from wrse_bot.services.roles import Role, audit

REFUSED = "companion:refused"  # a look outside her desa (forged or out of date)


async def areas_of(s: AsyncSession, companion_id: int) -> frozenset[str]:
    found = await s.scalars(
        select(CompanionArea.village_code).where(CompanionArea.user_id == companion_id)
    )
    return frozenset(found)


async def companions(s: AsyncSession) -> list[tuple[int, frozenset[str]]]:
    """Every companion, with her desa (oldest grant first)."""
    ids = await s.scalars(
        select(RoleGrant.user_id)
        .where(RoleGrant.role == Role.COMPANION.value)
        .order_by(RoleGrant.granted_at, RoleGrant.user_id)
    )
    return [(uid, await areas_of(s, uid)) for uid in ids]


async def is_companion(s: AsyncSession, user_id: int) -> bool:
    role = await s.scalar(select(RoleGrant.role).where(RoleGrant.user_id == user_id))
    return role == Role.COMPANION.value


async def set_areas(
    s: AsyncSession,
    actor_id: int,
    companion_id: int,
    kecamatan_code: str,
    villages: Iterable[str],
    places: Places | None = None,
) -> frozenset[str]:
    """Her desa within one kecamatan become ``villages`` (those elsewhere stay);
    returns all her desa. Audit-logged with the desa codes (no woman's data)."""
    places = places or load_places()
    inside = {p.code for p in places.villages(kecamatan_code)}
    chosen = set(villages) & inside
    await s.execute(
        delete(CompanionArea).where(
            CompanionArea.user_id == companion_id, CompanionArea.village_code.in_(inside)
        )
    )
    for code in sorted(chosen):
        s.add(CompanionArea(user_id=companion_id, village_code=code, assigned_by=actor_id))
    await s.flush()
    audit(
        s,
        actor_id,
        "companion:areas",
        detail=f"{companion_id} {kecamatan_code}: {','.join(sorted(chosen)) or '-'}",
    )
    return await areas_of(s, companion_id)


async def women_of(s: AsyncSession, companion_id: int, places: Places | None = None) -> list[int]:
    """Registration ids of the women in her desa (live registrations only), by id."""
    areas = await areas_of(s, companion_id)
    if not areas:
        return []
    places = places or load_places()
    kecamatan = {places.get(v).parent_code for v in areas if v in places}
    rows = await s.execute(
        select(Registrant.id, Registrant.village_code)
        .where(
            Registrant.kecamatan_code.in_(kecamatan),
            Registrant.status.not_in(WITHDRAWN),
            Registrant.full_name.is_not(None),
        )
        .order_by(Registrant.id)
    )
    return [rid for rid, village in rows if village in areas]


async def may_see(
    s: AsyncSession, companion_id: int, registrant_id: int | None, *, what: str
) -> bool:
    """Whether this woman lives in one of her desa; if not, the attempt is
    audit-logged (``what`` names the command or button)."""
    reg = await s.get(Registrant, registrant_id) if registrant_id is not None else None
    live = reg is not None and reg.status not in WITHDRAWN and reg.full_name
    if live and reg is not None and reg.village_code in await areas_of(s, companion_id):
        return True
    audit(s, companion_id, REFUSED, registrant_id=registrant_id, detail=what)
    return False


async def companion_of(s: AsyncSession, user_id: int | None) -> int | None:
    """The companion of the desa this woman (her Telegram id) lives in: the one
    assigned there first. None when her desa has no companion."""
    if user_id is None:
        return None
    village = await s.scalar(
        select(Registrant.village_code).where(
            Registrant.user_id == user_id, Registrant.status.not_in(WITHDRAWN)
        )
    )
    if village is None:
        return None
    return await s.scalar(
        select(CompanionArea.user_id)
        .join(RoleGrant, RoleGrant.user_id == CompanionArea.user_id)
        .where(CompanionArea.village_code == village, RoleGrant.role == Role.COMPANION.value)
        .order_by(CompanionArea.assigned_at, CompanionArea.user_id)
        .limit(1)
    )
