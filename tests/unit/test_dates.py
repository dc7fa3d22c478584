"""Dates as typed in chat (DOMAIN.md, "Words people use: Dates")."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wrse_bot.domain.dates import DateError, DateProblem, parse_date
from wrse_bot.domain.text import Day

TODAY = date(2025, 6, 1)
AUG_17_1985 = date(1985, 8, 17)

MONTH_NAMES = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
MONTH_ABBREVIATIONS = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Mei",
    "Jun",
    "Jul",
    "Agu",
    "Sep",
    "Okt",
    "Nov",
    "Des",
]


@pytest.mark.parametrize(
    "typed",
    [
        "17-08-1985",
        "17/8/85",
        "17.08.1985",
        "17 Agustus 1985",
        "17 agt 85",
        "17 Agu 1985",
        "17 AGUSTUS 1985",
        "17-agt-1985",
        "17 agt. 1985",
        "17 Agustus, 1985",
        "tgl 17 Agustus 1985",
        "  17 - 08 - 1985 ",
        "17 8 1985",
        "17081985",
        "170885",
        "1985-08-17",
        "17 August 1985",
    ],
)
def test_common_ways_of_writing_a_date_are_understood(typed: str) -> None:
    assert parse_date(typed, today=TODAY) == AUG_17_1985


@pytest.mark.parametrize(("month", "name"), list(enumerate(MONTH_NAMES, 1)))
def test_every_indonesian_month_name_is_understood(month: int, name: str) -> None:
    assert parse_date(f"5 {name} 1990", today=TODAY) == date(1990, month, 5)


@pytest.mark.parametrize(("month", "abbreviation"), list(enumerate(MONTH_ABBREVIATIONS, 1)))
def test_every_indonesian_month_abbreviation_is_understood(month: int, abbreviation: str) -> None:
    assert parse_date(f"5 {abbreviation.lower()} 90", today=TODAY) == date(1990, month, 5)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("5 Agt 1990", date(1990, 8, 5)),
        ("5 Pebruari 1990", date(1990, 2, 5)),
        ("5 Nopember 1990", date(1990, 11, 5)),
        ("5 Dhesember 1990", date(1990, 12, 5)),
        ("5 Mèi 1990", date(1990, 5, 5)),
    ],
)
def test_older_and_javanese_spellings_are_understood(typed: str, expected: date) -> None:
    assert parse_date(typed, today=TODAY) == expected


def test_a_two_digit_year_not_after_today_is_read_as_20xx() -> None:
    assert parse_date("1/1/25", today=TODAY) == date(2025, 1, 1)


def test_a_two_digit_year_that_would_be_in_the_future_is_read_as_19xx() -> None:
    assert parse_date("1/7/25", today=TODAY) == date(1925, 7, 1)


def test_today_is_accepted() -> None:
    assert parse_date("01-06-2025", today=TODAY) == TODAY


def test_29_february_of_a_leap_year_is_accepted() -> None:
    assert parse_date("29 Februari 2000", today=TODAY) == date(2000, 2, 29)


@pytest.mark.parametrize(
    "typed", ["31-02-1985", "29-02-2001", "32-01-1985", "17-13-1985", "0-1-85"]
)
def test_a_date_that_does_not_exist_is_rejected(typed: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_date(typed, today=TODAY)
    assert caught.value.problem is DateProblem.IMPOSSIBLE


def test_a_future_date_is_rejected_and_named_in_the_message() -> None:
    with pytest.raises(DateError) as caught:
        parse_date("02-06-2025", today=TODAY)
    assert caught.value.problem is DateProblem.FUTURE
    assert caught.value.params == {"date": Day(date(2025, 6, 2))}


def test_a_year_before_1900_is_rejected() -> None:
    with pytest.raises(DateError) as caught:
        parse_date("17-08-1885", today=TODAY)
    assert caught.value.problem is DateProblem.TOO_OLD


@pytest.mark.parametrize(
    "typed", ["", "kemarin", "17 foo 1985", "17-08", "1985", "17/08/198", "📅", "17 08 1985 10"]
)
def test_text_that_is_not_a_date_is_rejected_with_an_example(typed: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_date(typed, today=TODAY)
    assert caught.value.problem is DateProblem.NOT_UNDERSTOOD
    assert "for example: 17-08-1985" in caught.value.message


past_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@given(past_dates)
def test_any_past_date_written_dd_mm_yyyy_reads_back(day: date) -> None:
    assert parse_date(f"{day:%d-%m-%Y}", today=TODAY) == day


@given(past_dates)
def test_any_past_date_written_with_the_month_name_reads_back(day: date) -> None:
    typed = f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
    assert parse_date(typed, today=TODAY) == day


@given(st.dates(min_value=date(1925, 6, 2), max_value=TODAY))
def test_any_date_of_the_last_hundred_years_written_d_m_yy_reads_back(day: date) -> None:
    assert parse_date(f"{day.day}/{day.month}/{day:%y}", today=TODAY) == day


@given(st.text(max_size=30))
def test_any_text_is_either_a_past_date_or_a_date_error(text: str) -> None:
    try:
        result = parse_date(text, today=TODAY)
    except DateError as error:
        assert error.message
    else:
        assert result <= TODAY
