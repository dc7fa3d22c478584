"""checkins loses step, rev and prompted_rev; active_forms.form is checked

The check-in's question, revision and owed prompt live in ``active_forms``
since the one form engine (0011): these three columns of ``checkins`` are
written and read by nothing. They go with plain ``ALTER TABLE ... DROP
COLUMN`` (SQLite 3.35 and later), not a batch rebuild: on SQLite, dropping
the old ``checkins`` would cascade its ``follow_ups`` away.

``active_forms.form`` accepts only the name of a form (``FormName``), as the
status columns do (0015). Nothing references ``active_forms``, so the table
rebuild SQLite needs to add a CHECK loses nothing. The names are written out
here, not imported: this revision is history. A row naming no form stops
the upgrade with the names found.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 02:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FORMS = (
    "intake",
    "checkin",
    "checkin_via",
    "class",
    "class_edit",
    "broadcast",
    "vf_reason",
    "fu_note",
    "invite",
    "aid",
    "areas",
    "visit",
    "assisted",
)
CHECK = f"form IN ({', '.join(repr(f) for f in FORMS)})"
LEFTOVERS = ("step", "rev", "prompted_rev")


def upgrade() -> None:
    for column in LEFTOVERS:
        op.drop_column("checkins", column)
    unknown = op.get_bind().execute(
        sa.text(f"SELECT DISTINCT form FROM active_forms WHERE NOT ({CHECK})")
    )
    found = sorted(unknown.scalars())
    if found:
        raise RuntimeError(f"Cannot check active_forms.form: no form is named {found}.")
    with op.batch_alter_table("active_forms") as batch:
        batch.create_check_constraint(op.f("ck_active_forms_form"), CHECK)


def downgrade() -> None:
    with op.batch_alter_table("active_forms") as batch:
        batch.drop_constraint(op.f("ck_active_forms_form"), type_="check")
    op.add_column("checkins", sa.Column("step", sa.String(length=24), nullable=True))
    op.add_column(
        "checkins", sa.Column("rev", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column(
        "checkins",
        sa.Column("prompted_rev", sa.Integer(), server_default=sa.text("-1"), nullable=False),
    )
