"""The commands a new user types: clear one-line failures, a working migrate."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_bot(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WRSE_")}
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_a_token_fails_in_one_line_pointing_to_the_demo(tmp_path: Path) -> None:
    result = run_bot("run", tmp_path=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "WRSE_BOT_TOKEN" in lines[0] and "make demo" in lines[0]


def test_a_bad_setting_is_named_without_a_traceback(tmp_path: Path) -> None:
    result = run_bot("run", tmp_path=tmp_path, WRSE_ADMIN_IDS="siti,ani")
    assert result.returncode == 2
    assert "WRSE_ADMIN_IDS" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_weak_secret_key_is_refused_in_one_line(tmp_path: Path) -> None:
    # 21 characters, not 32 random bytes (tests/integration/test_keys.py has more).
    weak = "sixteen-chars-or-more"
    result = run_bot("run", tmp_path=tmp_path, WRSE_BOT_TOKEN="1:x", WRSE_SECRET_KEY=weak)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Configuration error: WRSE_SECRET_KEY")
    assert "token_urlsafe" in lines[0]  # how to make a good one
    assert weak not in result.stderr  # a secret is never echoed


def test_migrate_builds_the_schema(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    result = run_bot("migrate", tmp_path=tmp_path, WRSE_DATABASE_URL=f"sqlite+aiosqlite:///{db}")
    assert result.returncode == 0, result.stderr
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert {"registrants", "active_forms", "processed_updates", "consents"} <= tables
