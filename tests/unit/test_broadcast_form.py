"""Every route of /siaran as a form, without Telegram or a database: each
audience, the schedule, "Kembali" at every step, the preview's loop, typed
words for every button question, and each bad input kind (issue 10)."""

from __future__ import annotations

from typing import Any

import pytest

from wrse_bot.domain.text import Msg
from wrse_bot.forms.broadcast import (
    BROADCAST_FORM,
    MAX_TEXT,
    SCHEDULE,
    TOO_LONG,
    Audience,
    audience_of,
    audience_text,
    schedule_class,
)
from wrse_bot.forms.engine import Answer, Ask, Finished, FormState, Stale, advance, start
from wrse_bot.forms.model import DONE, REVIEW

F = BROADCAST_FORM
CLASSES = ((7, "Menjahit Dasar"), (8, "Kue Kering Lebaran"))
FACTS: dict[str, Any] = {"_classes": CLASSES}


def run(*inputs: str, facts: dict[str, Any] | None = None) -> FormState:
    """From /siaran, her inputs: "#code" taps a button, anything else is typed."""
    facts = FACTS if facts is None else facts
    state = start(F, FormState(None, answers=facts)).state
    for item in inputs:
        ans = Answer("choice", item[1:], state.rev) if item[:1] == "#" else Answer("text", item)
        out = advance(F, state, ans)
        assert all(getattr(e, "problem", None) is None for e in out.effects), (item, out)
        state = out.state
    return state


def codes(state: FormState) -> list[str]:
    return [c.code for c in F.question(state.step or "").options(state.answers)]


@pytest.mark.parametrize(
    ("inputs", "audience"),
    [
        (("#all",), Audience("all")),
        (("#kec", "#k357903"), Audience("kecamatan", "35.79.03")),
        (("#int", "#membatik"), Audience("interest", "membatik")),
        (("#enr", "#c7"), Audience("enrolled", 7)),
        (("#wait", "#c8"), Audience("waitlisted", 8)),
    ],
)
def test_each_audience_then_a_message_reaches_the_preview(
    inputs: tuple[str, ...], audience: Audience
) -> None:
    state = run(*inputs)
    assert state.step == "message"
    state = run(*inputs, "Kelas baru!\nDaftar lewat menu Kelas. 🌸")
    assert state.step == REVIEW and audience_of(state.answers) == audience
    assert state.answers["text"] == "Kelas baru!\nDaftar lewat menu Kelas. 🌸"  # lines kept
    done = advance(F, state, Answer("choice", "submit", state.rev))
    assert done.effects == (Finished(),) and done.state.step == DONE


def test_a_schedule_for_everyone_asks_which_class_and_a_class_audience_does_not() -> None:
    state = run("#all", "#schedule")
    assert state.step == "schedule" and codes(state) == ["c7", "c8"]
    state = run("#all", "#schedule", "#c8")
    assert state.step == REVIEW and schedule_class(state.answers) == 8
    own = run("#enr", "#c7", "#schedule")
    assert own.step == REVIEW and own.answers["text"] == SCHEDULE
    assert schedule_class(own.answers) == 7


def test_typed_words_answer_every_button_question() -> None:
    assert audience_of(run("semua", "Halo").answers) == Audience("all")
    assert audience_of(run("per kecamatan", "junrjo", "Halo").answers) == Audience(
        "kecamatan", "35.79.03"
    )
    assert audience_of(run("minat", "masak", "Halo").answers) == Audience("interest", "memasak")
    assert audience_of(run("peserta kelas", "menjahit dasar", "Halo").answers) == Audience(
        "enrolled", 7
    )
    assert schedule_class(run("daftar tunggu", "#c7", "#schedule").answers) == 7
    assert run("semua", "#schedule", "kue kering lebaran").step == REVIEW


def test_without_a_published_class_no_class_audience_is_offered() -> None:
    state = run(facts={"_classes": ()})
    assert codes(state) == ["all", "kec", "int"]
    assert codes(run()) == ["all", "kec", "int", "enr", "wait"]


def test_the_message_prompt_names_the_audience() -> None:
    q = F.question("message")
    assert q.params is not None
    assert q.params(run("#enr", "#c7").answers)["audience"] == Msg(
        "participants of the class {title}", {"title": "Menjahit Dasar"}
    )
    kec = audience_text(run("#kec", "#k357902").answers)
    assert kec.params == {"name": "Bumiaji"}


@pytest.mark.parametrize(
    ("inputs", "open_step", "back_to"),
    [
        (("#kec",), "kecamatan", "audience"),
        (("#int",), "interest", "audience"),
        (("#enr",), "class", "audience"),
        (("#all",), "message", "audience"),
        (("#kec", "#k357903"), "message", "kecamatan"),
        (("#int", "#menjahit"), "message", "interest"),
        (("#wait", "#c7"), "message", "class"),
        (("#all", "#schedule"), "schedule", "message"),
        (("#all", "Halo"), REVIEW, "message"),
        (("#all", "#schedule", "#c7"), REVIEW, "schedule"),
        (("#enr", "#c7", "#schedule"), REVIEW, "message"),
    ],
)
def test_back_at_every_step_returns_to_the_one_she_came_from(
    inputs: tuple[str, ...], open_step: str, back_to: str
) -> None:
    state = run(*inputs)
    assert state.step == open_step
    for back in (Answer("back"), Answer("choice", "back", state.rev), Answer("text", "Kembali")):
        out = advance(F, state, back)
        assert out.effects == (Ask(back_to),), back
        assert out.state.answers == state.answers


def test_from_the_preview_she_goes_back_and_another_audience_forgets_the_first() -> None:
    state = run("#kec", "#k357903", "Halo", "kembali", "kembali", "kembali", "#all")
    assert state.step == "message" and state.answers.get("kecamatan") is None
    state = run("#kec", "#k357903", "Halo", "kembali", "kembali", "kembali", "#all", "Halo lagi")
    assert state.step == REVIEW and audience_of(state.answers) == Audience("all")


def test_the_preview_edits_one_answer_and_returns() -> None:
    state = run("#int", "#menjahit", "Halo")
    edit = advance(F, state, Answer("choice", "edit_message", state.rev))
    assert edit.effects == (Ask("message"),)
    back = advance(F, edit.state, Answer("text", "Halo, ibu-ibu"))
    assert back.state.step == REVIEW and back.state.answers["text"] == "Halo, ibu-ibu"
    typed_done = advance(F, back.state, Answer("text", "selesai"))
    assert typed_done.state.step == DONE


OPEN_STEPS = [
    ((), "audience"),
    (("#kec",), "kecamatan"),
    (("#int",), "interest"),
    (("#enr",), "class"),
    (("#all", "#schedule"), "schedule"),
]
BAD = [
    Answer("other", "sticker"),
    Answer("other", "voice"),
    Answer("text", ""),
    Answer("text", "🙏"),
    Answer("text", "a" * 4000),
    Answer("text", "mungkin besok"),
    Answer("choice", "k999999", None),  # a made-up code; its rev is set below
]


@pytest.mark.parametrize(("inputs", "open_step"), OPEN_STEPS)
@pytest.mark.parametrize("bad", BAD, ids=lambda a: f"{a.kind}:{a.value[:8]}")
def test_bad_inputs_at_every_button_question_ask_again(
    inputs: tuple[str, ...], open_step: str, bad: Answer
) -> None:
    state = run(*inputs)
    if bad.kind == "choice":
        bad = Answer("choice", bad.value, state.rev)
    out = advance(F, state, bad)
    (effect,) = out.effects
    assert isinstance(effect, Ask) and effect.step == open_step and effect.problem is not None
    assert out.state.answers == state.answers


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", True),
        ("   ", True),
        ("🌸" * 2000, True),  # 2,000 to Python, 4,000 to Telegram
        ("a" * 4000, True),
        ("🌸" * (MAX_TEXT // 2), False),
        ("🙏", False),  # a staff member's emoji is a message
    ],
)
def test_the_message_is_judged_as_telegram_counts(text: str, problem: bool) -> None:
    state = run("#all")
    out = advance(F, state, Answer("text", text))
    if not problem:
        assert out.state.step == REVIEW and out.state.answers["text"] == text
        return
    (effect,) = out.effects
    assert isinstance(effect, Ask) and effect.step == "message" and effect.problem is not None
    if len(text) > 10:
        assert effect.problem.params == {"max": MAX_TEXT if len(text) < 4096 else 4096}
        assert len(text) >= 4096 or effect.problem.message == TOO_LONG


def test_stickers_on_the_message_and_the_preview_ask_again() -> None:
    for state in (run("#all"), run("#all", "Halo")):
        out = advance(F, state, Answer("other", "sticker"))
        assert isinstance(out.effects[0], Ask) and out.effects[0].problem is not None


def test_an_old_button_changes_nothing_at_every_step() -> None:
    for inputs, open_step in [*OPEN_STEPS, (("#all", "Halo"), REVIEW)]:
        state = run(*inputs)
        out = advance(F, state, Answer("choice", "submit", state.rev - 1))
        assert out.state is state and out.effects == (Stale(open_step, double_tap=True),)
