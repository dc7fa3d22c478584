"""Statuses are enums the database enforces (migration 0015): each CHECK on
the upgraded schema names exactly its enum's values, an unknown value is
refused on insert, the SQLite rebuild loses no row, and a stored value no
enum names stops the upgrade instead of being changed."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from wrse_bot.db.migrate import downgrade, upgrade
from wrse_bot.db.models import Base


async def _run(url: str, *statements: str) -> list[tuple[object, ...]]:
    """Each statement in one transaction; the last one's rows."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            if url.startswith("sqlite"):
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            result = None
            for sql in statements:
                result = await conn.execute(text(sql))
            return list(result.all()) if result is not None and result.returns_rows else []
    finally:
        await engine.dispose()


async def _reflected_checks(url: str) -> dict[str, set[str]]:
    """Check name -> the quoted literals in its SQL, as the database holds it."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def read(sync: object) -> dict[str, set[str]]:
                insp = inspect(sync)
                return {
                    c["name"]: set(re.findall(r"'([^']*)'", c["sqltext"]))
                    for table in insp.get_table_names()
                    for c in insp.get_check_constraints(table)
                }

            return await conn.run_sync(read)
    finally:
        await engine.dispose()


def _model_checks() -> dict[str, set[str]]:
    return {
        str(c.name): {v.value for v in c.info["enum"]}
        for table in Base.metadata.sorted_tables
        for c in table.constraints
        if isinstance(c, CheckConstraint) and "enum" in c.info
    }


def test_the_models_check_the_status_columns() -> None:
    assert {
        "ck_registrants_status",
        "ck_enrolments_status",
        "ck_classes_status",
        "ck_broadcasts_status",
        "ck_outbox_status",
        "ck_outbox_kind",
        "ck_checkins_status",
        "ck_follow_ups_reason",
        "ck_staff_flags_kind",
        "ck_role_grants_role",
    } <= set(_model_checks())


async def test_each_check_in_the_database_names_its_enum_values(db_url: str) -> None:
    assert await _reflected_checks(db_url) == _model_checks()
    await asyncio.to_thread(downgrade, db_url, "0014")
    assert await _reflected_checks(db_url) == {}
    await asyncio.to_thread(upgrade, db_url)
    assert await _reflected_checks(db_url) == _model_checks()


USER = "INSERT INTO users (id, language, created_at, unreachable, announcements) "
USER += "VALUES (7, 'id', '2026-12-01', false, true)"
# case -> (an insert with ``{v}`` for the value, a value no enum names, a known one)
INSERTS: dict[str, tuple[str, str, str]] = {
    "outbox status": (
        "INSERT INTO outbox (kind, user_id, text, status, due_at, attempts) "
        "VALUES ('notice', 7, 'x', '{v}', '2026-12-01', 0)",
        "sending",
        "pending",
    ),
    "outbox kind": (
        "INSERT INTO outbox (kind, user_id, text, status, due_at, attempts) "
        "VALUES ('{v}', 7, 'x', 'pending', '2026-12-01', 0)",
        "letter",
        "notice",
    ),
    "class status": (
        "INSERT INTO classes (skill, title, description, place, kecamatan_code, trainer, "
        "capacity, taken, enrol_deadline, status, created_at, updated_at) VALUES ('menjahit', "
        "'x', '', 'x', '35.07.01', 'x', 5, 0, '2026-12-01', '{v}', '2026-12-01', '2026-12-01')",
        "draft",
        "published",
    ),
    "role": (
        "INSERT INTO role_grants (user_id, role, granted_at) VALUES (7, '{v}', '2026-12-01')",
        "petugas",
        "staff",
    ),
    "registrant status": (
        "INSERT INTO registrants (user_id, status, nik_mismatch, interests, created_at, "
        "updated_at) VALUES (7, '{v}', false, '[]', '2026-12-01', '2026-12-01')",
        "enrolled",
        "active",
    ),
}


@pytest.mark.parametrize("case", sorted(INSERTS))
async def test_an_unknown_value_is_refused_by_the_database(db_url: str, case: str) -> None:
    sql, unknown, known = INSERTS[case]
    await _run(db_url, USER)
    with pytest.raises(IntegrityError, match=r"ck_|CHECK"):
        await _run(db_url, sql.format(v=unknown))
    await _run(db_url, sql.format(v=known))  # the same row with a known value goes in


CHILDREN = (
    "assessments",
    "staff_flags",
    "enrolments",
    "checkins",
    "follow_ups",
    "outbox",
)


async def test_the_upgrade_keeps_every_row_and_every_reference(db_url: str) -> None:
    """On SQLite the tables are rebuilt: a cascade on the old table's drop
    would empty its children."""
    await asyncio.to_thread(downgrade, db_url, "0014")
    at = "'2026-12-01'"
    await _run(
        db_url,
        USER,
        "INSERT INTO registrants (id, user_id, status, verdict, nik_mismatch, interests, "
        f"created_at, updated_at) VALUES (1, 7, 'active', 'eligible', false, '[]', {at}, {at})",
        "INSERT INTO registration_drafts (user_id, step, answers, history, editing, paused, "
        f"misses, rev, prompted_rev, registrant_id, updated_at) VALUES (7, 'name', 'x', '[]', "
        f"false, false, 0, 0, -1, 1, {at})",
        "INSERT INTO assessments (registrant_id, verdict, ruleset_version, assessed_on, "
        f"created_at) VALUES (1, 'eligible', 'v', {at}, {at})",
        "INSERT INTO staff_flags (kind, registrant_id, created_at) "
        f"VALUES ('nik_mismatch', 1, {at})",
        "INSERT INTO classes (id, skill, title, description, place, kecamatan_code, trainer, "
        "capacity, taken, enrol_deadline, status, created_at, updated_at) VALUES (1, 'menjahit', "
        f"'x', '', 'x', '35.07.01', 'x', 5, 1, {at}, 'published', {at}, {at})",
        "INSERT INTO enrolments (id, class_id, user_id, status, completed, created_at, "
        f"updated_at) VALUES (1, 1, 7, 'enrolled', true, {at}, {at})",
        "INSERT INTO checkins (id, enrolment_id, user_id, class_id, round_days, due_at, status, "
        f"rev, prompted_rev, help_received) VALUES (1, 1, 7, 1, 30, {at}, 'answered', 0, -1, '[]')",
        f"INSERT INTO follow_ups (checkin_id, reason, created_at) VALUES (1, 'income_fell', {at})",
        "INSERT INTO broadcasts (id, created_by, audience, text, total, status, created_at) "
        f"VALUES (1, 9, '{{}}', 'x', 1, 'done', {at})",
        "INSERT INTO outbox (kind, user_id, text, status, due_at, attempts, broadcast_id) "
        f"VALUES ('broadcast', 7, 'x', 'sent', {at}, 1, 1)",
    )
    count = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in CHILDREN)
    before = await _run(db_url, count)
    assert all(n == 1 for _, n in before)
    assert await _run(db_url, "SELECT count(*) FROM registration_drafts") == [(1,)]
    await asyncio.to_thread(upgrade, db_url)
    assert await _run(db_url, count) == before
    # Her registration in progress is a form now (0020), about the same registration.
    moved = "SELECT user_id, subject, step FROM active_forms WHERE form = 'intake'"
    assert await _run(db_url, moved) == [(7, 1, "name")]
    if db_url.startswith("sqlite"):
        assert await _run(db_url, "PRAGMA foreign_key_check") == []


async def test_a_stored_value_no_enum_names_stops_the_upgrade(db_url: str) -> None:
    await asyncio.to_thread(downgrade, db_url, "0014")
    await _run(
        db_url,
        "INSERT INTO outbox (kind, user_id, text, status, due_at, attempts) "
        "VALUES ('notice', 7, 'x', 'lost', '2026-12-01', 0)",
    )
    with pytest.raises(RuntimeError, match=r"outbox\.status: 'lost'"):
        await asyncio.to_thread(upgrade, db_url)
    assert await _run(db_url, "SELECT version_num FROM alembic_version") == [("0014",)]
    assert await _run(db_url, "SELECT status FROM outbox") == [("lost",)]  # not changed
    await _run(db_url, "UPDATE outbox SET status = 'failed'")
    await asyncio.to_thread(upgrade, db_url)
