"""Every route of the check-in form, without Telegram or a database: the
answers, "Kembali" at every question, skipping, three misses and each bad
input kind (issue 10; the conversation itself is issue 4)."""

from __future__ import annotations

import pytest

from wrse_bot.forms.checkin import CHECKIN
from wrse_bot.forms.engine import (
    Answer,
    Ask,
    Finished,
    FormState,
    OfferHelp,
    Redraw,
    Stale,
    advance,
    start,
)
from wrse_bot.forms.model import DONE


def run(*inputs: str) -> FormState:
    """From "Mulai", her inputs in order: "#code" taps a button, anything else is typed."""
    state = start(CHECKIN, FormState(None)).state
    for item in inputs:
        ans = Answer("choice", item[1:], state.rev) if item[:1] == "#" else Answer("text", item)
        out = advance(CHECKIN, state, ans)
        assert all(getattr(e, "problem", None) is None for e in out.effects), (item, out)
        state = out.state
    return state


def ask(state: FormState, ans: Answer) -> Ask:
    effect = advance(CHECKIN, state, ans).effects[0]
    assert isinstance(effect, Ask), effect
    return effect


def test_she_started_a_business_and_answers_everything() -> None:
    state = run("300rb", "#yes", "#menjahit", "#t_mesin_jahit", "#done", "#lainnya")
    assert state.step == "obstacle_other"
    state = run("300rb", "#yes", "#menjahit", "#t_mesin_jahit", "#done", "#lainnya", "anak sakit")
    assert state.step == "contact"
    done = advance(CHECKIN, state, Answer("choice", "yes", state.rev))
    assert done.effects == (Finished(),) and done.state.step == DONE
    assert done.state.answers == {
        "income": 300_000,
        "business_started": True,
        "business_kind": "menjahit",
        "help_received": ("mesin_jahit",),
        "obstacle": "lainnya",
        "obstacle_other": "anak sakit",
        "wants_contact": True,
    }


def test_not_yet_skips_the_kind_of_business() -> None:
    state = run("#none", "#no")
    assert state.step == "help" and state.answers["income"] == 0
    assert state.answers["business_started"] is False


def test_an_ambiguous_amount_is_confirmed_retyped_or_typed_again() -> None:
    state = run("1,5")
    assert state.step == "income_confirm" and state.answers["income"] == (1_500_000, 1_500)
    assert run("1,5", "#c0").answers["income"] == 1_500_000
    retyped = run("1,5", "#retype")
    assert retyped.step == "income" and retyped.answers["income"] is None
    typed = run("1,5", "1,5 juta")
    assert typed.step == "business" and typed.answers["income"] == 1_500_000


def test_a_business_in_her_own_words_or_through_other() -> None:
    assert run("500rb", "#yes", "warung bakso").answers["business_kind"] == "warung bakso"
    other = run("500rb", "#yes", "#lainnya")
    assert other.step == "business_other"
    assert run("500rb", "#yes", "#lainnya", "jamu").answers["business_kind"] == "jamu"
    assert run("500rb", "#yes", "#lainnya", "jamu").step == "help"


def test_typed_words_answer_every_button_question() -> None:
    state = run("500rb", "iya", "masak", "mesin jahit", "modal usaha", "selesai")
    assert state.answers["business_kind"] == "memasak"
    assert state.answers["help_received"] == ("mesin_jahit", "modal_usaha")
    state = run("500rb", "belum", "tidak ada", "kurang modal", "mboten")
    assert state.step == DONE and state.answers["business_started"] is False
    assert state.answers["help_received"] == ("tidak_ada",) and state.answers["obstacle"] == "modal"
    assert state.answers["wants_contact"] is False
    assert run("500rb", "nggih", "#kue_kering", "#t_tidak_ada", "#modal", "enggeh").answers[
        "wants_contact"
    ]


def test_toggling_help_redraws_in_place_and_no_help_is_the_whole_answer() -> None:
    state = run("500rb", "#no")
    out = advance(CHECKIN, state, Answer("choice", "t_gerobak", state.rev))
    assert out.effects == (Redraw("help"),) and out.state.answers["help_received"] == ("gerobak",)
    none = advance(CHECKIN, out.state, Answer("choice", "t_tidak_ada", out.state.rev))
    assert none.state.answers["help_received"] == ("tidak_ada",) and none.state.step == "obstacle"


def test_a_new_path_forgets_what_it_passes_by() -> None:
    state = run("500rb", "#yes", "#menjahit", "#t_tidak_ada", "#lainnya", "hujan", "#no")
    assert state.step == DONE and state.answers["obstacle_other"] == "hujan"
    changed = run("500rb", "#yes", "#menjahit", "kembali", "kembali", "#no")
    assert changed.step == "help" and changed.answers.get("business_kind") is None
    obstacle = run("500rb", "#no", "#t_tidak_ada", "#lainnya", "hujan", "kembali", "kembali")
    assert obstacle.step == "obstacle"
    assert (
        run(
            "500rb", "#no", "#t_tidak_ada", "#lainnya", "hujan", "kembali", "kembali", "#modal"
        ).answers.get("obstacle_other")
        is None
    )


@pytest.mark.parametrize(
    ("inputs", "open_step", "back_to"),
    [
        ((), "income", "income"),  # nothing before the first question
        (("1,5",), "income_confirm", "income"),
        (("1,5", "#c0"), "business", "income"),  # not to the confirmation: the amount again
        (("500rb",), "business", "income"),
        (("500rb", "#yes"), "business_kind", "business"),
        (("500rb", "#yes", "#lainnya"), "business_other", "business_kind"),
        (("500rb", "#yes", "#lainnya", "jamu"), "help", "business_kind"),
        (("500rb", "#yes", "#menjahit"), "help", "business_kind"),
        (("500rb", "#no"), "help", "business"),  # "Belum" skipped the kind of business
        (("500rb", "#no", "#t_tidak_ada"), "obstacle", "help"),
        (("500rb", "#no", "#t_tidak_ada", "#lainnya"), "obstacle_other", "obstacle"),
        (("500rb", "#no", "#t_tidak_ada", "#modal"), "contact", "obstacle"),
        (("500rb", "#no", "#t_tidak_ada", "#lainnya", "hujan"), "contact", "obstacle_other"),
    ],
)
def test_back_at_every_question_returns_to_the_one_she_came_from(
    inputs: tuple[str, ...], open_step: str, back_to: str
) -> None:
    state = run(*inputs)
    assert state.step == open_step
    for back in (Answer("back"), Answer("choice", "back", state.rev), Answer("text", "Kembali")):
        out = advance(CHECKIN, state, back)
        assert out.effects == (Ask(back_to),), back
        assert out.state.answers == state.answers  # her answer is kept until she changes it


OPEN_STEPS = [
    ((), "income"),
    (("1,5",), "income_confirm"),
    (("500rb",), "business"),
    (("500rb", "#yes"), "business_kind"),
    (("500rb", "#yes", "#lainnya"), "business_other"),
    (("500rb", "#no"), "help"),
    (("500rb", "#no", "#t_tidak_ada"), "obstacle"),
    (("500rb", "#no", "#t_tidak_ada", "#lainnya"), "obstacle_other"),
    (("500rb", "#no", "#t_tidak_ada", "#modal"), "contact"),
]
BAD_INPUTS = [
    Answer("other", "sticker"),
    Answer("other", "photo"),
    Answer("other", "voice"),
    Answer("text", " "),
    Answer("text", "🙏"),
    Answer("text", "panjang " * 40),
    Answer("skip"),  # no check-in question may be skipped
]


@pytest.mark.parametrize(("inputs", "open_step"), OPEN_STEPS)
@pytest.mark.parametrize("bad", BAD_INPUTS, ids=lambda a: f"{a.kind}:{a.value[:8]}")
def test_each_bad_input_kind_at_every_question_gets_the_same_question_again(
    inputs: tuple[str, ...], open_step: str, bad: Answer
) -> None:
    state = run(*inputs)
    out = advance(CHECKIN, state, bad)
    effect = out.effects[0]
    assert isinstance(effect, Ask) and effect.step == open_step and effect.problem is not None
    assert out.state.answers == state.answers and out.state.rev == state.rev + 1
    if bad.kind == "other":
        assert effect.problem.prefix is not None  # says what the bot cannot do yet


@pytest.mark.parametrize(("inputs", "open_step"), OPEN_STEPS)
def test_three_misses_ask_the_same_question_each_time(
    inputs: tuple[str, ...], open_step: str
) -> None:
    state = run(*inputs)
    for miss in ("🙏", "?", "🙏"):
        out = advance(CHECKIN, state, Answer("text", miss))
        assert out.effects[0] == Ask(open_step, out.effects[0].problem)  # type: ignore[union-attr]
        assert out.effects[0].problem is not None  # type: ignore[union-attr]
        assert OfferHelp() not in out.effects  # the check-in has no help button
        state = out.state
    assert state.misses == 3 and state.step == open_step


@pytest.mark.parametrize(("inputs", "open_step"), OPEN_STEPS)
def test_a_button_from_an_earlier_question_changes_nothing_at_every_question(
    inputs: tuple[str, ...], open_step: str
) -> None:
    state = run(*inputs)
    for rev, double in ((state.rev - 1, True), (state.rev - 2, False), (state.rev + 1, False)):
        out = advance(CHECKIN, state, Answer("choice", "yes", rev))
        assert out.state is state and out.effects == (Stale(open_step, double_tap=double),)


def test_words_that_name_no_button_are_refused_kindly() -> None:
    business = run("500rb")
    assert ask(business, Answer("text", "mungkin")).problem is not None
    assert ask(run("500rb", "#no"), Answer("text", "warung")).problem is not None
    assert ask(run("500rb", "#no", "#t_tidak_ada"), Answer("text", "anak sering sakit")).problem
    assert ask(run(), Answer("text", "banyak sekali")).problem is not None
    assert ask(run("500rb", "#yes", "#lainnya"), Answer("text", "x")).problem is not None
