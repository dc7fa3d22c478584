"""registrants: assisted registration by a companion and the link code (issue 11)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


KINDS = ("needs_review", "duplicate_nik", "nik_mismatch", "help_requested")


def _kinds(values: tuple[str, ...]) -> None:
    """staff_flags.kind accepts these (the check of 0015)."""
    listed = ", ".join(repr(v) for v in values)
    with op.batch_alter_table("staff_flags") as batch:
        batch.drop_constraint(op.f("ck_staff_flags_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_staff_flags_kind"), f"kind IN ({listed})")


def upgrade() -> None:
    _kinds((*KINDS, "link_conflict"))  # an account that has its own registration
    # Plain ADD COLUMN and an index, no rebuild: on SQLite a rebuild of
    # registrants would cascade its assessments and flags away.
    op.add_column("registrants", sa.Column("assisted_by", sa.BigInteger(), nullable=True))
    op.add_column("registrants", sa.Column("consent_witness", sa.Text(), nullable=True))
    op.add_column("registrants", sa.Column("link_code_hash", sa.String(length=64), nullable=True))
    op.add_column(
        "registrants", sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        op.f("ix_registrants_link_code_hash"), "registrants", ["link_code_hash"], unique=True
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_registrants_link_code_hash"), table_name="registrants")
    for column in ("linked_at", "link_code_hash", "consent_witness", "assisted_by"):
        op.drop_column("registrants", column)
    op.execute("DELETE FROM staff_flags WHERE kind = 'link_conflict'")
    _kinds(KINDS)
