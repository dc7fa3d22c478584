"""nik attempts: at most N different NIKs per account per day (no oracle)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nik_attempts",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("nik_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "day", "nik_hash", name=op.f("pk_nik_attempts")),
    )
    op.create_index(op.f("ix_nik_attempts_day"), "nik_attempts", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_nik_attempts_day"), table_name="nik_attempts")
    op.drop_table("nik_attempts")
