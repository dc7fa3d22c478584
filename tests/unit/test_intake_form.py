"""Every route of the intake form, without Telegram or a database: consent,
the NIK's confirmations, places, income, work, classes and phone, "Kembali"
at every question, skipping, the review and its edits, three misses and each
bad input kind (issue 10; the conversation itself is issue 1)."""

from __future__ import annotations

from typing import Any

import pytest

import conversations.intake as screen
from wrse_bot.domain.text import Msg
from wrse_bot.forms.engine import (
    Answer,
    Ask,
    Finished,
    FormState,
    OfferHelp,
    Redraw,
    Stale,
    advance,
    path,
    start,
)
from wrse_bot.forms.intake import EDITS, INTAKE, registration
from wrse_bot.forms.model import DONE, REVIEW, TAP, TOO_LONG, Choice, Question
from wrse_bot.i18n import translator

SITI_NIK = "3579035203800001"  # born 12 March 1980, a woman, issued in Junrejo
MAN_NIK = "3579031203800001"  # day 12: the digits say a man
JUNREJO, BEJI = "35.79.03", "35.79.03.2002"
BATU, TEMAS = "35.79.01", "35.79.01.1001"
# Her answers up to the review, "#code" tapping a button, anything else typed.
HAPPY = (
    "#yes",
    "Siti Aminah",
    SITI_NIK,
    "#yes",
    f"#{JUNREJO}",
    f"#{BEJI}",
    "RT 02 RW 05, Jl. Mawar 10",
    "#cerai_mati",
    "#yes",
    "#3",
    "500rb",
    "#sd",
    "#buruh_tani",
    "#menjahit",
    "#done",
    "0812 3456 7890",
)
# The question each of HAPPY's inputs answers.
ASKED = (
    "consent",
    "name",
    "nik",
    "dob_confirm",
    "kecamatan",
    "village",
    "address",
    "marital",
    "main_earner",
    "dependents",
    "income",
    "education",
    "occupation",
    "interests",
    "interests",
    "phone",
)


def inp(item: str, state: FormState) -> Answer:
    return Answer("choice", item[1:], state.rev) if item[:1] == "#" else Answer("text", item)


def run(*inputs: str, state: FormState | None = None) -> FormState:
    state = state or start(INTAKE, FormState(None)).state
    for item in inputs:
        out = advance(INTAKE, state, inp(item, state))
        assert all(getattr(e, "problem", None) is None for e in out.effects), (item, out)
        state = out.state
    return state


def until(step: str) -> FormState:
    return run(*HAPPY[: ASKED.index(step)])


def asked(state: FormState, item: str | Answer) -> Ask:
    ans = item if isinstance(item, Answer) else inp(item, state)
    effect = advance(INTAKE, state, ans).effects[0]
    assert isinstance(effect, Ask), effect
    return effect


# ---- the routes -------------------------------------------------------------------


def test_the_happy_path_reaches_the_review_and_files_what_she_said() -> None:
    state = run(*HAPPY)
    assert state.step == REVIEW
    done = advance(INTAKE, state, Answer("choice", "submit", state.rev))
    assert done.effects == (Finished(),) and done.state.step == DONE
    filed = registration(done.state.answers)
    assert filed["full_name"] == "Siti Aminah" and filed["nik"] == SITI_NIK
    assert filed["birth_date"] == filed["nik_birth_date"] == "1980-03-12"
    assert not filed["dob_mismatch"] and not filed["sex_mismatch"] and filed["sex"] == "F"
    assert (filed["kecamatan_code"], filed["village_code"]) == (JUNREJO, BEJI)
    assert filed["marital_status"] == "cerai_mati" and filed["main_earner"] is True
    assert (filed["dependents"], filed["income"]) == (3, 500_000)
    assert (filed["education"], filed["occupation"]) == ("sd", "buruh_tani")
    assert filed["interests"] == ["menjahit"] and filed["occupation_other"] is None
    assert (filed["phone"], filed["contact_by"]) == ("+6281234567890", "phone")
    assert filed["address"] == "RT 02 RW 05, Jl. Mawar 10"


def test_a_question_with_a_review_label_is_filed_without_a_column_of_its_own() -> None:
    """Adding a question is a table entry: its answer goes to more_answers and the
    review shows it under its label (the choice's label, translated)."""
    extra = Question(
        "business_now",
        "Own business?",
        choices=(Choice("yes", "Yes", value=True), Choice("no", "No", value=False)),
        label="Own business now",
    )
    state = run(*HAPPY)
    answers = {**state.answers, "business_now": False}
    assert registration(answers, more=(extra,))["more_answers"] == {"business_now": False}
    assert registration(state.answers)["more_answers"] is None  # none in today's table
    assert extra.shown(answers) == Msg("No")
    screen_more, screen.MORE = screen.MORE, (extra,)
    try:
        assert "Own business now: <b>No</b>" in screen.review_text(answers, translator("en"))
    finally:
        screen.MORE = screen_more


def test_each_question_asks_the_next_one_on_her_path() -> None:
    state = start(INTAKE, FormState(None)).state
    for item, step in zip(HAPPY, ASKED, strict=True):
        assert state.step == step, item
        state = run(item, state=state)


def test_not_agreeing_ends_at_once_and_read_more_shows_the_full_text() -> None:
    declined = advance(INTAKE, until("consent"), Answer("choice", "no", 1))
    assert declined.effects == (Finished(),) and declined.state.answers["consent"] is False
    full = run("#more")
    assert full.step == "consent_full"
    assert run("#more", "#yes").step == "name"
    assert run("#more", "#no").step == DONE
    assert run("baca selengkapnya").step == "consent_full"
    assert run("tidak setuju").step == DONE and run("setuju").step == "name"


def test_a_mans_nik_is_questioned_confirmed_or_typed_again() -> None:
    state = run("#yes", "Siti Aminah", MAN_NIK)
    assert state.step == "sex_confirm"
    assert run("#no", state=state).step == "nik"
    confirmed = run("#yes", "#yes", state=state)
    assert confirmed.step == "kecamatan"
    filed = registration(run(*HAPPY[4:], "#submit", state=confirmed).answers)
    assert filed["sex"] == "F" and filed["sex_mismatch"] is True
    assert run("ketik ulang NIK", state=state).step == "nik"


def test_a_wrong_birth_date_on_the_nik_is_typed_and_kept() -> None:
    state = run("#no", state=until("dob_confirm"))
    assert state.step == "dob"
    assert asked(state, "kemarin").problem is not None
    state = run("13-03-1980", state=state)
    assert state.step == "kecamatan"
    filed = registration(run(*HAPPY[4:], "#submit", state=state).answers)
    assert filed["birth_date"] == "1980-03-13" and filed["dob_mismatch"] is True
    assert filed["nik_birth_date"] == "1980-03-12"


def test_a_new_nik_asks_its_confirmations_again() -> None:
    state = run(*HAPPY)
    edit = run("#edit_nik", state=state)
    assert edit.step == "nik"
    assert run(MAN_NIK, state=edit).step == "sex_confirm"


def test_places_are_tapped_or_typed_and_a_new_kecamatan_needs_its_desa() -> None:
    state = until("kecamatan")
    assert run("junrjo", state=state).step == "village"  # a small typo
    village = run(f"#{JUNREJO}", state=state)
    assert run("beji", state=village).answers["village_code"] == BEJI
    assert asked(village, "temas").problem is not None  # a desa of another kecamatan
    assert run(f"#{JUNREJO}", "#back", f"#{BATU}", state=state).answers.get("village_code") is None


def test_the_address_may_be_skipped_and_counts_as_answered() -> None:
    state = until("address")
    skipped = run("#skip", state=state)
    assert skipped.step == "marital" and skipped.answers["address"] is None
    assert run("lewati", state=state).step == "marital"
    review = run(*HAPPY[7:], state=skipped)
    assert review.step == REVIEW and "address" in path(INTAKE, review.answers, stop=None)
    assert registration(run("#submit", state=review).answers)["address"] is None


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("janda, suami sdh meninggal", "cerai_mati"),
        ("Cerai mati", "cerai_mati"),
        ("nikah siri", "kawin_belum_tercatat"),
        ("kawin", "kawin"),  # the older card value: understood, not offered
    ],
)
def test_a_marital_status_is_typed_in_her_words(typed: str, code: str) -> None:
    assert run(typed, state=until("marital")).answers["marital_status"] == code


def test_dependents_tapped_or_typed() -> None:
    assert run("#0", state=until("dependents")).answers["dependents"] == 0
    assert run("9", state=until("dependents")).answers["dependents"] == 9
    assert asked(until("dependents"), "banyak sekali").problem is not None


def test_no_income_or_an_ambiguous_amount_confirmed_retyped_or_typed_again() -> None:
    state = until("income")
    assert run("#none", state=state).answers["income"] == 0
    ambiguous = run("500", state=state)
    assert ambiguous.step == "income_confirm"
    prompt = INTAKE.question("income_confirm")
    assert (
        prompt.params is not None and prompt.params(ambiguous.answers)["amount"].rupiah == 500_000
    )
    assert run("#c0", state=ambiguous).answers["income"] == 500_000
    assert run("#c1", state=ambiguous).answers["income"] == 500
    assert run("#retype", state=ambiguous).step == "income"
    assert run("750rb", state=ambiguous).answers["income"] == 750_000


def test_schooling_and_work_typed_and_other_work_in_her_words() -> None:
    assert run("tdk sekolah", state=until("education")).answers["education"] == "tidak_sekolah"
    assert run("ibu rumah tangga", state=until("occupation")).answers["occupation"] == (
        "mengurus_rumah_tangga"
    )
    other = run("#lainnya", state=until("occupation"))
    assert other.step == "occupation_other"
    state = run("penjual jamu", state=other)
    assert state.step == "interests" and state.answers["occupation_other"] == "penjual jamu"
    # Back to a listed work: the typed one is forgotten.
    changed = run("#back", "#back", "#petani", state=state)
    assert changed.step == "interests" and changed.answers.get("occupation_other") is None


@pytest.mark.parametrize("typed", ["masak", "memasak", "Memasak", "mau masak"])
def test_classes_toggled_by_tap_or_typed(typed: str) -> None:
    state = until("interests")
    tapped = advance(INTAKE, state, Answer("choice", "menjahit", state.rev))
    assert tapped.effects == (Redraw("interests"),)
    assert tapped.state.answers["interests"] == ("menjahit",)
    typed_out = advance(INTAKE, tapped.state, Answer("text", typed))
    assert typed_out.effects == (Ask("interests"),)  # typed: the question again
    assert typed_out.state.answers["interests"] == ("menjahit", "memasak")
    assert run("selesai", state=typed_out.state).step == "phone"


def test_done_without_a_class_is_refused() -> None:
    problem = asked(until("interests"), "#done").problem
    assert problem is not None and "at least one class" in problem.message


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("Tidak punya HP sendiri", "no_phone"),
        ("Pakai akun Telegram ini", "telegram"),
        ("tidak punya hp", "no_phone"),
        ("+62 812-3456-7890", "+6281234567890"),
    ],
)
def test_a_phone_number_or_no_phone_of_her_own(typed: str, phone: str) -> None:
    state = run(typed, state=until("phone"))
    assert state.step == REVIEW and state.answers["phone"] == phone
    filed = registration(run("#submit", state=state).answers)
    if phone.startswith("+"):
        assert (filed["phone"], filed["contact_by"]) == (phone, "phone")
    else:
        assert (filed["phone"], filed["contact_by"]) == (None, phone)


def test_someone_elses_contact_is_refused_with_its_own_words() -> None:
    problem = asked(until("phone"), Answer("other", "foreign_contact")).problem
    assert problem is not None and "someone else's contact" in problem.message
    assert problem.prefix is None


# ---- every label typed is the same as a tap ------------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_typing_any_buttons_label_is_the_same_as_tapping_it(language: str) -> None:
    t = translator(language)
    states = {step: until(step) for step in ASKED}
    states["village"] = run(f"#{JUNREJO}", state=until("kecamatan"))
    for q in INTAKE.questions:
        if q.id not in states or not q.options(states[q.id].answers) or q.id == "dependents":
            continue
        state = states[q.id]
        for choice in q.options(state.answers):
            tapped = advance(INTAKE, state, Answer("choice", choice.code, state.rev))
            typed = advance(INTAKE, state, Answer("text", t.render(choice.label)))
            assert typed.state.answers == tapped.state.answers, (q.id, choice.code)
            assert typed.state.step == tapped.state.step, (q.id, choice.code)


# ---- "Kembali" --------------------------------------------------------------------


@pytest.mark.parametrize("index", range(1, len(ASKED)))
def test_back_at_every_question_returns_to_the_one_before_keeping_answers(index: int) -> None:
    state = run(*HAPPY[:index])
    here = state.step
    back = advance(INTAKE, state, Answer("choice", "back", state.rev))
    before = ASKED[index - 1] if ASKED[index - 1] != here else ASKED[index - 2]
    assert back.effects == (Ask(before),) and back.state.step == before
    assert back.state.answers == state.answers  # nothing answered is lost
    assert advance(INTAKE, state, Answer("text", "kembali")).state.step == before


def test_back_from_the_review_is_the_phone_question_and_from_the_first_stays() -> None:
    review = run(*HAPPY)
    assert run("#back", state=review).step == "phone"
    assert run("kembali").step == "consent"


def test_back_follows_her_path_past_questions_she_was_not_asked() -> None:
    state = run("#yes", "Siti Aminah", MAN_NIK, "#yes", "#no", "13-03-1980")
    assert state.step == "kecamatan"
    walked = []
    while state.step != "consent":
        state = run("#back", state=state)
        walked.append(state.step)
    assert walked == ["dob", "dob_confirm", "sex_confirm", "nik", "name", "consent"]


# ---- the review and its edits ---------------------------------------------------------


def test_an_edit_returns_to_the_review_with_the_new_answer() -> None:
    review = run(*HAPPY)
    state = run("#edit_income", "750rb", state=review)
    assert state.step == REVIEW and state.answers["income"] == 750_000
    state = run("#edit_kecamatan", f"#{BATU}", state=review)
    assert state.step == "village"  # her desa is not in Batu
    state = run(f"#{TEMAS}", state=state)
    assert state.step == REVIEW and state.answers["village_code"] == TEMAS
    ambiguous = run("#edit_income", "500", state=review)
    assert ambiguous.step == "income_confirm"
    assert run("#c0", state=ambiguous).step == REVIEW


def test_back_during_an_edit_keeps_the_old_answers() -> None:
    review = run(*HAPPY)
    half = run("#edit_kecamatan", f"#{BATU}", state=review)
    back = run("#back", state=half)
    assert back.step == REVIEW and back.answers == review.answers


@pytest.mark.parametrize("step", [s for s, _ in EDITS])
def test_every_edit_button_opens_its_question(step: str) -> None:
    review = run(*HAPPY)
    assert run(f"#edit_{step}", state=review).step == step


def test_a_review_button_that_names_no_question_is_a_miss() -> None:
    review = run(*HAPPY)
    for code in ("edit_nothing", "edit_consent_full", "garbage"):
        out = advance(INTAKE, review, Answer("choice", code, review.rev))
        assert out.state.step == REVIEW and out.effects[0] == Ask(REVIEW, out.effects[0].problem)  # type: ignore[union-attr]
        assert out.state.misses == 1


# ---- refusals, misses, stale buttons ---------------------------------------------------

BAD: dict[str, Answer] = {
    "sticker": Answer("other", "sticker"),
    "voice": Answer("other", "voice"),
    "photo": Answer("other", "photo"),
    "emoji": Answer("text", "😀😀"),
    "4000 chars": Answer("text", "x" * 4000),
    "empty": Answer("text", "   "),
    "command": Answer("text", "/kelas"),
}
QUESTIONS = sorted(set(ASKED))


@pytest.mark.parametrize("step", QUESTIONS)
@pytest.mark.parametrize("kind", list(BAD))
def test_each_bad_input_kind_at_every_question_gets_the_same_question_again(
    step: str, kind: str
) -> None:
    state = until(step)
    out = advance(INTAKE, state, BAD[kind])
    effect = out.effects[0]
    assert isinstance(effect, Ask) and effect.step == step and effect.problem is not None
    assert out.state.answers == state.answers and out.state.misses == 1
    if kind in ("sticker", "voice", "photo"):
        assert effect.problem.prefix is not None  # says what the bot cannot do yet
    if kind == "4000 chars":
        assert effect.problem.prefix == TOO_LONG and effect.problem.params["max"] > 0


@pytest.mark.parametrize("step", QUESTIONS)
def test_three_misses_offer_help_and_an_answer_clears_them(step: str) -> None:
    state = until(step)
    effects: list[Any] = []
    for _ in range(3):
        out = advance(INTAKE, state, Answer("other", "sticker"))
        state, effects = out.state, list(out.effects)
    assert effects[-1] == OfferHelp() and state.misses == 3
    assert state.step == step
    fine = run(HAPPY[ASKED.index(step)], state=state)
    assert fine.misses == 0


@pytest.mark.parametrize("step", QUESTIONS)
def test_a_button_from_an_earlier_question_changes_nothing(step: str) -> None:
    state = until(step)
    old = advance(INTAKE, state, Answer("choice", "yes", state.rev - 2))
    assert old.effects == (Stale(step, double_tap=False),) and old.state == state
    double = advance(INTAKE, state, Answer("choice", "yes", state.rev - 1))
    assert double.effects == (Stale(step, double_tap=True),)


def test_words_that_name_no_button_ask_her_to_tap() -> None:
    problem = asked(until("marital"), "entahlah").problem
    assert problem is not None and problem.message == TAP


@pytest.mark.parametrize(
    ("step", "bad"),
    [
        ("name", "1234"),
        ("name", "😀😀"),
        ("name", "x" * 4000),
        ("nik", "12345"),
        ("nik", "3579039913800001"),  # day 99 is no date
        ("nik", "3579035203800000"),  # serial 0000
        ("address", "x" * 4000),
        ("dependents", "banyak sekali"),
        ("income", "lumayan"),
        ("income", "-500rb"),
        ("phone", "12345"),
    ],
)
def test_a_bad_typed_answer_says_how_to_answer_with_an_example(step: str, bad: str) -> None:
    problem = asked(until(step), bad).problem
    assert problem is not None and "example" in problem.message
