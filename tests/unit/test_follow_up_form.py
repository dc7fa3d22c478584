"""The follow-up note as a form, without Telegram or a database (issue 10)."""

from __future__ import annotations

import pytest

from wrse_bot.forms.engine import Answer, Ask, Finished, FormState, Stale, advance, start
from wrse_bot.forms.model import DONE, TOO_LONG
from wrse_bot.services.follow_up import FOLLOW_UP_NOTE, NOTE_MAX

OPEN = start(FOLLOW_UP_NOTE, FormState(None, answers={"_id": 7})).state


def test_the_note_is_saved_as_typed_in_one_line() -> None:
    out = advance(FOLLOW_UP_NOTE, OPEN, Answer("text", "  Sudah ditelepon,\n butuh modal "))
    assert out.effects == (Finished(),) and out.state.step == DONE
    assert out.state.answers["note"] == "Sudah ditelepon, butuh modal"


def test_the_prompt_names_the_follow_up() -> None:
    q = FOLLOW_UP_NOTE.first
    assert q.params is not None and q.params(OPEN.answers) == {"id": 7}


@pytest.mark.parametrize(
    "bad",
    [
        Answer("other", "sticker"),
        Answer("other", "voice"),
        Answer("text", ""),
        Answer("text", "   "),
        Answer("text", "🙏🙏"),
        Answer("skip"),
        Answer("choice", "yes", OPEN.rev),
    ],
    ids=lambda a: f"{a.kind}:{a.value[:6]}",
)
def test_anything_but_a_typed_note_asks_again(bad: Answer) -> None:
    out = advance(FOLLOW_UP_NOTE, OPEN, bad)
    (effect,) = out.effects
    assert isinstance(effect, Ask) and effect.step == "note" and effect.problem is not None
    assert out.state.answers == OPEN.answers and out.state.misses == 1


@pytest.mark.parametrize("text", ["x" * (NOTE_MAX + 1), "🌸a" * 167, "a" * 4000])
def test_a_note_too_long_as_telegram_counts_is_asked_again_with_the_limit(text: str) -> None:
    (effect,) = advance(FOLLOW_UP_NOTE, OPEN, Answer("text", text)).effects
    assert isinstance(effect, Ask) and effect.problem is not None
    assert TOO_LONG in (effect.problem.message, effect.problem.prefix)
    assert effect.problem.params == {"max": NOTE_MAX}


def test_the_longest_note_fits() -> None:
    out = advance(FOLLOW_UP_NOTE, OPEN, Answer("text", "🌸a" * 166))  # 498 to Telegram
    assert out.state.step == DONE


def test_back_has_nowhere_to_go_and_keeps_the_question() -> None:
    for back in (Answer("back"), Answer("text", "Kembali")):
        assert advance(FOLLOW_UP_NOTE, OPEN, back).effects == (Ask("note"),)


def test_a_button_of_an_earlier_question_changes_nothing() -> None:
    out = advance(FOLLOW_UP_NOTE, OPEN, Answer("choice", "note", OPEN.rev - 1))
    assert out.state is OPEN and out.effects == (Stale("note", double_tap=True),)
