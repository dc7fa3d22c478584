"""registrants.more_answers: answers to intake questions without a column

A question of the intake with a review label (wrse_bot/forms/intake.py) is
filed here, as one encrypted document, so adding a question needs no schema
change (issue 10).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrants") as batch:
        batch.add_column(sa.Column("more_answers", sa.Text(), nullable=True))  # encrypted JSON


def downgrade() -> None:
    with op.batch_alter_table("registrants") as batch:
        batch.drop_column("more_answers")
