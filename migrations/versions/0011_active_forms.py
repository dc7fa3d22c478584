"""active forms: the form each person is filling in, and the ones she paused

One row per person and form (issue 10): the engine keeps the open question's
step and revision here, and the answers of forms that have no row of their
own, encrypted. A partial unique index keeps at most one open form a person.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "active_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=32), nullable=True),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("prompted_rev", sa.Integer(), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=True),  # encrypted JSON
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_active_forms")),
        sa.UniqueConstraint("user_id", "form", name="uq_active_forms_user_form"),
    )
    op.create_index(
        "ix_active_forms_open",
        "active_forms",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text("NOT paused"),
        postgresql_where=sa.text("NOT paused"),
    )


def downgrade() -> None:
    op.drop_index("ix_active_forms_open", table_name="active_forms")
    op.drop_table("active_forms")
