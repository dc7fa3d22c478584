"""Who holds which role: one-time invites, grants, revocation, the list.

Admins come from ``WRSE_ADMIN_IDS`` and are never stored; the others are
``RoleGrant`` rows, one role per person. An invite code is claimed with a
conditional UPDATE in the transaction that grants the role, so a double tap or
two people racing for one link use it once. The link is a bearer token: only
the code's SHA-256 is stored, and the admin who invited is told at once who
claimed it (with a button to revoke the role).
"""

from __future__ import annotations

import hashlib
import html
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.buttons import RoleButton
from wrse_bot.clock import now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, Invite, RoleGrant
from wrse_bot.domain.statuses import FormName, OutboxKind
from wrse_bot.domain.text import N_
from wrse_bot.domain.vocabulary import INVITE_ROLE_WORDS
from wrse_bot.forms import STAFF_FORMS
from wrse_bot.forms.model import Answers, Choice, Form, Question
from wrse_bot.i18n import translator
from wrse_bot.services.forms import FormSpec
from wrse_bot.services.notices import Tap, outbox_markup
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.roles import ADMINS, Role, audit
from wrse_bot.services.updates import claim_update
from wrse_bot.services.users import language_of

# Roles an admin can hand out; admin itself only comes from the environment.
GRANTABLE = (Role.STAFF, Role.COORDINATOR, Role.COMPANION)
# token_urlsafe(16) -> 22 characters; "inv_" + code stays far below Telegram's
# 64-character limit for the /start parameter.
CODE_BYTES = 16
CODE_PATTERN = r"[A-Za-z0-9_-]{16,48}"
ROLE_LABELS = {
    Role.ADMIN: N_("Admin"),
    Role.STAFF: N_("Officer"),
    Role.COORDINATOR: N_("Coordinator"),
    Role.COMPANION: N_("Companion"),
}
INVITE = FormName.INVITE
# /undang without a role: whom she invites, one question (``invite_spec`` makes the link).
INVITE_FORM = Form(
    INVITE,
    questions=(
        Question(
            "role",
            N_("Invite someone as what?"),
            choices=tuple(Choice(r.value, ROLE_LABELS[r]) for r in GRANTABLE),
            words=INVITE_ROLE_WORDS,
            example=N_("Please tap Officer, Coordinator or Companion."),
            back=False,
        ),
    ),
)
CLAIMED_NOTICE = N_(
    "{who} opened your invitation and is now <b>{role}</b>. If this is not the person "
    "you invited (a forwarded link), revoke the role now."
)


def code_hash(code: str) -> str:
    """What is stored of a code: enough to recognise it, useless to claim with."""
    return hashlib.sha256(code.encode("utf-8", errors="surrogatepass")).hexdigest()


@dataclass(frozen=True)
class InviteCreated:
    id: int
    code: str  # shown once, in the link; never stored
    role: Role
    expires_at: datetime


@dataclass(frozen=True)
class OpenInvite:  # nobody has used it yet, and it is still valid
    id: int
    role: Role
    created_by: int
    created_at: datetime
    expires_at: datetime


AcceptStatus = Literal[
    "granted",  # the role is hers now
    "already",  # she opened the link she already used: nothing changes
    "admin",  # an admin opened it: stays admin, the code stays unused for the invitee
    "expired",
    "withdrawn",  # the admin withdrew it before anyone used it
    "used",  # someone else used it
    "unknown",  # never issued (or mistyped)
    "duplicate_update",  # a redelivered update: handled before
]


RevokeStatus = Literal["revoked", "gone", "duplicate_update"]
WithdrawStatus = Literal["withdrawn", "gone", "duplicate_update"]


@dataclass(frozen=True)
class RoleResult:
    """Of opening an invitation, or of revoking a role: what happened, and the role."""

    status: AcceptStatus | RevokeStatus
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
    invites: tuple[OpenInvite, ...]  # unused, unexpired, not withdrawn: they still give a role


class AccessService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def create_invite(
        self, actor_id: int, role: Role, update_id: int | None
    ) -> InviteCreated | None:
        """A fresh one-time code; None when this update was already handled."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return None
            return await self._invite(s, actor_id, role)

    @property
    def invite_spec(self) -> FormSpec:
        """/undang without a role: the question (``INVITE_FORM``), then the link."""

        async def finish(s: AsyncSession, row: ActiveForm, answers: Answers) -> tuple[Any]:
            return (await self._invite(s, row.user_id, Role(answers["role"])),)

        return FormSpec(INVITE_FORM, finish=finish, roles=ADMINS)

    async def _invite(self, s: AsyncSession, actor_id: int, role: Role) -> InviteCreated:
        if role not in GRANTABLE:
            raise ValueError(f"role {role!r} cannot be granted by invite")
        expires_at = now() + timedelta(hours=self.settings.invite_ttl_hours)
        code = secrets.token_urlsafe(CODE_BYTES)
        invite = Invite(
            code_hash=code_hash(code), role=role.value, created_by=actor_id, expires_at=expires_at
        )
        s.add(invite)
        await s.flush()
        audit(s, actor_id, "invite_created", detail=f"{role.value} #{invite.id}")
        return InviteCreated(id=invite.id, code=code, role=role, expires_at=expires_at)

    async def accept_invite(
        self, user_id: int, code: str, update_id: int | None, *, name: str = ""
    ) -> RoleResult:
        """``name``: her Telegram name, for the notice to the admin who invited."""
        if user_id in self.settings.admin_ids:
            # An admin testing the link stays admin; the code is left for the invitee.
            return RoleResult("admin", Role.ADMIN)
        at = now()
        hashed = code_hash(code)
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return RoleResult("duplicate_update")
            claimed = await s.execute(
                update(Invite)
                .where(
                    Invite.code_hash == hashed,
                    Invite.used_at.is_(None),
                    Invite.revoked_at.is_(None),
                    Invite.expires_at > at,
                )
                .values(used_by=user_id, used_at=at)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return await self._refusal(s, user_id, hashed)
            invite = await s.scalar(select(Invite).where(Invite.code_hash == hashed))
            assert invite is not None
            role = Role(invite.role)
            await _upsert_grant(s, user_id, role, invite.created_by, at)
            audit(s, user_id, "role_granted", detail=f"{role.value} invited by {invite.created_by}")
            await self._tell_inviter(s, invite, user_id, name)
        return RoleResult("granted", role)

    async def _tell_inviter(self, s: AsyncSession, invite: Invite, user_id: int, name: str) -> None:
        """The admin learns who claimed the link, with a button to revoke the role."""
        t = translator(await language_of(s, invite.created_by))
        shown = html.escape(name.strip()[:64]) or str(user_id)
        who = f'<a href="tg://user?id={user_id}">{shown}</a>'
        text = t(CLAIMED_NOTICE).format(
            who=who, role=html.escape(t(ROLE_LABELS[Role(invite.role)]))
        )
        revoke = Tap(
            N_("Revoke the role of {who}"),
            RoleButton("rv", user_id),
            {"who": name.strip()[:32] or user_id},
        )
        await enqueue(
            s,
            user_id=invite.created_by,
            text=text,
            kind=OutboxKind.NOTICE,
            parse_mode="HTML",
            reply_markup=outbox_markup(((revoke,),), t),
            dedupe_key=f"invite-claimed:{invite.id}",
        )

    async def _refusal(self, s: AsyncSession, user_id: int, hashed: str) -> RoleResult:
        invite = await s.scalar(select(Invite).where(Invite.code_hash == hashed))
        if invite is None:
            status: AcceptStatus = "unknown"
        elif invite.used_at is not None and invite.used_by == user_id:
            held = await s.scalar(select(RoleGrant.role).where(RoleGrant.user_id == user_id))
            if held is not None:
                return RoleResult("already", Role(held))
            status = "used"  # she used it once, and the role was revoked since
        elif invite.used_at is not None:
            status = "used"
        elif invite.revoked_at is not None:
            status = "withdrawn"
        else:
            status = "expired"
        audit(s, user_id, "invite_refused", detail=status)
        return RoleResult(status)

    async def roles(self) -> RolesView:
        async with self.db.sessions() as s:
            grants = await s.scalars(select(RoleGrant).order_by(RoleGrant.granted_at))
            invites = await s.scalars(
                select(Invite)
                .where(
                    Invite.used_at.is_(None),
                    Invite.revoked_at.is_(None),
                    Invite.expires_at > now(),
                )
                .order_by(Invite.id)
            )
            return RolesView(
                admins=tuple(sorted(self.settings.admin_ids)),
                grants=tuple(_grant(r) for r in grants),
                invites=tuple(
                    OpenInvite(r.id, Role(r.role), r.created_by, r.created_at, r.expires_at)
                    for r in invites
                ),
            )

    async def withdraw_invite(
        self, actor_id: int, invite_id: int, update_id: int | None
    ) -> WithdrawStatus:
        """The link stops working at once, if nobody has used it yet."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return "duplicate_update"
            gone = await s.execute(
                update(Invite)
                .where(
                    Invite.id == invite_id, Invite.used_at.is_(None), Invite.revoked_at.is_(None)
                )
                .values(revoked_at=now())
            )
            if gone.rowcount != 1:  # type: ignore[attr-defined]
                return "gone"
            audit(s, actor_id, "invite_withdrawn", detail=f"#{invite_id}")
        return "withdrawn"

    async def grant_of(self, user_id: int) -> Grant | None:
        async with self.db.sessions() as s:
            row = await s.get(RoleGrant, user_id)
        return _grant(row) if row else None

    async def revoke(
        self, actor_id: int, user_id: int, role: Role, update_id: int | None
    ) -> RoleResult:
        """Remove her grant (only if it is still ``role``): takes effect at once,
        since every staff command checks the role in the database. Her open
        staff forms go with it."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return RoleResult("duplicate_update")
            gone = await s.execute(
                delete(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == role.value)
            )
            if gone.rowcount != 1:  # type: ignore[attr-defined]
                return RoleResult("gone")
            await s.execute(
                delete(ActiveForm).where(
                    ActiveForm.user_id == user_id, ActiveForm.form.in_(STAFF_FORMS)
                )
            )
            audit(s, actor_id, "role_revoked", detail=f"{role.value} of {user_id}")
        return RoleResult("revoked", role)


def _grant(row: RoleGrant) -> Grant:
    return Grant(row.user_id, Role(row.role), row.granted_at, row.granted_by)


async def _upsert_grant(
    s: AsyncSession, user_id: int, role: Role, granted_by: int, at: datetime
) -> None:
    """One role per person: a new invite replaces the role she had."""
    insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    values = {"role": role.value, "granted_by": granted_by, "granted_at": at}
    stmt = insert(RoleGrant).values(user_id=user_id, **values)
    await s.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=values))
