"""The aid form's rules, without Telegram or a database: every route, the
repeat within the window, the review and its edits, and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from wrse_bot.domain.aid import months_between, repeats
from wrse_bot.forms.aid import AID, DATE_EXAMPLE, NOT_YET, VALUE_EXAMPLE
from wrse_bot.forms.engine import Answer, FormState, Outcome, advance, start
from wrse_bot.forms.model import DONE, REVIEW

FACTS: dict[str, Any] = {"_today": "2026-12-07", "_window": 12, "_classes": (), "_earlier": ()}


def begin(**facts: Any) -> FormState:
    return start(AID, FormState(None, answers={**FACTS, **facts})).state


def go(state: FormState, *inputs: str) -> Outcome:
    """Each input typed, or tapped when written "tap:<code>"."""
    outcome = Outcome(state, ())
    for value in inputs:
        state = outcome.state
        if value.startswith("tap:"):
            answer = Answer("choice", value.removeprefix("tap:"), state.rev)
        else:
            answer = Answer("text", value)
        outcome = advance(AID, state, answer)
    return outcome


def problem(outcome: Outcome) -> str | None:
    asks = [e for e in outcome.effects if getattr(e, "problem", None) is not None]
    return asks[0].problem.message if asks else None


def test_the_plain_route_is_kind_value_date_source_then_the_review() -> None:
    out = go(begin(), "tap:mesin_jahit", "1,5 juta", "tap:today", "APBD Dinsos 2026")
    assert out.state.step == REVIEW
    answers = out.state.answers
    assert answers["kind"] == "mesin_jahit" and answers["value"] == 1_500_000
    assert answers["given_on"] == "2026-12-07" and answers["source"] == "APBD Dinsos 2026"
    assert go(out.state, "tap:submit").state.step == DONE


def test_other_aid_is_described_in_words() -> None:
    out = go(begin(), "tap:lainnya")
    assert out.state.step == "kind_other"
    assert go(out.state, "freezer").state.step == "value"


@pytest.mark.parametrize(
    ("typed", "kind"),
    [("rombong", "gerobak"), ("kompor", "peralatan_masak"), ("mesin jait", "mesin_jahit")],
)
def test_staff_may_type_the_kind(typed: str, kind: str) -> None:
    assert go(begin(), typed).state.answers["kind"] == kind


def test_her_classes_are_offered_when_she_has_some() -> None:
    state = begin(_classes=((4, "Menjahit Dasar"),))
    out = go(state, "tap:modal_usaha", "500rb", "tap:today", "APBD")
    assert out.state.step == "class_id"
    assert go(out.state, "tap:c4").state.answers["class_id"] == 4
    assert go(out.state, "tap:none").state.answers["class_id"] == 0


def test_the_same_kind_within_twelve_months_asks_a_reason_before_the_review() -> None:
    state = begin(_earlier=(("mesin_jahit", "2026-03-01"),))
    out = go(state, "tap:mesin_jahit", "2jt", "tap:today", "APBD")
    assert out.state.step == "reason"
    assert problem(go(out.state, "ok")) is not None  # too short to be a reason
    out = go(out.state, "mesin pertama rusak")
    assert out.state.step == REVIEW and out.state.answers["reason"] == "mesin pertama rusak"


def test_another_kind_or_an_older_one_needs_no_reason() -> None:
    state = begin(_earlier=(("mesin_jahit", "2025-11-01"), ("gerobak", "2026-06-01")))
    assert go(state, "tap:mesin_jahit", "2jt", "tap:today", "APBD").state.step == REVIEW


def test_changing_the_kind_from_the_review_asks_the_reason_it_now_needs() -> None:
    state = begin(_earlier=(("etalase", "2026-10-01"),))
    out = go(state, "tap:gerobak", "2jt", "tap:today", "APBD")
    assert out.state.step == REVIEW
    out = go(out.state, "tap:edit_kind", "tap:etalase")
    assert out.state.step == "reason"
    assert go(out.state, "etalase lama dicuri").state.step == REVIEW


@pytest.mark.parametrize("typed", ["0", "1,5", "5000000000", "banyak"])
def test_a_value_that_is_not_a_clear_amount_is_asked_again(typed: str) -> None:
    out = go(begin(), "tap:modal_usaha", typed)
    assert out.state.step == "value" and problem(out) == VALUE_EXAMPLE


@pytest.mark.parametrize("typed", ["kemarin lusa", "01-01-2015"])
def test_a_date_that_is_not_a_recent_past_day_is_asked_again(typed: str) -> None:
    out = go(begin(), "tap:modal_usaha", "1jt", typed)
    assert out.state.step == "given_on" and problem(out) == DATE_EXAMPLE


def test_a_date_still_to_come_is_refused_as_such_and_kemarin_is_yesterday() -> None:
    out = go(begin(), "tap:modal_usaha", "1jt", "07-12-2030")
    assert out.state.step == "given_on" and problem(out) == NOT_YET
    yesterday = go(begin(), "tap:modal_usaha", "1jt", "Kemarin")
    assert yesterday.state.answers["given_on"] == "2026-12-06"


def test_a_typed_date_is_kept_as_the_day() -> None:
    out = go(begin(), "tap:modal_usaha", "1jt", "3/12/2026")
    assert out.state.answers["given_on"] == "2026-12-03"


@pytest.mark.parametrize(
    "answer", [Answer("other", "sticker"), Answer("text", "👍"), Answer("text", "x" * 4000)]
)
def test_stickers_emoji_and_long_texts_are_refused_kindly(answer: Answer) -> None:
    state = go(begin(), "tap:modal_usaha").state
    out = advance(AID, state, answer)
    assert out.state.step == "value" and problem(out) is not None


def test_back_at_every_step_returns_to_the_question_before() -> None:
    out = go(begin(), "tap:lainnya", "freezer", "3jt", "tap:today")
    assert out.state.step == "source"
    for expected in ("given_on", "value", "kind_other", "kind"):
        out = go(out.state, "tap:back")
        assert out.state.step == expected


def test_months_are_whole_calendar_months() -> None:
    from datetime import date

    assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 0
    assert months_between(date(2026, 1, 15), date(2027, 1, 15)) == 12
    assert repeats("modal_usaha", date(2026, 12, 1), [("modal_usaha", date(2026, 1, 2))], 12)
    assert not repeats("lainnya", date(2026, 12, 1), [("lainnya", date(2026, 11, 2))], 12)
