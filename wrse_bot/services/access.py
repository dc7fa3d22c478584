"""Who holds which role: one-time invites, grants, revocation, the list.

Admins come from ``WRSE_ADMIN_IDS`` and are never stored; staff (petugas) and
coordinators (koordinator) are ``RoleGrant`` rows, one role per person. An
invite code is claimed with a conditional UPDATE inside the transaction that
grants the role, so a double tap or two people racing for one link can use it
once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Invite, RoleGrant, StaffDraft
from wrse_bot.services.roles import Role, audit
from wrse_bot.services.updates import claim_update

# Roles an admin can hand out; admin itself only comes from the environment.
GRANTABLE = (Role.STAFF, Role.COORDINATOR)
# token_urlsafe(16) -> 22 characters; "inv_" + code stays far below Telegram's
# 64-character limit for the /start parameter.
CODE_BYTES = 16
CODE_PATTERN = r"[A-Za-z0-9_-]{16,48}"


@dataclass(frozen=True)
class InviteCreated:
    code: str
    role: Role
    expires_at: datetime


AcceptStatus = Literal[
    "granted",  # the role is hers now
    "already",  # she opened the link she already used: nothing changes
    "admin",  # an admin opened it: stays admin, the code stays unused for the invitee
    "expired",
    "used",  # someone else used it
    "unknown",  # never issued (or mistyped)
    "duplicate_update",  # a redelivered update: handled before
]


@dataclass(frozen=True)
class AcceptResult:
    status: AcceptStatus
    role: Role | None = None


@dataclass(frozen=True)
class Grant:
    user_id: int
    role: Role
    granted_at: datetime
    granted_by: int | None


@dataclass(frozen=True)
class RolesView:
    admins: tuple[int, ...]
    grants: tuple[Grant, ...]


RevokeStatus = Literal["revoked", "gone", "duplicate_update"]


@dataclass(frozen=True)
class RevokeResult:
    status: RevokeStatus
    role: Role | None = None


class AccessService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def create_invite(
        self, actor_id: int, role: Role, update_id: int | None
    ) -> InviteCreated | None:
        """A fresh one-time code; None when this update was already handled."""
        if role not in GRANTABLE:
            raise ValueError(f"role {role!r} cannot be granted by invite")
        expires_at = now() + timedelta(hours=self.settings.invite_ttl_hours)
        code = secrets.token_urlsafe(CODE_BYTES)
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return None
            s.add(Invite(code=code, role=role.value, created_by=actor_id, expires_at=expires_at))
            audit(s, actor_id, "invite_created", detail=role.value)
        return InviteCreated(code=code, role=role, expires_at=expires_at)

    async def accept_invite(self, user_id: int, code: str, update_id: int | None) -> AcceptResult:
        if user_id in self.settings.admin_ids:
            # An admin testing the link stays admin; the code is left for the invitee.
            return AcceptResult("admin", Role.ADMIN)
        at = now()
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return AcceptResult("duplicate_update")
            claimed = await s.execute(
                update(Invite)
                .where(Invite.code == code, Invite.used_at.is_(None), Invite.expires_at > at)
                .values(used_by=user_id, used_at=at)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return await self._refusal(s, user_id, code, at)
            invite = await s.get(Invite, code)
            assert invite is not None
            role = Role(invite.role)
            await _upsert_grant(s, user_id, role, invite.created_by, at)
            audit(s, user_id, "role_granted", detail=f"{role.value} invited by {invite.created_by}")
        return AcceptResult("granted", role)

    async def _refusal(
        self, s: AsyncSession, user_id: int, code: str, at: datetime
    ) -> AcceptResult:
        invite = await s.get(Invite, code)
        if invite is None:
            status: AcceptStatus = "unknown"
        elif invite.used_at is not None and invite.used_by == user_id:
            held = await s.scalar(select(RoleGrant.role).where(RoleGrant.user_id == user_id))
            if held is not None:
                return AcceptResult("already", Role(held))
            status = "used"  # she used it once, and the role was revoked since
        elif invite.used_at is not None:
            status = "used"
        else:
            status = "expired"
        audit(s, user_id, "invite_refused", detail=status)
        return AcceptResult(status)

    async def roles(self) -> RolesView:
        async with self.db.sessions() as s:
            rows = (await s.scalars(select(RoleGrant).order_by(RoleGrant.granted_at))).all()
        return RolesView(
            admins=tuple(sorted(self.settings.admin_ids)),
            grants=tuple(Grant(r.user_id, Role(r.role), r.granted_at, r.granted_by) for r in rows),
        )

    async def grant_of(self, user_id: int) -> Grant | None:
        async with self.db.sessions() as s:
            row = await s.get(RoleGrant, user_id)
        return Grant(row.user_id, Role(row.role), row.granted_at, row.granted_by) if row else None

    async def revoke(
        self, actor_id: int, user_id: int, role: Role, update_id: int | None
    ) -> RevokeResult:
        """Remove her grant (only if it is still ``role``): takes effect at once,
        since every staff command checks the role in the database. Her open
        staff forms go with it."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return RevokeResult("duplicate_update")
            gone = await s.execute(
                delete(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == role.value)
            )
            if gone.rowcount != 1:  # type: ignore[attr-defined]
                return RevokeResult("gone")
            await s.execute(delete(StaffDraft).where(StaffDraft.user_id == user_id))
            audit(s, actor_id, "role_revoked", detail=f"{role.value} of {user_id}")
        return RevokeResult("revoked", role)


async def _upsert_grant(
    s: AsyncSession, user_id: int, role: Role, granted_by: int, at: datetime
) -> None:
    """One role per person: a new invite replaces the role she had."""
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(RoleGrant).values(
        user_id=user_id, role=role.value, granted_by=granted_by, granted_at=at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id"],
        set_={"role": role.value, "granted_by": granted_by, "granted_at": at},
    )
    await s.execute(stmt)
