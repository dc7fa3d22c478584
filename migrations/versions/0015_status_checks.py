"""status checks: every status, kind, verdict, role and reason column accepts
only the values its enum names (wrse_bot/domain/statuses.py and neighbours)

The columns stay VARCHAR of the same length; a named CHECK is added to each.
The values are written out here, not imported: this revision is history and
must not move when an enum later grows (that is a new revision).

Existing rows are checked first. A value outside its list stops the upgrade
with the table, column and values found; nothing is changed silently.

SQLite cannot add a CHECK to a table, so batch mode rebuilds each table
(copy, drop, rename). Foreign keys are switched off around the rebuild, as
SQLite's documented procedure says: with them on, dropping ``registrants``
would cascade-delete every assessment, flag and draft pointing at it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 23:40:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERDICTS = ("eligible", "not_eligible", "needs_review")
ROLES = ("admin", "staff", "coordinator")

# table -> column -> allowed values, in the enums' order
CHECKS: dict[str, dict[str, tuple[str, ...]]] = {
    "registrants": {
        "status": ("active", "duplicate_review", "rejected", "deleted"),
        "verdict": VERDICTS,
        "contact_by": ("phone", "telegram", "no_phone"),
    },
    "assessments": {"verdict": VERDICTS},
    "staff_flags": {
        "kind": ("needs_review", "duplicate_nik", "nik_mismatch", "help_requested"),
    },
    "role_grants": {"role": ROLES},
    "role_invites": {"role": ROLES},
    "classes": {"status": ("published", "cancelled")},
    "enrolments": {"status": ("enrolled", "waitlisted", "offered", "cancelled")},
    "broadcasts": {"status": ("sending", "done")},
    "outbox": {
        "kind": ("notice", "reminder", "checkin", "broadcast", "report", "staff_help", "aid"),
        "status": ("pending", "sent", "blocked", "failed", "skipped", "cancelled"),
    },
    "checkins": {
        "status": ("scheduled", "asked", "reasked", "answered", "no_response", "cancelled"),
        "income_change": ("rose", "same", "fell"),
    },
    "follow_ups": {"reason": ("income_fell", "wants_contact", "no_response")},
    "aids": {
        "kind": ("modal_usaha", "mesin_jahit", "gerobak", "etalase", "peralatan_masak", "lainnya"),
    },
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _refuse_unknown_values(bind: sa.engine.Connection) -> None:
    found = []
    for table, columns in CHECKS.items():
        for column, values in columns.items():
            bad = (
                bind.execute(
                    sa.text(
                        f"SELECT DISTINCT {column} FROM {table} "
                        f"WHERE {column} IS NOT NULL AND NOT ({_in(column, values)})"
                    )
                )
                .scalars()
                .all()
            )
            if bad:
                found.append(f"{table}.{column}: {', '.join(sorted(map(repr, bad)))}")
    if found:
        raise RuntimeError(
            "Cannot add the status checks: some rows hold values no enum names. "
            "Correct them (or add the value to its enum and to this revision) first. "
            + "; ".join(found)
        )


@contextmanager
def _sqlite_foreign_keys_off(bind: sa.engine.Connection) -> Iterator[None]:
    """SQLite ignores ``PRAGMA foreign_keys`` inside a transaction: end the one
    Alembic holds, switch them off, do the rebuild in a new one, check that
    every reference still holds, and switch them back on."""
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the rebuild: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")  # Alembic records the revision in it


def upgrade() -> None:
    bind = op.get_bind()
    _refuse_unknown_values(bind)
    with _sqlite_foreign_keys_off(bind):
        for table, columns in CHECKS.items():
            with op.batch_alter_table(table) as batch_op:
                for column, values in columns.items():
                    batch_op.create_check_constraint(op.f(f"ck_{table}_{column}"), _in(column, values))


def downgrade() -> None:
    with _sqlite_foreign_keys_off(op.get_bind()):
        for table, columns in CHECKS.items():
            with op.batch_alter_table(table) as batch_op:
                for column in columns:
                    batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
