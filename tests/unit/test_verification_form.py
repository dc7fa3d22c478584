"""The officer's typed reason for rejecting, as a form, without Telegram or a
database (issue 10)."""

from __future__ import annotations

import pytest

from wrse_bot.forms.engine import Answer, Ask, Finished, FormState, Stale, advance, start
from wrse_bot.forms.model import DONE, TOO_LONG
from wrse_bot.services.verification import REASON_EXAMPLE, REASON_MAX, VERIFY_REASON

OPEN = start(VERIFY_REASON, FormState(None)).state


def problem_of(ans: Answer) -> tuple[str, dict[str, object]]:
    out = advance(VERIFY_REASON, OPEN, ans)
    (effect,) = out.effects
    assert isinstance(effect, Ask) and effect.step == "reason" and effect.problem is not None
    assert out.state.answers == {} and out.state.misses == 1
    return effect.problem.message, effect.problem.params


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Suami masih bekerja tetap di pabrik", "Suami masih bekerja tetap di pabrik"),
        ("  dua\n  baris ", "dua baris"),
        ("abc", "abc"),  # the shortest
        ("x" * REASON_MAX, "x" * REASON_MAX),  # the longest
    ],
)
def test_a_reason_of_3_to_200_letters_finishes_the_form(typed: str, kept: str) -> None:
    out = advance(VERIFY_REASON, OPEN, Answer("text", typed))
    assert out.effects == (Finished(),) and out.state.step == DONE
    assert out.state.answers == {"reason": kept}


@pytest.mark.parametrize(
    "bad",
    [
        Answer("text", "no"),
        Answer("text", ""),
        Answer("text", "   "),
        Answer("other", "sticker"),
        Answer("other", "photo"),
        Answer("skip"),
    ],
    ids=lambda a: f"{a.kind}:{a.value[:6]}",
)
def test_too_short_empty_or_not_text_asks_again_with_the_rule(bad: Answer) -> None:
    message, _ = problem_of(bad)
    assert message == REASON_EXAMPLE


def test_an_emoji_is_refused_as_unreadable() -> None:
    out = advance(VERIFY_REASON, OPEN, Answer("text", "👎👎👎"))
    (effect,) = out.effects
    assert isinstance(effect, Ask) and effect.problem is not None and effect.problem.prefix


@pytest.mark.parametrize("length", [REASON_MAX + 1, 4000])
def test_a_reason_too_long_is_asked_again_with_the_limit(length: int) -> None:
    (effect,) = advance(VERIFY_REASON, OPEN, Answer("text", "x" * length)).effects
    assert isinstance(effect, Ask) and effect.problem is not None
    assert effect.problem.prefix == TOO_LONG and effect.problem.params == {"max": REASON_MAX}
    assert effect.problem.message == REASON_EXAMPLE  # and how to answer


def test_back_keeps_the_question_and_three_misses_keep_asking() -> None:
    assert advance(VERIFY_REASON, OPEN, Answer("text", "kembali")).effects == (Ask("reason"),)
    state = OPEN
    for _ in range(3):
        out = advance(VERIFY_REASON, state, Answer("text", "?"))
        assert isinstance(out.effects[0], Ask) and len(out.effects) == 1  # no help button
        state = out.state
    assert state.misses == 3 and state.step == "reason"


def test_an_old_button_changes_nothing() -> None:
    out = advance(VERIFY_REASON, OPEN, Answer("choice", "reason", OPEN.rev - 2))
    assert out.state is OPEN and out.effects == (Stale("reason", double_tap=False),)
