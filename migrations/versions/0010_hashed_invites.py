"""hashed invites: role_invites keeps only the SHA-256 of each invitation code

An invitation link is a bearer token; the database no longer holds it. Every
existing code is hashed on the way (an unused one keeps working, since the
link carries the code). Invites get an id (for "withdraw" buttons) and a
revoked_at. The downgrade cannot recover a code: the old rows come back with
the hash in place of the code and expired, so an unused link stops working.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:00:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPIED = "role, created_by, created_at, expires_at, used_by, used_at"


def _common() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "role_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        *_common(),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_role_invites_code_hash")),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT code, {COPIED} FROM invites ORDER BY created_at"))
    for row in rows.mappings().all():
        values = dict(row)
        values["code_hash"] = hashlib.sha256(values.pop("code").encode()).hexdigest()
        conn.execute(
            sa.text(
                f"INSERT INTO role_invites (code_hash, {COPIED}) VALUES (:code_hash, "
                ":role, :created_by, :created_at, :expires_at, :used_by, :used_at)"
            ),
            values,
        )
    op.drop_table("invites")


def downgrade() -> None:
    op.create_table(
        "invites",
        sa.Column("code", sa.String(length=48), nullable=False),
        *_common(),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_invites")),
    )
    # The codes are gone for good: the rows keep who invited whom, and no
    # unused one can be claimed any more (expired at its creation).
    op.execute(
        "INSERT INTO invites (code, role, created_by, created_at, expires_at, used_by, used_at) "
        "SELECT substr(code_hash, 1, 48), role, created_by, created_at, "
        "CASE WHEN used_at IS NULL THEN created_at ELSE expires_at END, used_by, used_at "
        "FROM role_invites"
    )
    op.drop_table("role_invites")
