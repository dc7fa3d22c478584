"""registrants: assisted registration by a companion and the link code (issue 11)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrants") as batch:
        batch.add_column(sa.Column("assisted_by", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("consent_witness", sa.Text(), nullable=True))
        batch.add_column(sa.Column("link_code_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint(
            batch.f("uq_registrants_link_code_hash"), ["link_code_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("registrants") as batch:
        batch.drop_constraint(batch.f("uq_registrants_link_code_hash"), type_="unique")
        batch.drop_column("linked_at")
        batch.drop_column("link_code_hash")
        batch.drop_column("consent_witness")
        batch.drop_column("assisted_by")
