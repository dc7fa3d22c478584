"""/undang's question as a form, without Telegram or a database (issue 10)."""

from __future__ import annotations

import pytest

from wrse_bot.forms.engine import Answer, Ask, Finished, FormState, Stale, advance, start
from wrse_bot.forms.model import DONE
from wrse_bot.services.access import INVITE_FORM

OPEN = start(INVITE_FORM, FormState(None)).state


@pytest.mark.parametrize(
    ("ans", "role"),
    [
        (Answer("choice", "staff", OPEN.rev), "staff"),
        (Answer("choice", "coordinator", OPEN.rev), "coordinator"),
        (Answer("text", "petugas"), "staff"),
        (Answer("text", "Staf"), "staff"),
        (Answer("text", "koordinatr"), "coordinator"),  # a small typo
    ],
)
def test_a_tap_or_typed_words_pick_the_role(ans: Answer, role: str) -> None:
    out = advance(INVITE_FORM, OPEN, ans)
    assert out.effects == (Finished(),) and out.state.step == DONE
    assert out.state.answers == {"role": role}


@pytest.mark.parametrize(
    "bad",
    [
        Answer("text", "admin"),  # not given by invitation
        Answer("text", ""),
        Answer("text", "🙂"),
        Answer("text", "x" * 4000),
        Answer("other", "sticker"),
        Answer("choice", "admin", OPEN.rev),
        Answer("skip"),
        Answer("back"),
    ],
    ids=lambda a: f"{a.kind}:{a.value[:6]}",
)
def test_anything_else_asks_again(bad: Answer) -> None:
    (effect,) = advance(INVITE_FORM, OPEN, bad).effects
    assert isinstance(effect, Ask) and effect.step == "role"
    assert effect.problem is not None or bad.kind == "back"


def test_an_old_button_changes_nothing() -> None:
    out = advance(INVITE_FORM, OPEN, Answer("choice", "staff", OPEN.rev - 1))
    assert out.state is OPEN and out.effects == (Stale("role", double_tap=True),)
