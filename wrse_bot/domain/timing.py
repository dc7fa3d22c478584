"""When a scheduled message may go out: quiet hours, reminders and check-ins.

Pure functions over aware datetimes; the office's clock is WIB (DOMAIN.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class QuietHours:
    """Nothing is sent from ``start`` to ``end`` (local time); may wrap midnight."""

    start: time = time(20, 0)
    end: time = time(7, 0)
    tz: ZoneInfo = WIB

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime) -> datetime:
        """``moment`` itself outside quiet hours, else the morning they end."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(self.tz)
        morning = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if morning <= local:
            morning += timedelta(days=1)
        return morning.astimezone(moment.tzinfo)


def send_time(
    due: datetime, quiet: QuietHours, *, deadline: datetime | None = None
) -> datetime | None:
    """When to send something due at ``due``: after quiet hours, unless that
    would be at or after ``deadline`` (a reminder arriving after its session),
    in which case it is sent now if ``due`` itself is allowed, else not at all
    (None)."""
    at = quiet.next_allowed(due)
    if deadline is None or at < deadline:
        return at
    return None


def reminder_times(session_start: datetime, offsets: Iterable[timedelta | time]) -> list[datetime]:
    """Reminder moments for one session.

    A ``timedelta`` is "this long before the start"; a ``time`` is "that
    clock time (WIB) on the day before" (the default: 16:00 the day before).
    Moments are returned sorted and unique.
    """
    moments = set()
    local_start = session_start.astimezone(WIB)
    for offset in offsets:
        if isinstance(offset, timedelta):
            moments.add(session_start - offset)
        else:
            day_before = (local_start - timedelta(days=1)).date()
            moments.add(
                datetime.combine(day_before, offset, tzinfo=WIB).astimezone(session_start.tzinfo)
            )
    return sorted(moments)


def checkin_times(completed_at: datetime, offsets: Iterable[timedelta]) -> list[datetime]:
    """Check-in moments after completing a class (30, 90, 180 days by default)."""
    return sorted({completed_at + offset for offset in offsets})
