"""Numbers nobody typed (ids in callback data, stored choice values), read strictly:
``"²".isdigit()`` is true and ``int("²")`` raises, ``"٣"`` passes both, and a forged
button must never crash a handler or reach a column that cannot hold it."""

from __future__ import annotations

INT4_MAX = 2**31 - 1  # PostgreSQL integer: every row id
INT8_MAX = 2**63 - 1  # PostgreSQL bigint: Telegram user ids, Unix times


def parse_uint(text: str | None, maximum: int = INT4_MAX) -> int | None:
    """``text`` as a whole number when it is 1-19 ASCII digits and at most
    ``maximum``; None otherwise (no sign, no spaces, no other scripts)."""
    if not text or len(text) > 19 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value <= maximum else None
