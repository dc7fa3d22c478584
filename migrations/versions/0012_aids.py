"""aids: business aid (bantuan stimulan) recorded for one woman (issue 11)

Kind, value and date in clear (reports sum them in SQL); what "other" aid was
and why a second one of a kind was given are encrypted.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:59:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registrant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("kind_other", sa.Text(), nullable=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("repeat_reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_aids_class_id_classes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["registrant_id"],
            ["registrants.id"],
            name=op.f("fk_aids_registrant_id_registrants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aids")),
    )
    op.create_index(op.f("ix_aids_registrant_id"), "aids", ["registrant_id"])
    op.create_index(op.f("ix_aids_given_on"), "aids", ["given_on"])


def downgrade() -> None:
    op.drop_index(op.f("ix_aids_given_on"), table_name="aids")
    op.drop_index(op.f("ix_aids_registrant_id"), table_name="aids")
    op.drop_table("aids")
