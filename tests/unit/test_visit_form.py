"""The visit note's rules, without Telegram or a database: every route, the
obstacles of both kinds, dates refused kindly, the review and its edits."""

from __future__ import annotations

from typing import Any

from wrse_bot.forms.aid import NOT_YET
from wrse_bot.forms.engine import Answer, FormState, Outcome, Redraw, advance, start
from wrse_bot.forms.model import DONE, REVIEW
from wrse_bot.forms.visit import VISIT, WHEN_EXAMPLE, day_of, obstacles_of

FACTS: dict[str, Any] = {"_today": "2026-12-08", "_name": "Siti Aminah"}


def begin() -> FormState:
    return start(VISIT, FormState(None, answers=dict(FACTS))).state


def go(state: FormState, *inputs: str) -> Outcome:
    """Each input typed, or tapped when written "tap:<code>"."""
    outcome = Outcome(state, ())
    for value in inputs:
        state = outcome.state
        if value.startswith("tap:"):
            answer = Answer("choice", value.removeprefix("tap:"), state.rev)
        else:
            answer = Answer("text", value)
        outcome = advance(VISIT, state, answer)
    return outcome


def problem(outcome: Outcome) -> str | None:
    asks = [e for e in outcome.effects if getattr(e, "problem", None) is not None]
    return asks[0].problem.message if asks else None


PLAIN = ("tap:today", "pesanan kue", "tap:percaya_diri", "tap:tetangga", "tap:done")


def test_the_plain_route_ends_in_the_review_then_done() -> None:
    out = go(begin(), *PLAIN, "jual di pasar Minggu", "tap:two_weeks")
    assert out.state.step == REVIEW
    a = out.state.answers
    assert a["visited_on"] == "2026-12-08" and a["talked"] == "pesanan kue"
    assert obstacles_of(a) == ("percaya_diri", "tetangga")
    assert str(day_of(a, "next_on")) == "2026-12-22"
    assert go(out.state, "tap:submit").state.step == DONE


def test_a_typed_date_in_the_past_is_the_visit_date_a_future_one_is_refused() -> None:
    assert go(begin(), "05-12-2026").state.answers["visited_on"] == "2026-12-05"
    out = go(begin(), "20-12-2026")
    assert out.state.step == "visited_on" and problem(out) == NOT_YET


def test_the_next_step_date_may_be_typed_but_not_in_the_past() -> None:
    at_step = go(begin(), *PLAIN, "jual di pasar")
    assert go(at_step.state, "20-12-2026").state.answers["next_on"] == "2026-12-20"
    refused = go(at_step.state, "01-12-2026")
    assert refused.state.step == "next_on" and problem(refused) == WHEN_EXAMPLE


def test_obstacles_toggle_and_none_seen_is_the_whole_answer() -> None:
    out = go(begin(), "tap:today", "pesanan kue", "tap:kesehatan")
    assert any(isinstance(e, Redraw) for e in out.effects)
    out = go(out.state, "tap:tidak_ada")
    assert out.state.step == "next_step" and obstacles_of(out.state.answers) == ()


def test_done_with_no_obstacle_ticked_is_refused() -> None:
    out = go(begin(), "tap:today", "pesanan kue", "tap:done")
    assert out.state.step == "obstacles"


def test_too_short_a_talk_is_refused_with_an_example() -> None:
    out = go(begin(), "tap:today", "ok")
    assert out.state.step == "talked" and "for example" in (problem(out) or "")


def test_one_answer_is_changed_from_the_review() -> None:
    out = go(begin(), *PLAIN, "jual di pasar", "tap:week")
    out = go(out.state, "tap:edit_talked", "modal untuk oven")
    assert out.state.step == REVIEW and out.state.answers["talked"] == "modal untuk oven"
    out = go(out.state, "tap:edit_obstacles", "tap:modal", "tap:done")
    assert out.state.step == REVIEW
    assert obstacles_of(out.state.answers) == ("percaya_diri", "tetangga", "modal")
