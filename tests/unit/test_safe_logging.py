"""A logged exception says where and what kind, never what it was given."""

from __future__ import annotations

import logging
import sys

from wrse_bot.safe_logging import SafeFormatter


def test_a_logged_exception_keeps_its_frames_and_type_but_not_its_message() -> None:
    nik, name = "3579035203800001", "Siti Aminah"
    try:
        try:
            raise ValueError(f"NIK {nik}")
        except ValueError as exc:
            raise RuntimeError(f"{name}, Jl. Mawar 10") from exc
    except RuntimeError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    text = SafeFormatter("%(message)s").format(record)
    assert "builtins.ValueError" in text and "builtins.RuntimeError" in text
    assert "test_safe_logging.py" in text  # where it happened
    assert "3579035203800001" not in text and "Siti Aminah" not in text
