"""The /wilayah form's rules, without Telegram or a database: a companion,
a kecamatan, her desa there (ticked as they are now), the review and edits."""

from __future__ import annotations

from typing import Any

from wrse_bot.forms.areas import AREAS, NONE, chosen, facts
from wrse_bot.forms.engine import Answer, FormState, Outcome, Redraw, advance, start
from wrse_bot.forms.model import DONE, REVIEW

JUNREJO, BATU = "35.79.03", "35.79.01"
BEJI, TLEKUNG, TEMAS = "35.79.03.2002", "35.79.03.2004", "35.79.01.1001"
FACTS = facts(
    [(501, frozenset({BEJI, TEMAS})), (502, frozenset())],
    [(BATU, "Batu"), (JUNREJO, "Junrejo")],
    {
        BATU: [(TEMAS, "Temas")],
        JUNREJO: [(BEJI, "Beji"), (TLEKUNG, "Tlekung")],
    },
)


def begin(**facts: Any) -> FormState:
    return start(AREAS, FormState(None, answers={**FACTS, **facts})).state


def go(state: FormState, *taps: str) -> Outcome:
    outcome = Outcome(state, ())
    for code in taps:
        outcome = advance(AREAS, outcome.state, Answer("choice", code, outcome.state.rev))
    return outcome


def test_her_desa_in_the_kecamatan_start_ticked() -> None:
    out = go(begin(), "u501", "k03")
    assert out.state.step == "villages"
    assert out.state.answers["villages"] == (BEJI,)  # Temas is in Batu: not shown here


def test_a_companion_without_desa_starts_with_none_ticked() -> None:
    out = go(begin(), "u502", "k03")
    assert out.state.answers["villages"] == ()


def test_toggling_redraws_and_done_goes_to_the_review() -> None:
    out = go(begin(), "u501", "k03", "v2004")
    assert any(isinstance(e, Redraw) for e in out.effects)
    assert out.state.answers["villages"] == (BEJI, TLEKUNG)
    out = go(out.state, "v2002", "done")
    assert out.state.step == REVIEW and chosen(out.state.answers) == (TLEKUNG,)
    assert go(out.state, "submit").state.step == DONE


def test_done_with_nothing_ticked_is_refused_and_no_desa_here_is_an_answer() -> None:
    out = go(begin(), "u502", "k03", "done")
    assert out.state.step == "villages"
    out = go(out.state, NONE)
    assert out.state.step == REVIEW and chosen(out.state.answers) == ()


def test_another_kecamatan_from_the_review_starts_from_her_desa_there() -> None:
    out = go(begin(), "u501", "k03", "done")
    assert out.state.step == REVIEW
    out = go(out.state, "edit_kecamatan", "k01")
    assert out.state.step == "villages" and out.state.answers["villages"] == (TEMAS,)
    out = go(out.state, "done")
    assert out.state.step == REVIEW and out.state.answers["kecamatan"] == BATU


def test_a_companion_not_in_the_list_is_refused() -> None:
    out = go(begin(), "u999")
    assert out.state.step == "companion"
    assert go(begin(), "k03").state.step == "companion"


def test_back_from_the_desa_goes_to_the_kecamatan() -> None:
    out = go(begin(), "u501", "k03", "back")
    assert out.state.step == "kecamatan"


def test_the_kecamatan_and_her_desa_may_be_typed_as_in_the_intake() -> None:
    at = go(begin(), "u502")
    out = advance(AREAS, at.state, Answer("text", "junrejo"))
    assert out.state.step == "villages" and out.state.answers["kecamatan"] == JUNREJO
    out = advance(AREAS, out.state, Answer("text", "Tlekung"))
    assert out.state.answers["villages"] == (TLEKUNG,)
