"""Class sessions and deadlines as staff type them in chat.

Accepted, in WIB (Asia/Jakarta, DOMAIN.md "Language"):
- "1 Desember 2026 09.00-12.00", "01-12-2026 09:00-12:00", "1/12/26 9.00 - 12.00 WIB";
- whole hours without minutes: "10 des 2026 9-12" is 09.00-12.00;
- with a weekday: "Senin 1/12 09.00-12.00" or "Senin, 1 Des 09.00 s/d 12.00"; a date
  without a year is the next such date from today, and a weekday that does not
  match the date is refused (a typo in one of them);
- a deadline: a date, optionally with a time ("25-11-2026 17.00"); a bare date
  means the end of that day (23.59 WIB).

Results are aware datetimes in UTC. Only parsing and checking live here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo

from babel.dates import format_date

from wrse_bot.domain.dates import MONTHS, _clean, _make, _split
from wrse_bot.domain.errors import DomainError, Param
from wrse_bot.domain.text import N_

WIB = ZoneInfo("Asia/Jakarta")
END_OF_DAY = time(23, 59)

# Python's weekday(): Monday is 0. Javanese "Senen"/"Setu"/"Ahad" are common too.
WEEKDAYS: dict[str, int] = {
    **dict.fromkeys(("senin", "senen", "sen"), 0),
    **dict.fromkeys(("selasa", "sel"), 1),
    **dict.fromkeys(("rabu", "rab"), 2),
    **dict.fromkeys(("kamis", "kam"), 3),
    **dict.fromkeys(("jumat", "jum'at", "jum"), 4),
    **dict.fromkeys(("sabtu", "setu", "sab"), 5),
    **dict.fromkeys(("minggu", "ahad", "min"), 6),
}

_TIME = r"(\d{1,2})[.:](\d{2})"
# In a range the minutes may be left out: "9-12" is 09.00-12.00, as people say it. The start
# hour must not continue a date ("10-12-26"), so no digit or date separator comes before it.
_HOUR_MAYBE_MINUTES = r"(\d{1,2})(?:[.:](\d{2}))?"
_RANGE_SEP = r"\s*(?:-|sampai|sd|s/d|s\.d\.?|hingga|to)\s*"
_RANGE = re.compile(
    rf"(?:pukul|pkl\.?|jam)?\s*(?<![\d./:-]){_HOUR_MAYBE_MINUTES}{_RANGE_SEP}"
    rf"{_HOUR_MAYBE_MINUTES}\s*(?:wib)?\s*$"
)
_SINGLE = re.compile(rf"(?:pukul|pkl\.?|jam)?\s*{_TIME}\s*(?:wib)?\s*$")
_WEEKDAY = re.compile(r"^(?:hari\s+)?([a-z']+)\s+")
_DAY_MONTH = re.compile(r"^(\d{1,2})[-/. ]+(\d{1,2}|[a-z]+)\.?$")

# Examples are dated from today (an example in the past would itself be refused): a session
# two weeks ahead, a deadline one week ahead, both in the forms the parsers read.
SESSION_EXAMPLE_DAYS_AHEAD = 14
DEADLINE_EXAMPLE_DAYS_AHEAD = 7


def session_example(now: datetime, tz: tzinfo = WIB) -> str:
    """``17 Desember 2026 09.00-12.00``: a session two weeks after ``now``."""
    day = now.astimezone(tz).date() + timedelta(days=SESSION_EXAMPLE_DAYS_AHEAD)
    # Indonesian month names from CLDR, the form the session parser reads.
    return f"{format_date(day, 'd MMMM y', locale='id')} 09.00-12.00"


def deadline_example(now: datetime, tz: tzinfo = WIB, *, before: datetime | None = None) -> str:
    """``10-12-2026 17.00``: a week after ``now``, or the day before ``before`` if sooner
    (a deadline must come before the first session), never earlier than tomorrow."""
    today = now.astimezone(tz).date()
    day = today + timedelta(days=DEADLINE_EXAMPLE_DAYS_AHEAD)
    if before is not None:
        day = max(min(day, before.astimezone(tz).date() - timedelta(days=1)), today)
    # A bare date is the end of that day, so today's example needs no time.
    return f"{day:%d-%m-%Y} 17.00" if day > today else f"{day:%d-%m-%Y}"


class ScheduleProblem(StrEnum):
    NOT_UNDERSTOOD = "not_understood"
    BAD_DATE = "bad_date"
    BAD_TIME = "bad_time"
    WEEKDAY_MISMATCH = "weekday_mismatch"
    END_BEFORE_START = "end_before_start"
    PAST = "past"
    OVERLAP = "overlap"


class ScheduleError(DomainError):
    def __init__(
        self, problem: ScheduleProblem, message: str, params: dict[str, Param] | None = None
    ) -> None:
        super().__init__(message, params)
        self.problem = problem


def _refused(problem: ScheduleProblem, message: str, example: str) -> ScheduleError:
    """The error, with an example of what is read (dated from today)."""
    return ScheduleError(problem, message, {"example": example})


PAST = N_("This time has already passed. Please type a future date, for example: {example}.")


@dataclass(frozen=True, order=True)
class Span:
    """One session: aware UTC datetimes, ``ends_at`` after ``starts_at``."""

    starts_at: datetime
    ends_at: datetime

    def overlaps(self, other: Span) -> bool:
        """Sessions that merely touch (one ends at 12.00, the next starts at 12.00) do not."""
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


def parse_session(text: str, *, now: datetime, tz: tzinfo = WIB) -> Span:
    """A session typed as date plus start-end time; must lie in the future."""
    cleaned = _clean(text)
    example = session_example(now, tz)
    match = _RANGE.search(cleaned)
    if match is None:
        message = N_("Please type the date and time, for example: {example}.")
        raise _refused(ScheduleProblem.NOT_UNDERSTOOD, message, example)
    day = _date_part(cleaned[: match.start()], now=now, tz=tz, example=example)
    start = _time(match[1], match[2] or "00", example)
    end = _time(match[3], match[4] or "00", example)
    span = Span(_utc(day, start, tz), _utc(day, end, tz))
    if span.ends_at <= span.starts_at:
        message = N_("The end time must be after the start time, for example: {example}.")
        raise _refused(ScheduleProblem.END_BEFORE_START, message, example)
    if span.starts_at <= now:
        raise _refused(ScheduleProblem.PAST, PAST, example)
    return span


def parse_deadline(text: str, *, now: datetime, tz: tzinfo = WIB) -> datetime:
    """An enrolment deadline: a date, optionally a time (else 23.59 WIB); in the future."""
    cleaned = _clean(text)
    example = deadline_example(now, tz)
    day = _plain_date(cleaned, now.astimezone(tz).date())
    at = END_OF_DAY
    if day is None:
        match = _SINGLE.search(cleaned)
        if match is not None and re.search(r"\d", cleaned[: match.start()]):
            at = _time(match[1], match[2], example)
            cleaned = cleaned[: match.start()]
        day = _date_part(cleaned, now=now, tz=tz, example=example)
    deadline = _utc(day, at, tz)
    if deadline <= now:
        raise _refused(ScheduleProblem.PAST, PAST, example)
    return deadline


def first_overlap(spans: Sequence[Span]) -> tuple[Span, Span] | None:
    """Two sessions of one class that overlap, or None."""
    ordered = sorted(spans)
    for earlier, later in pairwise(ordered):
        if earlier.overlaps(later):
            return earlier, later
    return None


def check_no_overlap(
    new: Span, existing: Sequence[Span], *, now: datetime, tz: tzinfo = WIB
) -> None:
    """Refuse a session that overlaps one already in the class."""
    for other in existing:
        if new.overlaps(other):
            message = N_(
                "This session overlaps another session of this class. "
                "Please type another time, for example: {example}."
            )
            raise _refused(ScheduleProblem.OVERLAP, message, session_example(now, tz))


# ---- helpers -------------------------------------------------------------------------


def _date_part(text: str, *, now: datetime, tz: tzinfo, example: str) -> date:
    text = text.strip().strip(",").strip()
    weekday: int | None = None
    if (match := _WEEKDAY.match(text + " ")) and match[1] in WEEKDAYS:
        weekday = WEEKDAYS[match[1]]
        text = text[match.end() :].strip().strip(",").strip() if match.end() <= len(text) else ""
    day = _plain_date(text, now.astimezone(tz).date())
    if day is None:
        message = N_("I could not read the date. Please type it like this: {example}.")
        raise _refused(ScheduleProblem.BAD_DATE, message, example)
    if weekday is not None and day.weekday() != weekday:
        message = N_(
            "The day name does not match the date. Please check it, for example: {example}."
        )
        raise _refused(ScheduleProblem.WEEKDAY_MISMATCH, message, example)
    return day


def _plain_date(text: str, today: date) -> date | None:
    text = text.strip().strip(",").strip()
    return _full_date(text) or _yearless_date(text, today)


def _full_date(text: str) -> date | None:
    parts = _split(text)
    if parts is None:
        return None
    day, month, year_text = parts
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000  # classes are planned in this century
    return _make(day, month, year)


def _yearless_date(text: str, today: date) -> date | None:
    """ "1/12" or "1 Des": this year's date, or next year's if it has passed."""
    match = _DAY_MONTH.match(text)
    if match is None:
        return None
    month_text = match[2]
    month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text)
    if month is None:
        return None
    day = int(match[1])
    this_year = _make(day, month, today.year)
    if this_year is not None and this_year >= today:
        return this_year
    return _make(day, month, today.year + 1)


def _time(hours: str, minutes: str, example: str) -> time:
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        message = N_("This time does not exist. Please type it like this: {example}.")
        raise _refused(ScheduleProblem.BAD_TIME, message, example)
    return time(h, m)


def _utc(day: date, at: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
