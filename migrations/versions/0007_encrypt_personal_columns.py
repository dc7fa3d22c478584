"""encrypt personal columns: name, address, birth dates, NIK parts, free text

Every personal column that reports do not count in SQL becomes an encrypted
text column (Fernet, the same key as NIK, income and phone). Existing rows are
encrypted here with the configured WRSE_SECRET_KEY; the downgrade decrypts
them back into their old types.

Each column is dropped and re-added rather than altered: SQLite's batch
copy would CAST a date to a number, and a PostgreSQL USING clause cannot
decrypt.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:30:00
"""

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> column -> its type before this revision
COLUMNS: dict[str, dict[str, sa.types.TypeEngine[Any]]] = {
    "registrants": {
        "full_name": sa.String(length=100),
        "sex": sa.String(length=1),
        "birth_date": sa.Date(),
        "nik_birth_date": sa.Date(),
        "nik_kecamatan_code": sa.String(length=16),
        "village_code": sa.String(length=16),
        "address": sa.String(length=200),
        "marital_status": sa.String(length=32),
        "main_earner": sa.Boolean(),
        "dependents": sa.Integer(),
        "education": sa.String(length=32),
        "occupation": sa.String(length=32),
        "occupation_other": sa.String(length=100),
    },
    "checkins": {
        "business_kind": sa.String(length=100),
        "obstacle_other": sa.String(length=200),
    },
    "follow_ups": {"note": sa.Text()},
}


def _protector() -> Any:
    # The one place a migration needs application code: the key.
    from wrse_bot import crypto
    from wrse_bot.config import ConfigError, load_settings
    from wrse_bot.services.keys import configure_keys

    p = crypto.configured() or configure_keys(load_settings())
    if p is None:
        raise ConfigError(
            "WRSE_SECRET_KEY is needed to encrypt the rows already stored "
            "(for the demo, delete demo-data/)"
        )
    return p


def _check_key(bind: sa.engine.Connection, p: Any) -> None:
    """Never encrypt under a key other than the one the data is under."""
    from wrse_bot.config import ConfigError

    key_id = bind.execute(sa.text("SELECT key_id FROM key_checks WHERE id = 1")).scalar()
    sample = bind.execute(
        sa.text("SELECT nik FROM registrants WHERE nik IS NOT NULL LIMIT 1")
    ).scalar()
    # A rotation may begin on this very start: the previous key's row is fine.
    known = key_id is None or key_id in (p.key_id, p.previous_key_id)
    if not known or (sample is not None and not p.opens(sample)):
        raise ConfigError("WRSE_SECRET_KEY is not the key this database was encrypted with")


def _plain(kind: sa.types.TypeEngine[Any], value: Any) -> str:
    if isinstance(kind, sa.Boolean):
        return json.dumps(bool(value))
    if isinstance(kind, sa.Integer):
        return json.dumps(int(value))
    if isinstance(kind, sa.Date):
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(value)


def _typed(kind: sa.types.TypeEngine[Any], text: str) -> Any:
    if isinstance(kind, sa.Boolean | sa.Integer):
        return json.loads(text)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(text)
    return text


def _convert(table: str, old: dict[str, Any], new: dict[str, Any], change: Any) -> None:
    """Read every row, re-create the columns with the new types, write back."""
    bind = op.get_bind()
    src = sa.table(table, sa.column("id", sa.Integer), *(sa.column(c, t) for c, t in old.items()))
    rows = bind.execute(sa.select(src)).all()
    for name, kind in new.items():
        op.drop_column(table, name)
        op.add_column(table, sa.Column(name, kind, nullable=True))
    dst = sa.table(table, sa.column("id", sa.Integer), *(sa.column(c, t) for c, t in new.items()))
    for row in rows:
        values = {c: change(c, v) for c, v in row._mapping.items() if c != "id" and v is not None}
        if values:
            bind.execute(sa.update(dst).where(dst.c.id == row.id).values(**values))


def _has_values(bind: sa.engine.Connection) -> bool:
    for table, cols in COLUMNS.items():
        cond = " OR ".join(f"{c} IS NOT NULL" for c in cols)
        if bind.execute(sa.text(f"SELECT 1 FROM {table} WHERE {cond} LIMIT 1")).first():
            return True
    return False


def upgrade() -> None:
    bind = op.get_bind()
    p = None
    if _has_values(bind):
        p = _protector()
        _check_key(bind, p)
    for table, cols in COLUMNS.items():
        _convert(
            table,
            cols,
            {c: sa.Text() for c in cols},
            lambda c, v, cols=cols: p.encrypt(_plain(cols[c], v)),  # type: ignore[union-attr]
        )


def downgrade() -> None:
    bind = op.get_bind()
    p = _protector() if _has_values(bind) else None
    for table, cols in COLUMNS.items():
        _convert(
            table,
            {c: sa.Text() for c in cols},
            cols,
            lambda c, v, cols=cols: _typed(cols[c], p.decrypt(v)),  # type: ignore[union-attr]
        )
