"""outbox: diverted rows and the companions' daily digest; placeholder
accounts for the women registered without Telegram (issue 11)

* ``outbox.kind`` gains ``digest``, ``outbox.status`` gains ``diverted``; two
  plain columns: ``digest_id`` (the digest that listed a diverted row) and
  ``told_at`` (when her companion recorded that she told her).
* Every live assisted registration without an account gets its placeholder
  account (id = minus the registration's id, wrse_bot/domain/placeholders.py),
  so she can be enrolled and reached like anyone else.

Downgrade removes the placeholders and what only they held (their places,
check-ins and outbox rows); the registrations stay, without an account.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("notice", "reminder", "checkin", "broadcast", "report", "staff_help", "aid")
STATUSES = ("pending", "sent", "blocked", "failed", "skipped", "cancelled")


def _checks(kinds: tuple[str, ...], statuses: tuple[str, ...]) -> None:
    """outbox.kind and outbox.status accept these. SQLite rebuilds the table:
    safe, no foreign key points at the outbox."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("ck_outbox_kind"), type_="check")
        batch.drop_constraint(op.f("ck_outbox_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_outbox_kind"), f"kind IN ({', '.join(repr(v) for v in kinds)})"
        )
        batch.create_check_constraint(
            op.f("ck_outbox_status"), f"status IN ({', '.join(repr(v) for v in statuses)})"
        )


def upgrade() -> None:
    op.add_column("outbox", sa.Column("digest_id", sa.Integer(), nullable=True))
    op.add_column("outbox", sa.Column("told_at", sa.DateTime(timezone=True), nullable=True))
    _checks((*KINDS, "digest"), (*STATUSES, "diverted"))
    op.create_index(op.f("ix_outbox_digest_id"), "outbox", ["digest_id"], unique=False)
    waiting = (
        "FROM registrants WHERE user_id IS NULL AND assisted_by IS NOT NULL "
        "AND status <> 'deleted'"
    )
    op.execute(
        "INSERT INTO users (id, language, created_at, unreachable, announcements) "
        f"SELECT -id, 'id', created_at, false, true {waiting}"
    )
    op.execute(
        "UPDATE registrants SET user_id = -id WHERE user_id IS NULL "
        "AND assisted_by IS NOT NULL AND status <> 'deleted'"
    )


def downgrade() -> None:
    placeholder_places = "SELECT id FROM enrolments WHERE user_id < 0"
    placeholder_checkins = "SELECT id FROM checkins WHERE user_id < 0"
    op.execute(f"DELETE FROM follow_ups WHERE checkin_id IN ({placeholder_checkins})")
    op.execute("DELETE FROM checkins WHERE user_id < 0")
    op.execute(f"DELETE FROM session_rsvps WHERE enrolment_id IN ({placeholder_places})")
    op.execute(f"DELETE FROM attendance WHERE enrolment_id IN ({placeholder_places})")
    op.execute("DELETE FROM enrolments WHERE user_id < 0")
    op.execute("DELETE FROM active_forms WHERE user_id < 0")
    op.execute("DELETE FROM outbox WHERE user_id < 0 OR kind = 'digest'")
    op.execute("UPDATE outbox SET status = 'cancelled' WHERE status = 'diverted'")
    op.execute("UPDATE registrants SET user_id = NULL WHERE user_id < 0")
    op.execute("UPDATE staff_flags SET user_id = NULL WHERE user_id < 0")
    op.execute("DELETE FROM consents WHERE user_id < 0")
    op.execute("DELETE FROM users WHERE id < 0")
    op.drop_index(op.f("ix_outbox_digest_id"), table_name="outbox")
    _checks(KINDS, STATUSES)
    op.drop_column("outbox", "told_at")
    op.drop_column("outbox", "digest_id")
