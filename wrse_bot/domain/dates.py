"""Dates as typed in chat: "17-08-1985", "17/8/85", "17 Agustus 1985", "17 agt 85".

Only parsing lives here; dates are shown to people through Babel's locale data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from wrse_bot.domain.errors import ProblemError
from wrse_bot.domain.text import N_, Day

EARLIEST_YEAR = 1900  # nobody we serve was born earlier; older years are typos


class DateProblem(StrEnum):
    NOT_UNDERSTOOD = "not_understood"
    IMPOSSIBLE = "impossible"
    TOO_OLD = "too_old"
    FUTURE = "future"


class DateError(ProblemError):
    """Why a typed date is not a real, past date."""

    MESSAGES: ClassVar[Mapping[Any, str]] = {
        DateProblem.NOT_UNDERSTOOD: N_(
            "Please type the date as day, month and year, for example: 17-08-1985 "
            "or 17 Agustus 1985."
        ),
        DateProblem.TOO_OLD: N_(
            "This year is too long ago. Please check the year, for example: 17-08-1985."
        ),
        DateProblem.IMPOSSIBLE: N_(
            "This date does not exist in the calendar. Please check the day and month, "
            "for example: 17-08-1985."
        ),
        DateProblem.FUTURE: N_(
            "{date} has not come yet. Please check the year, for example: 17-08-1985."
        ),
    }


def _months(*names_by_month: tuple[str, ...]) -> dict[str, int]:
    return {name: number for number, names in enumerate(names_by_month, 1) for name in names}


# Indonesian names and abbreviations (DOMAIN.md), older spellings (Pebruari,
# Nopember), Javanese spellings (CLDR jv uses the Indonesian names; "Dhesember"
# and "Agustus" appear in Javanese writing), and English ones for people who
# copy from a phone set to English.
MONTHS: dict[str, int] = _months(
    ("januari", "jan", "january", "janwari"),
    ("februari", "feb", "pebruari", "peb", "febuari", "pebuari", "february"),
    ("maret", "mar", "march"),
    ("april", "apr"),
    ("mei", "may"),
    ("juni", "jun", "june"),
    ("juli", "jul", "july"),
    ("agustus", "agu", "agt", "ags", "agst", "agus", "august", "aug"),
    ("september", "sep", "sept", "sepember"),
    ("oktober", "okt", "october", "oct"),
    ("november", "nov", "nopember", "nop"),
    ("desember", "des", "dhesember", "december", "dec"),
)

_NUMERIC = re.compile(r"^(\d{1,2})[-/. ]+(\d{1,2})[-/. ]+(\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NAMED = re.compile(r"^(\d{1,2})[-/. ]*([a-z]+)[-/. ]*(\d{4}|\d{2})$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4}|\d{2})$")  # 17081985, 170885
_PREFIX = re.compile(r"^(?:tanggal|tgl\.?|tg\.?)\s*")


def parse_date(text: str, *, today: date) -> date:
    """Read a day-month-year date; raise ``DateError`` if it is not a real, past date.

    A two-digit year takes the century that keeps the date on or before
    ``today`` ("85" is 1985, "05" is 2005). ISO "1985-08-17" is accepted too.
    """
    cleaned = _clean(text)
    parts = _split(cleaned)
    if parts is None:
        raise DateError(DateProblem.NOT_UNDERSTOOD)
    day, month, year_text = parts
    year = int(year_text)
    if len(year_text) == 2:
        result = _with_century(day, month, year, today)
    elif year < EARLIEST_YEAR:
        raise DateError(DateProblem.TOO_OLD)
    else:
        result = _make(day, month, year)
    if result is None:
        raise DateError(DateProblem.IMPOSSIBLE)
    if result > today:
        raise DateError(DateProblem.FUTURE, params={"date": Day(result)})
    return result


def _clean(text: str) -> str:
    # Drop accents ("Mèi") and unify separators people use between parts.
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    ascii_text = re.sub(r"[\u2010-\u2015\u2212]", "-", ascii_text).replace(",", " ")
    ascii_text = " ".join(ascii_text.split())
    return _PREFIX.sub("", ascii_text)


def _split(cleaned: str) -> tuple[int, int, str] | None:
    """(day, month, year as typed) or None if the shape is not a date."""
    if match := _NUMERIC.match(cleaned) or _COMPACT.match(cleaned):
        return int(match[1]), int(match[2]), match[3]
    if match := _ISO.match(cleaned):
        return int(match[3]), int(match[2]), match[1]
    if (match := _NAMED.match(cleaned)) and match[2] in MONTHS:
        return int(match[1]), MONTHS[match[2]], match[3]
    return None


def _with_century(day: int, month: int, yy: int, today: date) -> date | None:
    """The 20xx date unless it is in the future, then the 19xx date."""
    recent = _make(day, month, 2000 + yy)
    if recent is not None and recent <= today:
        return recent
    # If 20xx does not exist (29 Feb), 19xx does not either: 2000 is the only leap century.
    return _make(day, month, 1900 + yy)


def _make(day: int, month: int, year: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
