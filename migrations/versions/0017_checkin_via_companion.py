"""checkins.via_companion: a check-in answered with her companion (issue 11)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ADD/DROP COLUMN, no table rebuild: on SQLite a rebuild of checkins
# would cascade its follow-ups away.
def upgrade() -> None:
    op.add_column("checkins", sa.Column("via_companion", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("checkins", "via_companion")
