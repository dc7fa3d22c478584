"""The assisted registration's own questions, without Telegram or a database:
consent read aloud (agreed or not), its witness and time, the phone question
without "share my number", place buttons that fit typed callback data, and
only the companion's own desa offered (another one typed is refused kindly)."""

from __future__ import annotations

from typing import Any

from wrse_bot.buttons import FormButton
from wrse_bot.forms.assisted import ASSISTED, NOT_YET, OUTSIDE, TIME_EXAMPLE, WITNESS_EXAMPLE
from wrse_bot.forms.engine import Answer, FormState, Outcome, advance, start
from wrse_bot.forms.model import DONE, TAP

BEJI, TLEKUNG, TEMAS = "35.79.03.2002", "35.79.03.2004", "35.79.01.1001"
FACTS: dict[str, Any] = {
    "_now": "2026-12-08T10:15:00+07:00",
    "_years": 5,
    "_areas": (BEJI, TEMAS),  # one desa in Junrejo, one in Batu
}


def begin() -> FormState:
    return start(ASSISTED, FormState(None, answers=dict(FACTS))).state


def go(state: FormState, *inputs: str) -> Outcome:
    outcome = Outcome(state, ())
    for value in inputs:
        s = outcome.state
        if value.startswith("tap:"):
            answer = Answer("choice", value.removeprefix("tap:"), s.rev)
        else:
            answer = Answer("text", value)
        outcome = advance(ASSISTED, s, answer)
    return outcome


def problem(outcome: Outcome) -> str | None:
    asks = [e for e in outcome.effects if getattr(e, "problem", None) is not None]
    return asks[0].problem.message if asks else None


def problem_params(outcome: Outcome) -> dict[str, Any]:
    return next(e.problem.params for e in outcome.effects if getattr(e, "problem", None))


def test_she_does_not_agree_and_the_form_ends_at_once() -> None:
    out = go(begin(), "tap:no")
    assert out.state.step == DONE and out.state.answers["consent"] is False


def test_agreed_then_witness_and_time_then_the_intake_questions() -> None:
    out = go(begin(), "tap:yes", "Bu Sumarni, ketua RT 02", "tap:now")
    a = out.state.answers
    assert a["witness"] == "Bu Sumarni, ketua RT 02" and a["consent_time"] == FACTS["_now"]
    assert out.state.step == "name"


def test_a_typed_time_is_today_and_not_later_than_now() -> None:
    """A time later today is told kindly it has not come yet, then asked again."""
    at = go(begin(), "tap:yes", "Bu Sumarni")
    assert go(at.state, "09.30").state.answers["consent_time"] == "2026-12-08T09:30:00+07:00"
    late = go(at.state, "11:00")
    assert late.state.step == "consent_time" and problem(late) == NOT_YET
    assert problem_params(late) == {"time": "11.00"}
    assert problem(go(at.state, "jam sembilan")) == TIME_EXAMPLE


def test_a_witness_needs_a_name() -> None:
    out = go(begin(), "tap:yes", "ok")
    assert out.state.step == "witness" and problem(out) == WITNESS_EXAMPLE


def test_the_phone_question_offers_only_no_phone_and_no_contact_button() -> None:
    phone = ASSISTED.question("phone")
    assert [c.code for c in phone.options({})] == ["no_phone"] and not phone.contact


def test_place_buttons_fit_typed_callback_data_and_answer_the_place_code() -> None:
    kec = ASSISTED.question("kecamatan").options(FACTS)
    junrejo = next(c for c in kec if c.answer == "35.79.03")
    assert FormButton(ASSISTED.name, 9, junrejo.code).encode() == "fm:assisted:9:35_79_03"
    villages = ASSISTED.question("village").options({**FACTS, "kecamatan_code": "35.79.03"})
    assert [c.answer for c in villages] == [BEJI]


def at_the_place() -> FormState:
    """Consent, witness, time, name, NIK and birth date answered: "which kecamatan?"."""
    out = go(begin(), "tap:yes", "Bu Sumarni", "tap:now", "Siti Aminah", "3579035203800001")
    out = go(out.state, "tap:yes")
    assert out.state.step == "kecamatan"
    return out.state


def test_only_the_kecamatan_and_desa_of_her_companion_are_offered() -> None:
    kec = ASSISTED.question("kecamatan").options(FACTS)
    assert [c.label for c in kec] == ["Batu", "Junrejo"]  # not Bumiaji
    out = go(at_the_place(), "Junrejo", "Beji")
    assert out.state.answers["village_code"] == BEJI and out.state.step == "address"


def test_another_desa_typed_is_refused_kindly_and_asked_again() -> None:
    at = go(at_the_place(), "Junrejo").state
    out = go(at, "Tlekung")
    assert out.state.step == "village" and problem(out) == OUTSIDE
    asks = [e for e in out.effects if getattr(e, "problem", None) is not None]
    assert asks[0].problem.params == {"desa": "Beji, Temas"}
    refused = go(at_the_place(), "Bumiaji")  # a kecamatan with none of her desa
    assert refused.state.step == "kecamatan" and problem(refused) == OUTSIDE
    assert problem(go(at, "pasar")) == TAP  # not a place at all: tap a button


def test_a_forged_button_for_another_desa_is_no_choice() -> None:
    at = go(at_the_place(), "Junrejo").state
    out = go(at, "tap:35_79_03_2004")  # Tlekung's code, not offered to her
    assert out.state.step == "village" and "village_code" not in out.state.answers
