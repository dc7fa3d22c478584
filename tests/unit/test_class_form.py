"""Every route of the staff's class forms without Telegram or a database: the
new class question by question, "Kembali" at every question, the sessions loop,
the preview and its edit loop, three misses and each bad input kind, and the
change of a published class (issue 10; the forms themselves are issue 3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wrse_bot.clock import WIB, now
from wrse_bot.domain.small_talk import unreadable_message
from wrse_bot.forms.class_form import (
    CLASS_EDIT_FORM,
    CLASS_FORM,
    NOW,
    TAP,
    TYPE,
    spans_of,
    spec_of,
)
from wrse_bot.forms.engine import Answer, Ask, Finished, FormState, Stale, advance, previous, start
from wrse_bot.forms.model import DONE, EMOJI, REVIEW, TOO_LONG, Form
from wrse_bot.forms.model import TAP as TAP_BELOW

YEAR = now().astimezone(WIB).year + 1  # always in the future: December of next year
S1, S2 = f"1 Desember {YEAR} 09.00-12.00", f"2-12-{YEAR} 09:00-12:00"
DEADLINE = f"25 November {YEAR} 17.00"
UP_TO_SESSIONS = (
    "#menjahit",
    "Menjahit Dasar",
    "Belajar menjahit baju dari nol.",
    "Balai Desa Beji",
    "#35_79_03",
    "Bu Sri",
    "#20",
)
WHOLE = (*UP_TO_SESSIONS, S1, "#add", S2, "#enough", DEADLINE)


def wib(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(YEAR, month, day, hour, tzinfo=WIB).astimezone(UTC)


def answer(state: FormState, item: str) -> Answer:
    """ "#code" taps a button of the open question, "!kind" sends a sticker or the
    like, anything else is typed."""
    if item[:1] == "#":
        return Answer("choice", item[1:], state.rev)
    if item[:1] == "!":
        return Answer("other", item[1:])
    return Answer("text", item)


def run(*inputs: str, form: Form = CLASS_FORM, state: FormState | None = None) -> FormState:
    state = start(form, state or FormState(None)).state
    for item in inputs:
        out = advance(form, state, answer(state, item))
        assert all(getattr(e, "problem", None) is None for e in out.effects), (item, out)
        state = out.state
    return state


def refused(state: FormState, item: str, form: Form = CLASS_FORM) -> Ask:
    out = advance(form, state, answer(state, item))
    effect = out.effects[0]
    assert isinstance(effect, Ask) and effect.problem is not None, (item, out)
    assert effect.step == state.step and out.state.answers == state.answers
    return effect


# ---- /kelas_baru ------------------------------------------------------------------------


def test_a_class_asked_question_by_question_reaches_the_preview_and_publishes() -> None:
    steps = []
    state = start(CLASS_FORM, FormState(None)).state
    for item in WHOLE:
        steps.append(state.step)
        state = advance(CLASS_FORM, state, answer(state, item)).state
    assert steps == [
        "skill",
        "title",
        "description",
        "place",
        "kecamatan",
        "trainer",
        "capacity",
        "session",
        "sessions",
        "session",
        "sessions",
        "deadline",
    ]
    assert state.step == REVIEW
    done = advance(CLASS_FORM, state, Answer("choice", "submit", state.rev))
    assert done.effects == (Finished(),) and done.state.step == DONE
    spec = spec_of(done.state.answers)
    assert (spec.skill, spec.title, spec.place, spec.trainer) == (
        "menjahit",
        "Menjahit Dasar",
        "Balai Desa Beji",
        "Bu Sri",
    )
    assert spec.kecamatan_code == "35.79.03" and spec.capacity == 20
    assert [(s.starts_at, s.ends_at) for s in spec.sessions] == [
        (wib(1, 9), wib(1, 12)),
        (wib(2, 9), wib(2, 12)),
    ]
    assert spec.enrol_deadline == wib(25, 17, month=11)


def test_every_button_may_be_typed_instead() -> None:
    state = run(
        "mau masak",  # the skill, in a sentence
        "Masak Sehat",
        "Belajar memasak sehat.",
        "Balai Kota",
        "junrjo",  # a kecamatan with a typo
        "Pak Budi",
        "15 orang",
        S1,
        "tambah sesi",
        S2,
        "selesai",
        DEADLINE,
    )
    assert state.step == REVIEW
    assert state.answers["skill"] == "memasak" and state.answers["kecamatan_code"] == "35.79.03"
    assert state.answers["capacity"] == 15 and len(state.answers["sessions"]) == 2


def test_a_session_typed_on_the_list_is_added_and_the_list_shown_again() -> None:
    state = run(*UP_TO_SESSIONS, S1, S2)
    assert state.step == "sessions" and len(spans_of(state.answers)) == 2
    assert run(*UP_TO_SESSIONS, S2, S1).answers == state.answers  # kept soonest first


def test_type_again_clears_the_sessions() -> None:
    state = run(*UP_TO_SESSIONS, S1, "#again")
    assert state.step == "session" and not state.answers["sessions"]


@pytest.mark.parametrize("index", range(1, len(WHOLE) + 1))
def test_back_at_every_question_returns_to_the_one_before_keeping_answers(index: int) -> None:
    state = run(*WHOLE[:index])
    before = previous(CLASS_FORM, state) if state.step != REVIEW else "deadline"
    out = advance(CLASS_FORM, state, Answer("choice", "back", state.rev))
    assert out.effects == (Ask(before),) and out.state.step == before
    assert out.state.answers == state.answers
    typed = advance(CLASS_FORM, state, Answer("text", "kembali"))
    assert typed.state.step == before


def test_back_on_the_first_question_stays_there() -> None:
    state = run()
    assert advance(CLASS_FORM, state, Answer("back")).state.step == "skill"


def test_nothing_can_be_skipped() -> None:
    state = run("#menjahit")
    assert refused(state, "#skip").problem.message == TYPE  # type: ignore[union-attr]
    assert advance(CLASS_FORM, state, Answer("skip")).state.step == "title"


# ---- what is refused, and how it is said ------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "typed", "message"),
    [
        (("#menjahit",), "x", "This is too short. Please type at least {min} letters."),
        (("#menjahit",), "1234", "This is too short. Please type at least {min} letters."),
        (("#menjahit",), "A" * 101, "This is too long. Please keep it under {max} characters."),
        (
            UP_TO_SESSIONS[:6],
            "banyak",
            "Please type the number of seats as a number, for example: 20.",
        ),
        (
            UP_TO_SESSIONS[:6],
            "0",
            "A class has between {min} and {max} seats. Please type a number, for example: 20.",
        ),
        (
            UP_TO_SESSIONS[:6],
            "501",
            "A class has between {min} and {max} seats. Please type a number, for example: 20.",
        ),
    ],
)
def test_a_bad_typed_answer_says_why_and_asks_again(
    steps: tuple[str, ...], typed: str, message: str
) -> None:
    assert refused(run(*steps), typed).problem.message == message  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "typed", ["besok pagi", f"1 Desember {YEAR} 12.00-09.00", "1 Januari 2020 09.00-12.00"]
)
def test_a_session_that_cannot_be_read_or_is_past_gives_an_example(typed: str) -> None:
    problem = refused(run(*UP_TO_SESSIONS), typed).problem
    assert problem is not None and "example" in problem.params


def test_overlapping_sessions_are_refused() -> None:
    problem = refused(run(*UP_TO_SESSIONS, S1), f"1 Desember {YEAR} 11.00-13.00").problem
    assert problem is not None and "overlap" in problem.message


def test_the_deadline_must_come_before_the_first_session() -> None:
    problem = refused(run(*UP_TO_SESSIONS, S1, "#enough"), f"2 Desember {YEAR}").problem
    assert problem is not None and "before the first session" in problem.message
    assert problem.params["example"]


def test_each_bad_input_kind_is_a_kind_problem_and_the_same_question() -> None:
    title = run("#menjahit")
    sticker = refused(title, "!sticker").problem
    assert sticker is not None and sticker.prefix == unreadable_message("sticker")
    assert sticker.message == TYPE
    emoji = refused(title, "😀👍").problem
    assert emoji is not None and emoji.prefix == EMOJI
    assert refused(title, "").problem.message == TYPE  # type: ignore[union-attr]
    assert refused(title, "   ").problem.message == TYPE  # type: ignore[union-attr]
    # A pasted letter: the field's own limit says it; a session has the engine's.
    letter = "Belajar " * 500
    assert refused(title, letter).problem.params == {"max": 100}  # type: ignore[union-attr]
    long_session = refused(run(*UP_TO_SESSIONS), letter).problem
    assert long_session is not None and TOO_LONG in (long_session.message, long_session.prefix)
    # A word that names no button on a button question.
    assert refused(run(), "berkebun").problem.message == TAP  # type: ignore[union-attr]
    assert refused(run(*UP_TO_SESSIONS[:4]), "Jakarta").problem.message == TAP  # type: ignore[union-attr]


def test_three_misses_ask_the_same_question_each_time_and_a_good_answer_moves_on() -> None:
    state = run("#menjahit")
    for miss in range(1, 4):
        out = advance(CLASS_FORM, state, Answer("other", "sticker"))
        assert out.state.step == "title" and out.state.misses == miss
        assert [type(e) for e in out.effects] == [Ask]  # staff are not offered an officer
        state = out.state
    moved = advance(CLASS_FORM, state, Answer("text", "Menjahit Dasar")).state
    assert moved.step == "description" and moved.misses == 0


def test_a_button_of_an_earlier_question_changes_nothing() -> None:
    first = run()
    state = advance(CLASS_FORM, first, Answer("choice", "menjahit", first.rev)).state
    old = advance(CLASS_FORM, state, Answer("choice", "membatik", first.rev))
    assert old.effects == (Stale("title", double_tap=True),) and old.state == state


# ---- the preview and its edit loop --------------------------------------------------------


def review() -> FormState:
    state = run(*WHOLE)
    assert state.step == REVIEW
    return state


def edit(state: FormState, step: str) -> FormState:
    out = advance(CLASS_FORM, state, Answer("choice", f"edit_{step}", state.rev))
    assert out.effects == (Ask(step),)
    return out.state


@pytest.mark.parametrize(
    ("step", "typed", "key", "value"),
    [
        ("title", "Menjahit Lanjutan", "title", "Menjahit Lanjutan"),
        ("description", "Membuat baju anak.", "description", "Membuat baju anak."),
        ("trainer", "Bu Ani", "trainer", "Bu Ani"),
        ("capacity", "#25", "capacity", 25),
        ("skill", "#membatik", "skill", "membatik"),
    ],
)
def test_changing_one_answer_from_the_preview_returns_to_it(
    step: str, typed: str, key: str, value: object
) -> None:
    state = edit(review(), step)
    state = advance(CLASS_FORM, state, answer(state, typed)).state
    assert state.step == REVIEW and state.answers[key] == value
    assert state.answers["deadline"] is not None


def test_a_new_place_is_asked_its_kecamatan_again() -> None:
    state = edit(review(), "place")
    state = advance(CLASS_FORM, state, Answer("text", "Balai Kota")).state
    assert state.step == "kecamatan"
    state = advance(CLASS_FORM, state, Answer("text", "Batu")).state
    assert state.step == REVIEW and state.answers["kecamatan_code"] == "35.79.01"


def test_a_new_schedule_asks_the_deadline_again() -> None:
    state = edit(review(), "sessions")
    state = advance(CLASS_FORM, state, Answer("choice", "add", state.rev)).state
    assert state.step == "session"
    state = advance(CLASS_FORM, state, Answer("text", f"3 Desember {YEAR} 09.00-12.00")).state
    assert state.step == "sessions" and len(state.answers["sessions"]) == 3  # the list again
    state = advance(CLASS_FORM, state, Answer("choice", "enough", state.rev)).state
    assert state.step == "deadline"
    state = advance(CLASS_FORM, state, Answer("text", DEADLINE)).state
    assert state.step == REVIEW


def test_done_on_an_unchanged_schedule_keeps_the_deadline() -> None:
    state = edit(review(), "sessions")
    state = advance(CLASS_FORM, state, Answer("choice", "enough", state.rev)).state
    assert state.step == REVIEW and state.answers == review().answers


def test_back_during_a_change_restores_the_answer() -> None:
    state = edit(review(), "title")
    state = advance(CLASS_FORM, state, Answer("back")).state
    assert state.step == REVIEW and state.answers == review().answers


def test_the_preview_wants_a_button() -> None:
    state = review()
    assert refused(state, "!sticker").problem.message == TAP_BELOW  # type: ignore[union-attr]
    assert refused(state, "#edit_nothing").problem.message == TAP_BELOW  # type: ignore[union-attr]


# ---- changing a published class ------------------------------------------------------------

SNAPSHOT = {
    "title": "Menjahit Dasar",
    "description": "Belajar menjahit dari nol.",
    "place": "Balai Desa Beji",
    "trainer": "Bu Sri",
    "capacity": 10,
    "taken": 4,
    "sessions": {"7": f"{wib(1, 9).isoformat()}/{wib(1, 12).isoformat()}"},
}


def change(*inputs: str) -> FormState:
    return run(*inputs, form=CLASS_EDIT_FORM, state=FormState(None, answers={NOW: SNAPSHOT}))


@pytest.mark.parametrize(
    ("inputs", "value"),
    [
        (("#title", "Menjahit Lanjutan"), "Menjahit Lanjutan"),
        (("judul", "Menjahit Lanjutan"), "Menjahit Lanjutan"),  # the field typed
        (("#trainer", "Bu Ani"), "Bu Ani"),
        (("#capacity", "#15"), 15),
        (("kursi", "12"), 12),
    ],
)
def test_a_field_is_changed_then_confirmed(inputs: tuple[str, ...], value: object) -> None:
    state = change(*inputs)
    assert state.step == REVIEW and state.answers["value"] == value
    done = advance(CLASS_EDIT_FORM, state, Answer("choice", "submit", state.rev))
    assert done.effects == (Finished(),)


def test_a_new_place_asks_its_kecamatan() -> None:
    state = change("#place", "Balai Kota")
    assert state.step == "kecamatan"
    assert change("#place", "Balai Kota", "#35_79_01").answers["kecamatan_code"] == "35.79.01"


def test_a_session_is_moved() -> None:
    state = change("#s7", f"3 Desember {YEAR} 13.00-15.00")
    assert state.step == REVIEW
    assert spans_of({"sessions": (state.answers["value"],)})[0].starts_at == wib(3, 13)


def test_seats_never_below_those_taken() -> None:
    problem = refused(change("#capacity"), "3", CLASS_EDIT_FORM).problem
    assert problem is not None and problem.params == {"taken": 4}


def test_back_from_the_confirmation_and_from_the_value() -> None:
    state = change("#title", "Menjahit Lanjutan")
    back = advance(CLASS_EDIT_FORM, state, Answer("choice", "back", state.rev)).state
    assert back.step == "value"
    again = advance(CLASS_EDIT_FORM, back, Answer("back")).state
    assert again.step == "what"


def test_the_examples_are_dated_from_today_and_are_themselves_accepted() -> None:
    """An example in the past would itself be refused; "10 des 2026 9-12" is how staff say it."""
    state = run(*UP_TO_SESSIONS)
    example = CLASS_FORM.question("session").params(state.answers)["example"]  # type: ignore[misc]
    assert advance(CLASS_FORM, state, Answer("text", example)).state.step == "sessions"
    state = run(*UP_TO_SESSIONS, f"10 des {YEAR} 9-12", "#enough")
    assert spans_of(state.answers)[0].starts_at == wib(10, 9)
    deadline = CLASS_FORM.question("deadline").params(state.answers)["example"]  # type: ignore[misc]
    assert advance(CLASS_FORM, state, Answer("text", deadline)).state.step == REVIEW
