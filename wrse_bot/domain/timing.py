"""When a scheduled message may go out: quiet hours, reminders and check-ins (pure
functions over aware datetimes; the office's clock is WIB)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class QuietHours:
    """Nothing is sent from ``start`` to ``end`` (local time); may wrap midnight.
    ``start == end`` means no quiet hours at all."""

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
        morning = local.replace(
            hour=self.end.hour, minute=self.end.minute, second=self.end.second, microsecond=0
        )
        if morning <= local:
            morning += timedelta(days=1)
        return morning.astimezone(moment.tzinfo)


def send_time(due: datetime, quiet: QuietHours, *, deadline: datetime | None = None) -> datetime:
    """When to send something due at ``due``. Issue 4: what falls due in quiet
    hours waits for the morning, except a reminder that would then arrive after
    its session (``deadline``): it goes out at ``due``, since a late-night
    reminder may still get her there and a late one is worth nothing."""
    at = quiet.next_allowed(due)
    if deadline is not None and at >= deadline:
        return due
    return at


def held_until(moment: datetime, quiet: QuietHours) -> datetime | None:
    """The morning that rows falling due at ``moment`` wait for, or None when
    ``moment`` is outside quiet hours (send now). A reminder whose session
    starts at or before that morning is not held (``send_time``)."""
    at = quiet.next_allowed(moment)
    return None if at == moment else at


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


def reminder_plan(
    session_start: datetime, offsets: Iterable[timedelta | time], now: datetime
) -> list[tuple[datetime, datetime]]:
    """``(moment, due)`` pairs for the reminders of one session, at enrolment
    (or when a session moves) at ``now``.

    Moments still ahead are due at themselves. Of the moments already passed,
    only the nearest one is sent, due ``now`` (she enrolled after it, and the
    session has not begun); the older ones are dropped rather than sent in a
    burst. A session that has begun gets none.
    """
    if session_start <= now:
        return []
    moments = [m for m in reminder_times(session_start, offsets) if m < session_start]
    passed = [m for m in moments if m <= now]
    plan = [(m, m) for m in moments if m > now]
    if passed:
        plan.insert(0, (passed[-1], now))
    return plan
