"""her registration runs on the form engine: drafts move into active_forms

Every registration in progress (``registration_drafts``) becomes her intake row
in ``active_forms`` with the same step, revision, answers (the ciphertext as
it is), misses and delivered revision, so she goes on where she was and a
button she still has keeps its meaning. A change to a sent registration keeps
its registration as the row's subject. If another form of hers is open, that
one keeps her messages and her registration waits, paused (as before, when the
open form came first). Then ``registration_drafts`` is dropped.

Only a draft changing one answer from the review stores its answers before
the change differently (``_before_edit`` then, ``__editing__`` now): those few
are decrypted and written again, with the configured WRSE_SECRET_KEY.

The downgrade recreates ``registration_drafts`` and moves the intake rows back.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 02:40:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTAKE = "intake"
OLD_EDIT, NEW_EDIT = "_before_edit", "__editing__"

drafts = sa.table(
    "registration_drafts",
    sa.column("user_id", sa.BigInteger),
    sa.column("step", sa.String),
    sa.column("answers", sa.Text),
    sa.column("history", sa.JSON),
    sa.column("editing", sa.Boolean),
    sa.column("paused", sa.Boolean),
    sa.column("misses", sa.Integer),
    sa.column("rev", sa.Integer),
    sa.column("prompted_rev", sa.Integer),
    sa.column("registrant_id", sa.Integer),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
forms = sa.table(
    "active_forms",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.BigInteger),
    sa.column("form", sa.String),
    sa.column("subject", sa.Integer),
    sa.column("step", sa.String),
    sa.column("rev", sa.Integer),
    sa.column("prompted_rev", sa.Integer),
    sa.column("misses", sa.Integer),
    sa.column("answers", sa.Text),
    sa.column("paused", sa.Boolean),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _protector() -> Any:
    # As in 0007: the one place a migration needs application code, the key.
    from wrse_bot import crypto
    from wrse_bot.config import ConfigError, load_settings
    from wrse_bot.services.keys import configure_keys

    p = crypto.configured() or configure_keys(load_settings())
    if p is None:
        raise ConfigError("WRSE_SECRET_KEY is needed to move the registrations in progress")
    return p


def _rewrite(token: str, change: Any) -> str:
    p = _protector()
    return p.encrypt(json.dumps(change(json.loads(p.decrypt(token))), separators=(",", ":")))


def _to_engine(answers: dict[str, Any]) -> dict[str, Any]:
    before = answers.pop(OLD_EDIT, None)
    if isinstance(before, dict):
        answers[NEW_EDIT] = before
    return answers


def _to_draft(answers: dict[str, Any]) -> dict[str, Any]:
    before = answers.pop(NEW_EDIT, None)
    if isinstance(before, dict):
        answers[OLD_EDIT] = before
    return answers


def upgrade() -> None:
    bind = op.get_bind()
    busy = sa.select(forms.c.user_id).where(forms.c.paused.is_(False))
    paused = sa.case((drafts.c.paused | drafts.c.user_id.in_(busy), sa.true()), else_=sa.false())
    moved = sa.select(
        drafts.c.user_id,
        sa.literal(INTAKE),
        drafts.c.registrant_id,
        drafts.c.step,
        drafts.c.rev,
        drafts.c.prompted_rev,
        drafts.c.misses,
        drafts.c.answers,
        paused,
        drafts.c.updated_at,
    )
    columns = [
        "user_id",
        "form",
        "subject",
        "step",
        "rev",
        "prompted_rev",
        "misses",
        "answers",
        "paused",
        "updated_at",
    ]
    bind.execute(sa.insert(forms).from_select(columns, moved))
    editing = bind.execute(
        sa.select(drafts.c.user_id, drafts.c.answers).where(drafts.c.editing.is_(True))
    ).all()
    for user_id, token in editing:
        bind.execute(
            sa.update(forms)
            .where(forms.c.user_id == user_id, forms.c.form == INTAKE)
            .values(answers=_rewrite(token, _to_engine))
        )
    op.drop_table("registration_drafts")


def downgrade() -> None:
    op.create_table(
        "registration_drafts",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("editing", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("prompted_rev", sa.Integer(), nullable=False),
        sa.Column("registrant_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_update_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registrant_id"],
            ["registrants.id"],
            name=op.f("fk_registration_drafts_registrant_id_registrants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_registration_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_registration_drafts")),
    )
    bind = op.get_bind()
    users = sa.table("users", sa.column("id", sa.BigInteger))
    rows = bind.execute(
        sa.select(forms).where(forms.c.form == INTAKE, forms.c.user_id.in_(sa.select(users.c.id)))
    ).all()
    for row in rows:
        plain = json.loads(_protector().decrypt(row.answers)) if row.answers else {}
        editing = NEW_EDIT in plain
        answers = _protector().encrypt(json.dumps(_to_draft(plain), separators=(",", ":")))
        bind.execute(
            sa.insert(drafts).values(
                user_id=row.user_id,
                step=row.step or "consent",
                answers=answers,
                history=[],
                editing=editing,
                paused=row.paused,
                misses=row.misses,
                rev=row.rev,
                prompted_rev=row.prompted_rev,
                registrant_id=row.subject,
                updated_at=row.updated_at,
            )
        )
    bind.execute(sa.delete(forms).where(forms.c.form == INTAKE))
