"""Numbers nobody typed: ids inside callback data and stored choice values.

``"²".isdigit()`` is true and ``int("²")`` then raises; ``"٣"`` passes both.
A forged or odd button must be refused, never crash a handler or reach the
database as a number no column can hold, so every such number is read here.
"""

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
