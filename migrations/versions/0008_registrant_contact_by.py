"""registrant contact_by: a woman without a phone of her own can say so

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_by", sa.String(length=16), nullable=True))
    # Everyone registered so far gave a phone number.
    op.execute("UPDATE registrants SET contact_by = 'phone' WHERE phone IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("registrants", schema=None) as batch_op:
        batch_op.drop_column("contact_by")
