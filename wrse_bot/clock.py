"""The one place that reads the wall clock, so tests and rules agree on 'now'."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def now() -> datetime:
    return datetime.now(UTC)


def today_wib() -> date:
    """Ages are counted on the office's calendar day (WIB), not UTC's."""
    return now().astimezone(WIB).date()
