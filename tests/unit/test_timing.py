"""Quiet hours, reminder and check-in timing (WIB)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from wrse_bot.domain.timing import (
    WIB,
    QuietHours,
    held_until,
    reminder_plan,
    reminder_times,
    send_time,
)

QUIET = QuietHours()


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WIB)


def test_daytime_is_not_quiet() -> None:
    assert not QUIET.contains(wib(1, 7)) and not QUIET.contains(wib(1, 19, 59))


def test_evening_and_night_are_quiet() -> None:
    assert QUIET.contains(wib(1, 20)) and QUIET.contains(wib(1, 23, 30))
    assert QUIET.contains(wib(2, 0, 15)) and QUIET.contains(wib(2, 6, 59))


def test_a_message_due_at_night_waits_for_seven_in_the_morning() -> None:
    assert QUIET.next_allowed(wib(1, 21)) == wib(2, 7)
    assert QUIET.next_allowed(wib(2, 3)) == wib(2, 7)


def test_a_reminder_that_would_arrive_after_its_session_is_not_held() -> None:
    session = wib(2, 6, 30)  # an early class: waiting for 07.00 would be too late
    assert send_time(wib(2, 4, 30), QUIET, deadline=session) == wib(2, 4, 30)
    assert send_time(wib(1, 16), QUIET, deadline=session) == wib(1, 16)


def test_a_reminder_that_can_wait_for_the_morning_waits() -> None:
    session = wib(2, 9)
    assert send_time(wib(1, 22), QUIET, deadline=session) == wib(2, 7)
    assert send_time(wib(1, 22), QUIET) == wib(2, 7)


def test_rows_falling_due_at_night_are_held_until_seven() -> None:
    assert held_until(wib(1, 23), QUIET) == wib(2, 7)
    assert held_until(wib(1, 12), QUIET) is None


def test_start_equal_to_end_means_no_quiet_hours() -> None:
    never = QuietHours(start=time(0, 0), end=time(0, 0))
    assert not never.contains(wib(1, 23)) and held_until(wib(1, 3), never) is None


def test_reminders_ahead_are_planned_at_their_moments() -> None:
    start = wib(10, 9)
    plan = reminder_plan(start, [time(16, 0), timedelta(hours=2)], now=wib(8, 12))
    assert plan == [(wib(9, 16), wib(9, 16)), (wib(10, 7), wib(10, 7))]


def test_only_the_nearest_passed_reminder_is_sent_at_once() -> None:
    start = wib(10, 9)
    offsets = [time(16, 0), timedelta(hours=2), timedelta(hours=1)]
    plan = reminder_plan(start, offsets, now=wib(10, 7, 30))
    assert plan == [(wib(10, 7), wib(10, 7, 30)), (wib(10, 8), wib(10, 8))]


def test_a_session_that_has_begun_gets_no_reminder() -> None:
    assert reminder_plan(wib(10, 9), [timedelta(hours=2)], now=wib(10, 9)) == []


def test_default_reminders_are_the_day_before_at_four_and_two_hours_before() -> None:
    start = wib(10, 9)
    assert reminder_times(start, [time(16, 0), timedelta(hours=2)]) == [wib(9, 16), wib(10, 7)]


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    )
)
def test_the_next_allowed_moment_is_never_quiet_nor_earlier(moment: datetime) -> None:
    allowed = QUIET.next_allowed(moment)
    assert allowed >= moment and not QUIET.contains(allowed)
    assert allowed - moment <= timedelta(hours=11)
