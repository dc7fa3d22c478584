"""Who may do what. Checked on the server at the moment a command runs;
Telegram's command menus are a convenience, never a permission."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import AuditEvent, RoleGrant
from wrse_bot.domain.roles import Role

# Admins can do everything staff and coordinators can.
STAFF = frozenset({Role.ADMIN, Role.STAFF})
COORDINATORS = frozenset({Role.ADMIN, Role.COORDINATOR})
ADMINS = frozenset({Role.ADMIN})
# A companion sees only the women of the desa an admin assigned her
# (services/companions.py); admins have no desa, so the caseload is hers alone.
COMPANIONS = frozenset({Role.COMPANION})
# Who sees women's phone numbers: officers call them (they run the classes,
# check registrations, answer help requests), and admins can do what officers
# can. Coordinators work with numbers and follow-ups in aggregate: the phone
# is masked for them (UU 27/2022: only who needs it). See the README's table.
CALLERS = frozenset({Role.ADMIN, Role.STAFF})


def sees_phone(role: Role | None) -> bool:
    return role in CALLERS


async def role_of(db: Database, settings: Settings, user_id: int) -> Role | None:
    async with db.sessions() as s:
        return await role_in(s, user_id, settings=settings)


async def role_in(s: AsyncSession, user_id: int, *, settings: Settings) -> Role | None:
    """Her role, read in the caller's transaction (a form checks it on every input)."""
    if user_id in settings.admin_ids:
        return Role.ADMIN
    role = await s.scalar(select(RoleGrant.role).where(RoleGrant.user_id == user_id))
    return Role(role) if role else None


def audit(
    s: AsyncSession,
    actor_id: int | None,
    action: str,
    *,
    registrant_id: int | None = None,
    detail: str | None = None,
) -> None:
    """Record who touched personal data or tried what (never the data itself)."""
    s.add(AuditEvent(actor_id=actor_id, action=action, registrant_id=registrant_id, detail=detail))


async def audit_now(db: Database, actor_id: int | None, action: str, **kwargs: object) -> None:
    async with db.transaction() as s:
        audit(s, actor_id, action, **kwargs)  # type: ignore[arg-type]
