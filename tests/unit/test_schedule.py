"""Class sessions and deadlines as staff type them (times in WIB, stored in UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from wrse_bot.domain.schedule import (
    WIB,
    ScheduleError,
    ScheduleProblem,
    Span,
    check_no_overlap,
    deadline_example,
    first_overlap,
    parse_deadline,
    parse_session,
    session_example,
)

NOW = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)  # Minggu, 1 November 2026, 10.00 WIB
DEC_1_9_TO_12 = Span(
    datetime(2026, 12, 1, 2, 0, tzinfo=UTC),  # 09.00 WIB
    datetime(2026, 12, 1, 5, 0, tzinfo=UTC),  # 12.00 WIB
)
MONTHS = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]


@pytest.mark.parametrize(
    "typed",
    [
        "1 Desember 2026 09.00-12.00",
        "01-12-2026 09:00-12:00",
        "1/12/2026 9.00 - 12.00 WIB",
        "1.12.26 09.00-12.00",
        "Selasa 1/12 09.00-12.00",
        "selasa, 1 des 09.00 s/d 12.00",
        "1 Des 2026 pukul 09.00 sampai 12.00",
        "tgl 1 Desember 2026 09.00–12.00",
    ],
)
def test_a_session_is_read_in_wib_and_returned_in_utc(typed: str) -> None:
    assert parse_session(typed, now=NOW) == DEC_1_9_TO_12


@pytest.mark.parametrize(
    "typed",
    [
        "10 des 2026 9-12",
        "10 Desember 2026 jam 9 - 12",
        "10/12/2026 9.00-12",
        "Kamis 10/12 9-12 WIB",
    ],
)
def test_whole_hours_may_be_typed_without_minutes(typed: str) -> None:
    """Staff type "10 des 2026 9-12" as they would say it: 09.00-12.00 WIB."""
    assert parse_session(typed, now=NOW) == Span(
        datetime(2026, 12, 10, 9, tzinfo=WIB).astimezone(UTC),
        datetime(2026, 12, 10, 12, tzinfo=WIB).astimezone(UTC),
    )


@pytest.mark.parametrize("typed", ["10-12-2026", "10-12-26", "10/12"])
def test_a_date_alone_is_not_read_as_hours(typed: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_session(typed, now=NOW)
    assert caught.value.problem == ScheduleProblem.NOT_UNDERSTOOD


def test_a_date_without_a_year_is_the_next_one_to_come() -> None:
    jan = parse_session("5/1 08.00-10.00", now=NOW)
    assert jan.starts_at.astimezone(WIB).date() == date(2027, 1, 5)
    dec = parse_session("1 Des 08.00-10.00", now=NOW)
    assert dec.starts_at.astimezone(WIB).date() == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("besok pagi", ScheduleProblem.NOT_UNDERSTOOD),
        ("1 Desember 2026", ScheduleProblem.NOT_UNDERSTOOD),
        ("31-02-2027 09.00-10.00", ScheduleProblem.BAD_DATE),
        ("pagi 09.00-10.00", ScheduleProblem.BAD_DATE),
        ("1/12/2026 25.00-26.00", ScheduleProblem.BAD_TIME),
        ("1/12/2026 09.75-10.00", ScheduleProblem.BAD_TIME),
        ("Senin 1/12/2026 09.00-12.00", ScheduleProblem.WEEKDAY_MISMATCH),
        ("1 Desember 2026 12.00-09.00", ScheduleProblem.END_BEFORE_START),
        ("1 Desember 2026 09.00-09.00", ScheduleProblem.END_BEFORE_START),
        ("1 Oktober 2026 09.00-12.00", ScheduleProblem.PAST),
        ("1 November 2026 09.00-12.00", ScheduleProblem.PAST),  # started an hour ago
    ],
)
def test_what_cannot_be_a_future_session_is_refused_with_an_example(
    typed: str, problem: ScheduleProblem
) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_session(typed, now=NOW)
    assert caught.value.problem == problem
    assert "example" in caught.value.message


@pytest.mark.parametrize(
    ("typed", "expected_wib"),
    [
        ("25-11-2026 17.00", datetime(2026, 11, 25, 17, 0)),
        ("25/11 17:00", datetime(2026, 11, 25, 17, 0)),
        ("25 November 2026", datetime(2026, 11, 25, 23, 59)),
        ("25.11.26", datetime(2026, 11, 25, 23, 59)),
        ("Rabu 25/11", datetime(2026, 11, 25, 23, 59)),
    ],
)
def test_a_deadline_is_a_date_with_an_optional_time(typed: str, expected_wib: datetime) -> None:
    assert parse_deadline(typed, now=NOW) == expected_wib.replace(tzinfo=WIB).astimezone(UTC)


@pytest.mark.parametrize("typed", ["kemarin", "31 Oktober 2026", "1 November 2026 09.00"])
def test_a_deadline_must_be_readable_and_in_the_future(typed: str) -> None:
    with pytest.raises(ScheduleError):
        parse_deadline(typed, now=NOW)


# ---- overlaps ---------------------------------------------------------------------


def _span(day: int, start: int, end: int) -> Span:
    def at(hour: int) -> datetime:
        return datetime(2026, 12, day, hour, tzinfo=WIB).astimezone(UTC)

    return Span(at(start), at(end))


def test_sessions_that_share_an_hour_overlap() -> None:
    assert _span(1, 9, 12).overlaps(_span(1, 11, 13))
    assert first_overlap([_span(2, 9, 10), _span(1, 9, 12), _span(1, 11, 13)]) is not None


def test_back_to_back_sessions_do_not_overlap() -> None:
    assert not _span(1, 9, 12).overlaps(_span(1, 12, 14))
    assert first_overlap([_span(1, 9, 12), _span(1, 12, 14), _span(2, 9, 12)]) is None


def test_a_new_session_overlapping_an_existing_one_is_refused() -> None:
    with pytest.raises(ScheduleError) as caught:
        check_no_overlap(_span(1, 10, 11), [_span(2, 9, 12), _span(1, 9, 12)], now=NOW)
    assert caught.value.problem == ScheduleProblem.OVERLAP
    check_no_overlap(_span(3, 10, 11), [_span(2, 9, 12), _span(1, 9, 12)], now=NOW)


# ---- properties ----------------------------------------------------------------------

future_days = st.dates(min_value=date(2026, 11, 2), max_value=date(2030, 12, 31))
times = st.times().map(lambda t: time(t.hour, t.minute))


def _formats(day: date, start: time, end: time) -> list[str]:
    s, e = f"{start:%H.%M}", f"{end:%H.%M}"
    month = MONTHS.split()[day.month - 1]
    return [
        f"{day.day} {month} {day.year} {s}-{e}",
        f"{day:%d-%m-%Y} {start:%H:%M}-{end:%H:%M}",
        f"{DAYS[day.weekday()]}, {day.day}/{day.month}/{day.year} {s} s/d {e} WIB",
        f"{day.day} {month[:3]} {day:%y} pukul {s} - {e}",
    ]


@given(future_days, st.integers(0, 23), st.integers(0, 23))
def test_any_future_session_in_whole_hours_reads_back_without_minutes(
    day: date, a: int, b: int
) -> None:
    start, end = min(a, b), max(a, b)
    typed = f"{day.day} {MONTHS.split()[day.month - 1][:3].lower()} {day.year} {start}-{end}"
    if start == end:
        with pytest.raises(ScheduleError):
            parse_session(typed, now=NOW)
        return
    span = parse_session(typed, now=NOW)
    assert span.starts_at.astimezone(WIB).replace(tzinfo=None) == datetime.combine(day, time(start))
    assert span.ends_at.astimezone(WIB).replace(tzinfo=None) == datetime.combine(day, time(end))


@given(future_days, times, times, st.integers(0, 3))
def test_any_future_session_typed_in_any_accepted_form_reads_back(
    day: date, a: time, b: time, form: int
) -> None:
    start, end = min(a, b), max(a, b)
    typed = _formats(day, start, end)[form]
    if start == end:
        with pytest.raises(ScheduleError):
            parse_session(typed, now=NOW)
        return
    span = parse_session(typed, now=NOW)
    assert span.starts_at.tzinfo is not None and span.starts_at.utcoffset() == timedelta(0)
    assert span.starts_at.astimezone(WIB).replace(tzinfo=None) == datetime.combine(day, start)
    assert span.ends_at.astimezone(WIB).replace(tzinfo=None) == datetime.combine(day, end)


@given(st.text(max_size=60))
def test_any_text_either_reads_as_a_future_session_or_is_refused_politely(text: str) -> None:
    try:
        span = parse_session(text, now=NOW)
    except ScheduleError as exc:
        assert exc.message
    else:
        assert NOW < span.starts_at < span.ends_at


spans = st.builds(
    lambda day, start, length: _span(day, start, start + length),
    st.integers(1, 5),
    st.integers(6, 16),
    st.integers(1, 6),
)


@given(spans, spans)
def test_overlap_is_symmetric_and_matches_the_clock(a: Span, b: Span) -> None:
    assert a.overlaps(b) == b.overlaps(a)
    assert a.overlaps(b) == (max(a.starts_at, b.starts_at) < min(a.ends_at, b.ends_at))


@given(st.lists(spans, max_size=6))
def test_first_overlap_finds_one_exactly_when_some_pair_overlaps(items: list[Span]) -> None:
    any_pair = any(x.overlaps(y) for i, x in enumerate(items) for y in items[i + 1 :])
    assert (first_overlap(items) is not None) == any_pair


# ---- examples --------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@given(moments)
def test_the_session_example_is_always_a_future_session_the_parser_reads(at: datetime) -> None:
    span = parse_session(session_example(at), now=at)
    assert span.starts_at > at


@given(moments, st.integers(1, 60))
def test_the_deadline_example_is_always_in_the_future_and_before_the_first_session(
    at: datetime, days_to_first_session: int
) -> None:
    assume(at.astimezone(WIB).time() < time(23, 59))  # a bare date today ends at 23.59
    first = at + timedelta(days=days_to_first_session)
    deadline = parse_deadline(deadline_example(at, before=first), now=at)
    assert at < deadline
    if first.astimezone(WIB).date() - at.astimezone(WIB).date() >= timedelta(days=2):
        assert deadline < first
    assert parse_deadline(deadline_example(at), now=at) > at


def test_errors_carry_an_example_dated_from_now_not_a_fixed_date() -> None:
    later = datetime(2028, 3, 1, 3, 0, tzinfo=UTC)
    with pytest.raises(ScheduleError) as caught:
        parse_session("besok pagi", now=later)
    assert caught.value.params["example"] == "15 Maret 2028 09.00-12.00"
