"""A bad WRSE_DATABASE_URL stops every command with one line naming it and
its cause, exit code 2, no traceback (and never the URL's password)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot import migrate_database
from tests.conftest import TEST_SECRET
from tests.integration.test_cli import run_bot
from wrse_bot.config import ConfigError, load_settings


def closed_port() -> int:
    with socket.socket() as s:  # bound, then released: nothing listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


BAD_URLS = {
    "unknown kind": ("postgres://wrse:s3cret@127.0.0.1/wrse", "'postgres'"),
    "unparsable": ("wrse database on the server", "not a database url"),
    "refused": (
        f"postgresql+asyncpg://wrse:s3cret@127.0.0.1:{closed_port()}/wrse",
        "refused the connection",
    ),
    "no such directory": ("sqlite+aiosqlite:///{tmp}/no/such/dir/wrse.db", "unable to open"),
}


@pytest.mark.parametrize("case", BAD_URLS)
def test_a_bad_database_url_is_named_with_its_cause(case: str, tmp_path: Path) -> None:
    url, cause = BAD_URLS[case]
    with pytest.raises(ConfigError) as failure:
        migrate_database(load_settings(database_url=url.format(tmp=tmp_path)))
    message = str(failure.value)
    assert message.startswith("WRSE_DATABASE_URL") and "\n" not in message
    assert cause in message.lower()
    assert "s3cret" not in message


@pytest.mark.parametrize(
    ("command", "case"),
    [
        ("run", "refused"),
        ("migrate", "no such directory"),
        # The demo keeps its own SQLite file, so only a malformed URL stops it.
        ("demo", "unparsable"),
    ],
)
def test_each_command_stops_in_one_line_with_exit_code_2(
    command: str, case: str, tmp_path: Path
) -> None:
    url, cause = BAD_URLS[case]
    result = run_bot(
        command,
        tmp_path=tmp_path,
        WRSE_DATABASE_URL=url.format(tmp=tmp_path),
        WRSE_BOT_TOKEN="123:abc",
        WRSE_SECRET_KEY=TEST_SECRET,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no traceback
    assert "WRSE_DATABASE_URL" in lines[0] and cause in lines[0].lower()
