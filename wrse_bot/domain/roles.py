"""Who someone is to the bot (RoleGrant.role, Invite.role). Admins come from
``WRSE_ADMIN_IDS`` and are never stored; the enum names them all the same."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"  # petugas
    COORDINATOR = "coordinator"  # koordinator
    COMPANION = "companion"  # pendamping: TKSK, PSM or kader, for the desa assigned to her
