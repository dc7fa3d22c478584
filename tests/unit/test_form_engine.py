"""The form engine's shared rules, on a small form of its own: no Telegram, no
database, each test a few microseconds (issue 10, "A pure transition")."""

from __future__ import annotations

from dataclasses import replace

import pytest

from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.text import N_
from wrse_bot.domain.vocabulary import SKILL_WORDS, YES_NO
from wrse_bot.forms.engine import (
    Answer,
    Ask,
    Finished,
    FormState,
    OfferHelp,
    Outcome,
    Problem,
    Redraw,
    Stale,
    advance,
    previous,
    refuse,
    start,
)
from wrse_bot.forms.model import EMOJI, TAP, TOO_LONG, Answers, Choice, Form, Question


def age(text: str, answers: Answers) -> int:
    if not text.isdigit() or not 15 <= int(text) <= 99:
        raise DomainError(N_("Please type your age in years, for example: 42."))
    return int(text)


FORM = Form(
    "toy",
    help_after=3,
    questions=(
        Question("age", "age?", parse=age, example=N_("example: 42"), back=False),
        Question(
            "works",
            "works?",
            choices=(Choice("yes", "Yes", value=True), Choice("no", "No", value=False)),
            words=YES_NO,
            next=lambda a: "job" if a.get("works") else "skills",
        ),
        Question("job", "job?", parse=lambda text, a: text, max_len=20, next="skills"),
        Question(
            "skills",
            "skills?",
            multi=True,
            choices=(
                Choice("t_menjahit", "Sewing", value="menjahit"),
                Choice("t_memasak", "Cooking", value="memasak"),
                Choice("t_none", "None", value="none", exclusive=True),
            ),
            words=SKILL_WORDS,
            example=N_("tap the skills, then Done"),
            next="note",
        ),
        Question("note", "note?", parse=lambda text, a: text, skippable=True),
    ),
)


def at(step: str, **answers: object) -> FormState:
    return FormState(step, rev=7, answers=answers)


def text(value: str) -> Answer:
    return Answer("text", value)


def tap(code: str, rev: int = 7) -> Answer:
    return Answer("choice", code, rev)


def asked(outcome: Outcome) -> Ask:
    ask = outcome.effects[0]
    assert isinstance(ask, Ask), outcome.effects
    return ask


def test_starting_asks_the_first_question_and_resuming_asks_the_open_one() -> None:
    first = start(FORM, FormState(None))
    assert first.state.step == "age" and first.state.rev == 1 and first.effects == (Ask("age"),)
    resumed = start(FORM, at("skills", age=40))
    assert resumed.effects == (Ask("skills"),) and resumed.state.rev == 8
    # A message before "Mulai" begins the form as well.
    assert advance(FORM, FormState(None), text("halo")).effects == (Ask("age"),)


def test_an_answer_is_kept_and_the_next_question_depends_on_it() -> None:
    out = advance(FORM, at("age"), text("42"))
    assert out.state.answers == {"age": 42} and out.effects == (Ask("works"),)
    assert out.state.rev == 8
    assert asked(advance(FORM, at("works", age=42), text("iya"))).step == "job"
    assert asked(advance(FORM, at("works", age=42), tap("no"))).step == "skills"


def test_a_button_of_an_older_revision_changes_nothing() -> None:
    state = at("works", age=42)
    old = advance(FORM, state, tap("yes", rev=3))
    assert old.state is state and old.effects == (Stale("works", double_tap=False),)
    assert not old.changed
    twice = advance(FORM, state, tap("yes", rev=6))  # the button just replaced
    assert twice.effects == (Stale("works", double_tap=True),)


def test_back_follows_her_path_and_keeps_the_answer() -> None:
    state = at("skills", age=42, works=False)
    back = advance(FORM, state, tap("back"))
    assert back.effects == (Ask("works"),) and back.state.answers["works"] is False
    assert previous(FORM, at("skills", age=42, works=True, job="guru")) == "job"
    assert asked(advance(FORM, at("works", age=42), text("kembali"))).step == "age"
    # Nothing before the first question: the same question again, no problem.
    assert advance(FORM, at("age"), Answer("back")).effects == (Ask("age"),)


def test_an_answer_her_path_now_skips_is_forgotten_and_later_ones_kept() -> None:
    state = at("works", age=42, works=True, job="guru", skills=("memasak",))
    out = advance(FORM, state, tap("no"))
    assert out.state.answers.get("job") is None  # no job when she does not work
    assert out.state.answers["skills"] == ("memasak",)  # kept for when she gets there


def test_skip_only_where_the_form_allows_it() -> None:
    done = advance(FORM, at("note", age=42, works=False, skills=("none",)), text("lewati"))
    assert done.effects == (Finished(),) and done.state.step == "done"
    assert done.state.answers["note"] is None
    refused = advance(FORM, at("age"), Answer("skip"))
    assert asked(refused).problem is not None and refused.state.step == "age"


def test_a_multiple_choice_toggles_in_place_then_done() -> None:
    one = advance(FORM, at("skills"), tap("t_memasak"))
    assert one.effects == (Redraw("skills"),) and one.state.answers["skills"] == ("memasak",)
    two = advance(FORM, one.state, tap("t_menjahit", rev=8))
    assert two.state.answers["skills"] == ("menjahit", "memasak")  # in the buttons' order
    off = advance(FORM, two.state, tap("t_memasak", rev=9))
    assert off.state.answers["skills"] == ("menjahit",)
    typed = advance(FORM, off.state, text("masak"))  # typed: the question is asked again
    assert typed.effects == (Ask("skills"),) and typed.state.answers["skills"] == (
        "menjahit",
        "memasak",
    )
    assert asked(advance(FORM, typed.state, text("selesai"))).step == "note"
    # "None" alone is the whole answer, and moves on.
    none = advance(FORM, two.state, tap("t_none", rev=9))
    assert none.state.answers["skills"] == ("none",) and asked(none).step == "note"


def test_done_with_nothing_chosen_says_what_to_do() -> None:
    out = advance(FORM, at("skills"), tap("done"))
    assert asked(out).problem is not None
    assert asked(out).problem.message == "tap the skills, then Done"


@pytest.mark.parametrize(
    ("answer", "message", "prefix"),
    [
        (Answer("other", "sticker"), TAP, "Sorry, we cannot see pictures, stickers or videos yet."),
        (Answer("other", "photo"), TAP, "Sorry, we cannot see pictures, stickers or videos yet."),
        (Answer("other", "voice"), TAP, "Sorry, we cannot listen to voice messages yet."),
        (Answer("other", "location"), TAP, "Sorry, I can only read buttons and text."),
        (text("   "), TAP, None),
        (text("🙏🙏"), TAP, EMOJI),
        (text("x" * 600), TAP, TOO_LONG),  # too long, then how to answer
        (text("mungkin"), TAP, None),
        (tap("t_memasak"), TAP, None),  # a code this question does not have
    ],
)
def test_each_bad_input_kind_gets_a_kind_problem_and_the_same_question(
    answer: Answer, message: str, prefix: str | None
) -> None:
    out = advance(FORM, at("works", age=42), answer)
    ask = asked(out)
    assert ask.step == "works" and ask.problem is not None
    assert ask.problem.message == message and ask.problem.prefix == prefix
    assert out.state.rev == 8  # the question is drawn afresh: its old buttons are stale


def test_a_typed_answer_the_parser_refuses_shows_its_example() -> None:
    ask = asked(advance(FORM, at("age"), text("tua")))
    assert ask.problem is not None and "42" in ask.problem.message
    long = asked(advance(FORM, at("job", age=42, works=True), text("x" * 21)))
    assert long.problem is not None and long.problem.params == {"max": 20}


def test_help_is_offered_after_three_misses_in_a_row_and_a_good_answer_resets() -> None:
    state = at("works", age=42)
    effects = []
    for _ in range(4):
        out = advance(FORM, state, text("hmm"))
        state = out.state
        effects.append(OfferHelp() in out.effects)
    assert effects == [False, False, True, True] and state.misses == 4
    assert OfferHelp() in out.effects[1:]  # after the question: drawn below the answers
    answered = advance(FORM, state, text("ya"))
    assert answered.state.misses == 0 and OfferHelp() not in answered.effects


def test_a_form_refuses_reserved_or_duplicate_codes() -> None:
    with pytest.raises(ValueError, match="reserved"):
        Form("bad", (Question("q", "q?", choices=(Choice("back", "Back"),)),))
    with pytest.raises(ValueError, match="unique"):
        Form("bad", (Question("q", "q?"), Question("q", "again?")))


# ---- a form with a review ----------------------------------------------------------------

PLACES = {"batu": ("Temas", "Sisir"), "junrejo": ("Beji", "Tlekung")}
REVIEWED = Form(
    "reviewed",
    review=True,
    questions=(
        Question(
            "kecamatan",
            "kecamatan?",
            choices=tuple(Choice(k, k) for k in PLACES),
            resets=("village",),  # a desa of the old kecamatan no longer holds
            back=False,
        ),
        Question(
            "village",
            "desa?",
            choices=lambda a: tuple(Choice(v.lower(), v) for v in PLACES.get(a["kecamatan"], ())),
        ),
        Question("name", "name?", parse=lambda text, a: text),
    ),
)
COMPLETE = FormState("review", 5, {"kecamatan": "batu", "village": "sisir", "name": "Siti"})


def test_after_the_last_question_her_answers_are_reviewed_before_they_count() -> None:
    out = advance(REVIEWED, replace(COMPLETE, step="name"), text("Sri"))
    assert out.effects == (Ask("review"),) and out.state.answers["name"] == "Sri"
    sent = advance(REVIEWED, COMPLETE, Answer("choice", "submit", 5))
    assert sent.effects == (Finished(),) and sent.state.step == "done"
    assert advance(REVIEWED, COMPLETE, text("selesai")).effects == (Finished(),)


def test_editing_one_answer_returns_to_the_review() -> None:
    edit = advance(REVIEWED, COMPLETE, Answer("choice", "edit_name", 5))
    assert edit.effects == (Ask("name"),) and edit.state.editing == COMPLETE.answers
    done = advance(REVIEWED, edit.state, text("Sri"))
    assert done.effects == (Ask("review"),) and done.state.editing is None
    assert done.state.answers["name"] == "Sri"


def test_an_edit_that_changes_her_path_asks_what_is_missing_then_the_review() -> None:
    edit = advance(REVIEWED, COMPLETE, Answer("choice", "edit_kecamatan", 5))
    moved = advance(REVIEWED, edit.state, Answer("choice", "junrejo", 6))
    assert moved.effects == (Ask("village"),)  # the old desa is not in Junrejo
    assert moved.state.answers.get("village") is None
    back = advance(REVIEWED, moved.state, Answer("choice", "beji", 7))
    assert back.effects == (Ask("review"),) and back.state.answers["village"] == "beji"
    # The same kecamatan again keeps her desa: straight back to the review.
    same = advance(REVIEWED, edit.state, Answer("choice", "batu", 6))
    assert same.effects == (Ask("review"),) and same.state.answers["village"] == "sisir"


def test_kembali_during_an_edit_restores_her_answers_at_the_review() -> None:
    edit = advance(REVIEWED, COMPLETE, Answer("choice", "edit_kecamatan", 5))
    half = advance(REVIEWED, edit.state, Answer("choice", "junrejo", 6)).state
    restored = advance(REVIEWED, half, Answer("back"))
    assert restored.effects == (Ask("review"),) and restored.state.answers == COMPLETE.answers


def test_the_review_refuses_what_is_not_its_buttons() -> None:
    for ans in (
        text("hmm"),
        Answer("other", "sticker"),
        Answer("choice", "edit_nothing", 5),
        Answer("choice", "sisir", 5),
    ):
        out = advance(REVIEWED, COMPLETE, ans)
        assert asked(out).step == "review" and asked(out).problem is not None, ans
    assert advance(REVIEWED, COMPLETE, Answer("choice", "submit", 4)).effects == (
        Stale("review", double_tap=True),
    )
    assert advance(REVIEWED, COMPLETE, Answer("back")).effects == (Ask("name"),)
    assert start(REVIEWED, COMPLETE).effects == (Ask("review"),)  # resumed at the review


# A list that grows: typed items stay on the list; "add" asks for one more.
LIST = Form(
    "list",
    review=True,
    questions=(
        Question("item", "item?", key="items", parse=lambda t, a: (*(a.get("items") or ()), t)),
        Question(
            "items",
            "items so far; more?",
            choices=lambda a: (
                Choice("add", "Add", value=a.get("items"), goto="item"),
                Choice("enough", "Enough", value=a.get("items")),
            ),
            parse=lambda t, a: (*(a.get("items") or ()), t),
            typed_next="items",
        ),
    ),
)


def test_an_answer_typed_where_typed_next_says_goes_there() -> None:
    state = start(LIST, FormState(None)).state
    state = advance(LIST, state, Answer("text", "a")).state
    assert state.step == "items"
    state = advance(LIST, state, Answer("text", "b")).state
    assert state.step == "items" and state.answers["items"] == ("a", "b")
    done = advance(LIST, state, Answer("choice", "enough", state.rev)).state
    assert done.step == "review"


def test_a_goto_she_chose_is_followed_during_an_edit_from_the_review() -> None:
    state = start(LIST, FormState(None)).state
    for ans in (Answer("text", "a"), Answer("choice", "enough")):
        state = advance(LIST, state, replace(ans, rev=state.rev)).state
    state = advance(LIST, state, Answer("choice", "edit_items", state.rev)).state
    state = advance(LIST, state, Answer("choice", "add", state.rev)).state
    assert state.step == "item"  # not straight back to the review
    state = advance(LIST, state, Answer("text", "b")).state
    assert state.step == "items" and state.answers["items"] == ("a", "b")  # the same answer
    state = advance(LIST, state, Answer("choice", "enough", state.rev)).state
    assert state.step == "review"


def test_an_answer_refused_by_a_rule_outside_the_table_is_a_miss_on_the_same_question() -> None:
    form = Form("f", (Question("a", "A?", parse=lambda t, a: t), Question("b", "B?")), help_after=2)
    state = FormState("a", rev=3, misses=1)
    out = refuse(form, state, Problem("too many"))
    assert out.state.step == "a" and out.state.rev == 4 and out.state.misses == 2
    assert out.effects == (Ask("a", Problem("too many")), OfferHelp())
