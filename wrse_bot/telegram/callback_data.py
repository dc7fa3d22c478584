"""Reading callback data: buttons are checked, never trusted (:func:`match`: the
whole string, ASCII classes only, at most 64 bytes; :func:`number`)."""

from __future__ import annotations

import re

from wrse_bot.domain.digits import INT4_MAX, INT8_MAX, parse_uint
from wrse_bot.telegram.keyboards import MAX_CALLBACK_BYTES

__all__ = ["INT4_MAX", "INT8_MAX", "compile_pattern", "match", "number"]


def compile_pattern(regex: str) -> re.Pattern[str]:
    """``\\d`` and ``\\w`` mean ASCII only: "٣" is not a digit in our buttons."""
    return re.compile(regex, re.ASCII)


def match(pattern: re.Pattern[str], data: str | None) -> re.Match[str] | None:
    # Characters, not bytes: a lone surrogate cannot be encoded, and a string
    # longer than 64 characters is longer than 64 bytes anyway.
    if not data or len(data) > MAX_CALLBACK_BYTES:
        return None
    return pattern.fullmatch(data)


number = parse_uint  # an id from callback data, at most ``maximum`` (INT4_MAX)
