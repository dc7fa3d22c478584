"""Migration 0020: a woman halfway through her registration when the bot is
upgraded keeps every answer and goes on where she was, now on the form engine;
one changing an answer from the review keeps what she had; one whose other
form is open waits, paused. The downgrade puts the registrations back."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import make_settings
from wrse_bot import crypto
from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.migrate import downgrade, upgrade
from wrse_bot.forms.engine import Answer
from wrse_bot.forms.model import REVIEW
from wrse_bot.services import intake
from wrse_bot.services.forms import FormRunner, Status

HALFWAY, EDITING, BUSY = 7101, 7102, 7103
SO_FAR = {
    "consent": True,
    "consent_version": "2026-11-v1",
    "consent_at": "2026-12-07T10:00:00+00:00",
    "full_name": "Siti Aminah",
    "nik": "3579035203800001",
    "birth_ok": True,
    "kecamatan_code": "35.79.03",
    "village_code": "35.79.03.2002",
    "address": None,
    "marital_status": "cerai_mati",
    "main_earner": True,
    "dependents": 3,
}
FILED = {
    **SO_FAR,
    "income": 500_000,
    "education": "sd",
    "occupation": "buruh_tani",
    "interests": ["menjahit"],
    "phone": "no_phone",
}


async def _run(url: str, sql: str, **params: object) -> list[tuple[Any, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


def _sealed(answers: dict[str, Any]) -> str:
    return crypto.protector().encrypt(json.dumps(answers))


async def _draft(url: str, user_id: int, step: str, answers: dict[str, Any], **row: Any) -> None:
    await _run(
        url,
        "INSERT INTO users (id, language, created_at, unreachable, announcements) "
        "VALUES (:id, 'id', :at, false, true)",
        id=user_id,
        at=now(),
    )
    values = {"editing": False, "paused": False, "rev": 9, "prompted_rev": 9, "misses": 1}
    values.update(row)
    await _run(
        url,
        "INSERT INTO registration_drafts (user_id, step, answers, history, editing, paused, "
        "misses, rev, prompted_rev, registrant_id, updated_at) VALUES (:uid, :step, :answers, "
        "'[]', :editing, :paused, :misses, :rev, :prompted_rev, :reg, :at)",
        uid=user_id,
        step=step,
        answers=_sealed(answers),
        reg=values.pop("registrant_id", None),
        at=now(),
        **values,
    )


async def _seed_at_0019(url: str) -> None:
    await asyncio.to_thread(downgrade, url, "0019")
    await _draft(url, HALFWAY, "income", SO_FAR)
    # Changing her phone from the review of a registration she sent: the answers
    # before the change ride along ("Kembali" restores them).
    await _run(
        url,
        "INSERT INTO registrants (id, status, nik_mismatch, interests, created_at, updated_at) "
        "VALUES (71, 'active', false, '[]', :at, :at)",
        at=now(),
    )
    changing = {**FILED, "phone": None, "_before_edit": FILED}
    await _draft(url, EDITING, "phone", changing, editing=True, registrant_id=71)
    await _run(url, "UPDATE registrants SET user_id = :uid WHERE id = 71", uid=EDITING)
    # A check-in opened on top of her registration: it keeps her messages.
    await _draft(url, BUSY, "name", {"consent": True}, rev=2, prompted_rev=2)
    await _run(
        url,
        "INSERT INTO active_forms (user_id, form, subject, step, rev, prompted_rev, misses, "
        "paused, updated_at) VALUES (:uid, 'checkin', 1, 'income', 1, 1, 0, false, :at)",
        uid=BUSY,
        at=now(),
    )


async def test_a_registration_in_progress_goes_on_after_the_upgrade(db_url: str) -> None:
    await _seed_at_0019(db_url)
    await asyncio.to_thread(upgrade, db_url)
    tables = await _run(db_url, "SELECT form, user_id, paused FROM active_forms ORDER BY id")
    assert ("intake", HALFWAY, False) in tables
    assert ("intake", BUSY, True) in tables  # her check-in came first

    db = Database(db_url)
    runner = FormRunner(db, [intake.spec(make_settings(db_url))])
    try:
        # Her next answer, where she was: every earlier one kept.
        asked = await runner.handle(HALFWAY, 1, Answer("text", "500rb"))
        assert asked.status == Status.ASK and asked.step == "education"
        assert {**SO_FAR, "income": 500_000}.items() <= dict(asked.state.answers).items()
        # The buttons drawn before the upgrade keep their revisions: the one she
        # just answered is a double tap, an older one is from an earlier question.
        again = await runner.handle(HALFWAY, 2, Answer("choice", "none", 9), form="intake")
        assert again.status == Status.DOUBLE_TAP
        older = await runner.handle(HALFWAY, 3, Answer("choice", "3", 8), form="intake")
        assert older.status == Status.STALE and older.step == "education"

        # "Kembali" from the change: her answers as they were, at the review.
        back = await runner.handle(EDITING, 4, Answer("choice", "back", 9), form="intake")
        assert back.step == REVIEW
        assert dict(back.state.answers)["phone"] == "no_phone"
        assert dict(back.state.answers)[intake.AMENDING] is True
    finally:
        await db.dispose()


async def test_the_downgrade_puts_the_registrations_back(db_url: str) -> None:
    await _seed_at_0019(db_url)
    await asyncio.to_thread(upgrade, db_url)
    await asyncio.to_thread(downgrade, db_url, "0019")
    rows = await _run(
        db_url,
        "SELECT user_id, step, rev, editing, registrant_id, answers FROM registration_drafts "
        "ORDER BY user_id",
    )
    assert [r[:5] for r in rows] == [
        (HALFWAY, "income", 9, False, None),
        (EDITING, "phone", 9, True, 71),
        (BUSY, "name", 2, False, None),
    ]
    assert json.loads(crypto.protector().decrypt(rows[1][5]))["_before_edit"] == FILED
    assert await _run(db_url, "SELECT count(*) FROM active_forms WHERE form = 'intake'") == [(0,)]
    await asyncio.to_thread(upgrade, db_url)
