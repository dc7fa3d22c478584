"""When a woman needs her companion's visit (issue 11): no contact for 30
days, a follow-up open, her income fell, a check-in unanswered."""

from __future__ import annotations

from datetime import date, timedelta

from wrse_bot.domain.visits import (
    EXTERNAL,
    FOLLOW_UP,
    INCOME_FELL,
    INTERNAL,
    NO_CONTACT,
    UNANSWERED,
    VISIT_OBSTACLES,
    Contact,
    visit_reasons,
)

TODAY = date(2026, 12, 8)


def contact(**kw: object) -> Contact:
    base: dict[str, object] = {
        "last_visit": TODAY - timedelta(days=3),
        "last_answer": None,
        "open_follow_ups": 0,
        "income_fell": False,
        "unanswered": False,
    }
    return Contact(**{**base, **kw})  # type: ignore[arg-type]


def test_a_recent_visit_and_nothing_open_needs_nothing() -> None:
    assert visit_reasons(contact(), TODAY) == ()


def test_thirty_days_is_still_contact_thirty_one_is_not() -> None:
    assert visit_reasons(contact(last_visit=TODAY - timedelta(days=30)), TODAY) == ()
    assert visit_reasons(contact(last_visit=TODAY - timedelta(days=31)), TODAY) == (NO_CONTACT,)


def test_an_answered_check_in_counts_as_contact_and_never_seen_does_not() -> None:
    answered = contact(last_visit=None, last_answer=TODAY - timedelta(days=2))
    assert visit_reasons(answered, TODAY) == ()
    assert visit_reasons(contact(last_visit=None), TODAY) == (NO_CONTACT,)


def test_every_reason_is_named_in_order() -> None:
    c = contact(last_visit=None, open_follow_ups=2, income_fell=True, unanswered=True)
    assert visit_reasons(c, TODAY) == (NO_CONTACT, FOLLOW_UP, INCOME_FELL, UNANSWERED)


def test_obstacles_are_of_the_two_kinds_of_the_study() -> None:
    kinds = {kind for _, kind in VISIT_OBSTACLES.values()}
    assert kinds == {INTERNAL, EXTERNAL}
    assert VISIT_OBSTACLES["percaya_diri"][1] == INTERNAL
    assert VISIT_OBSTACLES["tetangga"][1] == EXTERNAL
