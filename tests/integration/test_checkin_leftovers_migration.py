"""Migration 0021: the check-in's leftover question columns (``step``, ``rev``,
``prompted_rev``) go without taking a check-in or its follow-ups with them,
and come back on the way down; ``active_forms.form`` must name a form, and the
table keeps its rule of one open form a person (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import make_settings
from tests.integration.test_status_checks import USER, _run
from wrse_bot.db.migrate import downgrade, upgrade
from wrse_bot.domain.statuses import FormName
from wrse_bot.forms.intake import intake_form
from wrse_bot.runtime import Runtime

LEFTOVERS = {"step", "rev", "prompted_rev"}
AT = "'2026-12-01'"
A_CHECKIN = (
    "INSERT INTO classes (id, skill, title, description, place, kecamatan_code, trainer, "
    "capacity, taken, enrol_deadline, status, created_at, updated_at) VALUES (1, 'menjahit', "
    f"'x', '', 'x', '35.07.01', 'x', 5, 1, {AT}, 'published', {AT}, {AT})",
    "INSERT INTO enrolments (id, class_id, user_id, status, completed, created_at, "
    f"updated_at) VALUES (1, 1, 7, 'enrolled', true, {AT}, {AT})",
    "INSERT INTO checkins (id, enrolment_id, user_id, class_id, round_days, due_at, status, "
    f"step, rev, prompted_rev, help_received) VALUES (1, 1, 7, 1, 30, {AT}, 'asked', "
    "'business', 3, 3, '[]')",
    f"INSERT INTO follow_ups (checkin_id, reason, created_at) VALUES (1, 'income_fell', {AT})",
)
COUNT = "SELECT (SELECT count(*) FROM checkins), (SELECT count(*) FROM follow_ups)"


async def _columns(url: str, table: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda sync: inspect(sync).get_columns(table))
            return {c["name"] for c in columns}
    finally:
        await engine.dispose()


async def test_a_checkin_and_its_follow_up_survive_the_columns_going_and_coming_back(
    db_url: str,
) -> None:
    await asyncio.to_thread(downgrade, db_url, "0020")
    await _run(db_url, USER, *A_CHECKIN)
    await asyncio.to_thread(upgrade, db_url)
    assert not LEFTOVERS & await _columns(db_url, "checkins")
    assert await _run(db_url, COUNT) == [(1, 1)]

    await asyncio.to_thread(downgrade, db_url, "0020")
    assert await _columns(db_url, "checkins") >= LEFTOVERS
    assert await _run(db_url, "SELECT step, rev, prompted_rev FROM checkins") == [(None, 0, -1)]
    assert await _run(db_url, COUNT) == [(1, 1)]
    await asyncio.to_thread(upgrade, db_url)
    assert await _run(db_url, COUNT) == [(1, 1)]
    if db_url.startswith("sqlite"):
        assert await _run(db_url, "PRAGMA foreign_key_check") == []


FORM = (
    "INSERT INTO active_forms (user_id, form, rev, prompted_rev, misses, paused, updated_at) "
    f"VALUES (7, '{{form}}', 0, -1, 0, {{paused}}, {AT})"
)


async def test_active_forms_name_a_form_and_keep_one_open_a_person(db_url: str) -> None:
    await _run(db_url, FORM.format(form="checkin", paused="true"))
    await _run(db_url, FORM.format(form="class", paused="false"))  # paused the check-in for it
    with pytest.raises(IntegrityError):  # a second open one, after the SQLite rebuild too
        await _run(db_url, FORM.format(form="broadcast", paused="false"))
    with pytest.raises(IntegrityError, match=r"ck_|CHECK"):
        await _run(db_url, FORM.format(form="survey", paused="true"))


async def test_a_stored_form_no_name_names_stops_the_upgrade(db_url: str) -> None:
    await asyncio.to_thread(downgrade, db_url, "0020")
    await _run(db_url, FORM.format(form="survey", paused="true"))
    with pytest.raises(RuntimeError, match="survey"):
        await asyncio.to_thread(upgrade, db_url)
    await _run(db_url, "DELETE FROM active_forms")
    await asyncio.to_thread(upgrade, db_url)


async def test_every_form_the_bot_runs_has_its_name_in_the_check(db_url: str) -> None:
    runtime = Runtime.build(make_settings(db_url))
    try:
        assert set(runtime.forms.specs) <= set(FormName)
        assert intake_form().name in set(FormName)  # moving onto the engine (issue 10)
    finally:
        await runtime.db.dispose()
