"""companion_areas and visits: the companions (pendamping) of issue 11

Which desa each companion accompanies, and her notes after a home visit (what
was said and agreed encrypted; date and obstacle codes in clear for reports).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ROLES = ("admin", "staff", "coordinator")
WITH_COMPANION = (*ROLES, "companion")


def _roles(values: tuple[str, ...]) -> None:
    """role_grants.role and role_invites.role accept these (the check of 0015)."""
    listed = ", ".join(repr(v) for v in values)
    for table in ("role_grants", "role_invites"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
            batch.create_check_constraint(op.f(f"ck_{table}_role"), f"role IN ({listed})")


def upgrade() -> None:
    _roles(WITH_COMPANION)
    op.create_table(
        "companion_areas",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("village_code", sa.String(length=16), nullable=False),
        sa.Column("assigned_by", sa.BigInteger(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "village_code", name=op.f("pk_companion_areas")),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registrant_id", sa.Integer(), nullable=False),
        sa.Column("companion_id", sa.BigInteger(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("talked", sa.Text(), nullable=True),
        sa.Column("obstacles", sa.JSON(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("next_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registrant_id"],
            ["registrants.id"],
            name=op.f("fk_visits_registrant_id_registrants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    op.create_index(op.f("ix_visits_registrant_id"), "visits", ["registrant_id"])
    op.create_index(op.f("ix_visits_companion_id"), "visits", ["companion_id"])
    op.create_index(op.f("ix_visits_visited_on"), "visits", ["visited_on"])


def downgrade() -> None:
    op.drop_index(op.f("ix_visits_visited_on"), table_name="visits")
    op.drop_index(op.f("ix_visits_companion_id"), table_name="visits")
    op.drop_index(op.f("ix_visits_registrant_id"), table_name="visits")
    op.drop_table("visits")
    op.drop_table("companion_areas")
    op.execute("DELETE FROM role_grants WHERE role = 'companion'")
    op.execute("DELETE FROM role_invites WHERE role = 'companion'")
    _roles(ROLES)
