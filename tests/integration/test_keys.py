"""Keys (issue 9 B): a strong WRSE_SECRET_KEY, a wrong key stops start-up,
the previous key still reads during a rotation, and ``bot.py rekey``
re-encrypts everything and recomputes the NIK hashes, resumably."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from tests.conftest import TEST_SECRET, make_settings
from tests.integration.test_cli import run_bot
from tests.integration.test_registration_service import ANSWERS
from wrse_bot import crypto
from wrse_bot.config import ConfigError, load_settings
from wrse_bot.crypto import Protector, _derive
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, KeyCheck, Registrant, User
from wrse_bot.forms.intake import registration
from wrse_bot.services.keys import KeyMismatchError, check_key
from wrse_bot.services.registration import submit_registration
from wrse_bot.services.rekey import protected_tables, rekey

OLD = secrets.token_urlsafe(32)
NEW = secrets.token_hex(32)
NIKS = [f"35790352038000{i:02d}" for i in range(1, 6)]


@pytest.fixture(autouse=True)
def _restore_test_key() -> Iterator[None]:
    yield
    crypto.configure(TEST_SECRET)


def fernet_of(secret: str) -> Fernet:
    import base64

    return Fernet(base64.urlsafe_b64encode(_derive(secret, b"fernet")))


# ---- a strong key ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "weak",
    [
        "a-long-but-guessable-passphrase",  # 31 characters, not base64 of 32 bytes
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  # base64, but not random
        secrets.token_hex(16),  # random, but only 16 bytes
    ],
)
def test_a_weak_secret_key_is_refused_naming_the_setting(weak: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(secret_key=weak, _env_file=None)
    message = str(err.value)
    assert message.startswith("WRSE_SECRET_KEY") and "\n" not in message
    assert weak not in message


def test_32_random_bytes_in_base64_or_hex_are_accepted() -> None:
    for key in (secrets.token_urlsafe(32), secrets.token_hex(32), TEST_SECRET):
        assert load_settings(secret_key=key, _env_file=None).secret_key is not None


# ---- the wrong key stops start-up -------------------------------------------------------


async def test_another_key_is_refused_in_one_line_until_rotated_with_rekey(
    sqlite_url: str, tmp_path: Path
) -> None:
    db = Database(sqlite_url)
    try:
        await check_key(db, Protector(OLD))  # the database is under the old key
        env = {"WRSE_DATABASE_URL": sqlite_url}

        refused = run_bot(
            "run", tmp_path=tmp_path, WRSE_BOT_TOKEN="1:x", WRSE_SECRET_KEY=NEW, **env
        )
        assert refused.returncode == 2, refused.stderr
        # Alembic's INFO log lines aside, the refusal is one line, no traceback.
        lines = [ln for ln in refused.stderr.strip().splitlines() if " INFO " not in ln]
        assert len(lines) == 1, refused.stderr
        assert "WRSE_SECRET_KEY is not the key this database was encrypted with" in lines[0]
        assert "rekey" in lines[0]

        done = run_bot(
            "rekey", tmp_path=tmp_path, WRSE_SECRET_KEY=NEW, WRSE_PREVIOUS_SECRET_KEY=OLD, **env
        )
        assert done.returncode == 0, done.stderr
        assert "rekey finished" in done.stdout
        state = await check_key(db, Protector(NEW))  # afterwards the new key alone starts
        assert state.previous_key_id is None
    finally:
        await db.dispose()


async def test_the_first_check_refuses_a_key_that_cannot_open_stored_data(db_url: str) -> None:
    db = Database(db_url)
    try:
        crypto.configure(OLD)
        await _register(db, 9101, NIKS[0])  # written before key checks existed
        with pytest.raises(KeyMismatchError, match="does not open the data already stored"):
            await check_key(db, Protector(NEW))
        async with db.sessions() as s:
            assert await s.get(KeyCheck, 1) is None  # nothing recorded for the wrong key
        row = await check_key(db, Protector(OLD))
        assert row.key_id == Protector(OLD).key_id
    finally:
        await db.dispose()


# ---- rotation: the previous key reads, rekey rewrites -----------------------------------


async def _register(db: Database, user_id: int, nik: str) -> None:
    async with db.transaction() as s:
        s.add(User(id=user_id, language="id"))
        await s.flush()
        settings = make_settings(db.url)
        await submit_registration(s, settings, user_id, registration({**ANSWERS, "nik": nik}), None)
        # A second woman mid-form: her draft is protected too.
        s.add(User(id=user_id + 50, language="id"))
        await s.flush()
        s.add(
            ActiveForm(
                user_id=user_id + 50,
                form="intake",
                step="income",
                answers={"nik": nik, "income": 400_000},
            )
        )


async def _seed_under_old_key(db: Database) -> None:
    crypto.configure(OLD)
    await check_key(db, crypto.protector())
    for i, nik in enumerate(NIKS):
        await _register(db, 9001 + i, nik)


async def _raw_tokens(db: Database) -> list[str]:
    tokens: list[str] = []
    async with db.sessions() as s:
        for plan in protected_tables():
            for col in plan.columns:
                rows = await s.execute(
                    text(f"SELECT {col} FROM {plan.name} WHERE {col} IS NOT NULL")
                )
                tokens.extend(r[0] for r in rows)
    return tokens


async def test_the_previous_key_reads_old_rows_and_new_rows_use_the_new_key(db_url: str) -> None:
    db = Database(db_url)
    try:
        await _seed_under_old_key(db)
        p = crypto.configure(NEW, OLD)
        state = await check_key(db, p)
        assert state.key_id == p.key_id and state.previous_key_id == Protector(OLD).key_id

        async with db.sessions() as s:
            niks = sorted((await s.scalars(select(Registrant.nik))).all())
        assert niks == sorted(NIKS)

        await _register(db, 9201, "3579035203809999")
        async with db.sessions() as s:
            token = await s.scalar(text("SELECT nik FROM registrants WHERE user_id = 9201"))
        assert fernet_of(NEW).decrypt(token.encode()) == b"3579035203809999"

        # Without the previous key, an unfinished rotation is refused.
        with pytest.raises(KeyMismatchError, match="WRSE_PREVIOUS_SECRET_KEY"):
            await check_key(db, Protector(NEW))
    finally:
        await db.dispose()


async def _assert_all_under_new_key(db: Database) -> None:
    tokens = await _raw_tokens(db)
    assert len(tokens) >= 3 * len(NIKS)  # nik, income, phone, drafts, assessments...
    old, new = fernet_of(OLD), fernet_of(NEW)
    for token in tokens:
        new.decrypt(token.encode())
        with pytest.raises(Exception):  # noqa: B017 - InvalidToken
            old.decrypt(token.encode())
    p = Protector(NEW)
    async with db.sessions() as s:
        rows = (await s.execute(select(Registrant.nik, Registrant.nik_hash))).all()
        state = await s.get(KeyCheck, 1)
    assert rows and all(h == p.nik_hash(nik) for nik, h in rows)
    assert state is not None and state.previous_key_id is None and state.rekey_table is None


async def _duplicate_still_found(db: Database) -> None:
    crypto.configure(NEW)
    await check_key(db, crypto.protector())  # the previous key is no longer needed
    async with db.transaction() as s:
        s.add(User(id=9301, language="id"))
        await s.flush()
        result = await submit_registration(
            s, make_settings(db.url), 9301, registration({**ANSWERS, "nik": NIKS[2]}), None
        )
    assert result.duplicate


async def test_rekey_re_encrypts_everything_and_recomputes_nik_hashes(db_url: str) -> None:
    db = Database(db_url)
    try:
        await _seed_under_old_key(db)
        p = crypto.configure(NEW, OLD)
        await check_key(db, p)
        result = await rekey(db, p, batch_size=2)
        assert result.rows["registrants"] == len(NIKS)
        await _assert_all_under_new_key(db)
        await _duplicate_still_found(db)
    finally:
        await db.dispose()


async def test_a_rekey_interrupted_midway_resumes_and_completes(db_url: str) -> None:
    db = Database(db_url)
    try:
        await _seed_under_old_key(db)
        p = crypto.configure(NEW, OLD)
        await check_key(db, p)
        seen: list[tuple[str, int]] = []

        def crash_after_two_batches(table: str, done: int) -> None:
            seen.append((table, done))
            if len(seen) == 2:
                raise KeyboardInterrupt  # the process dies here

        with pytest.raises(KeyboardInterrupt):
            await rekey(db, p, batch_size=2, progress=crash_after_two_batches)
        async with db.sessions() as s:
            state = await s.get(KeyCheck, 1)
        assert state is not None and state.rekey_table is not None  # progress was kept

        resumed: list[tuple[str, int]] = []
        result = await rekey(db, p, batch_size=2, progress=lambda t, n: resumed.append((t, n)))
        assert result.resumed_from == (state.rekey_table, state.rekey_after)
        assert resumed[0][0] == seen[-1][0]  # it went on where it stopped
        await _assert_all_under_new_key(db)
        await _duplicate_still_found(db)
    finally:
        await db.dispose()


def test_rekey_covers_every_encrypted_column() -> None:
    covered: dict[str, Any] = {plan.name: set(plan.columns) for plan in protected_tables()}
    assert {"nik", "monthly_income", "phone"} <= covered["registrants"]
    assert "answers" in covered["active_forms"]
    assert "income" in covered["checkins"]


async def test_the_encrypting_migration_may_run_as_a_rotation_begins(db_url: str) -> None:
    import asyncio

    from wrse_bot.db.migrate import downgrade, upgrade

    await asyncio.to_thread(downgrade, db_url, "0006")
    db = Database(db_url)
    try:
        crypto.configure(OLD)
        await check_key(db, crypto.protector())  # the database is under the old key
        async with db.transaction() as s:  # a row from before names were encrypted
            await s.execute(
                text(
                    "INSERT INTO users (id, language, created_at, unreachable)"
                    " VALUES (7301, 'id', CURRENT_TIMESTAMP, false)"
                )
            )
            await s.execute(
                text(
                    "INSERT INTO registrants (user_id, status, full_name,"
                    " nik_mismatch, interests, created_at, updated_at) VALUES"
                    " (7301, 'active', 'Siti Aminah', false, '[]',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        crypto.configure(NEW, OLD)  # the new key's first start: migrate, then check
        await asyncio.to_thread(upgrade, db_url)
        state = await check_key(db, crypto.protector())
        assert state.previous_key_id == Protector(OLD).key_id
        async with db.sessions() as s:
            assert await s.scalar(select(Registrant.full_name)) == "Siti Aminah"
            token = await s.scalar(text("SELECT full_name FROM registrants"))
        fernet_of(NEW).decrypt(token.encode())  # written under the new key
    finally:
        await db.dispose()
