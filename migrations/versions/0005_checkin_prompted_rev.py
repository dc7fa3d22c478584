"""check-in prompted rev: a question saved but never sent is owed

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 00:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prompted_rev", sa.Integer(), server_default=sa.text("-1"), nullable=False)
        )
    # Questions already open were delivered (or are past knowing): owe none.
    op.execute("UPDATE checkins SET prompted_rev = rev")


def downgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("prompted_rev")
