"""One renderer draws every form's question: numbered prompt, the problem
first, answer buttons, "Kembali", then help (once offered) below them all."""

from __future__ import annotations

from wrse_bot.forms.checkin import CHECKIN
from wrse_bot.forms.engine import FormState, Problem
from wrse_bot.i18n import translator
from wrse_bot.telegram.forms import question_keyboard, question_text

T = translator("id")


def labels(step: str, answers: dict[str, object], help_data: str | None = None) -> list[list[str]]:
    q = CHECKIN.question(step)
    markup = question_keyboard(
        CHECKIN, q, FormState(step, 3, answers), T, lambda c: f"ci:1:3:{c}", help_data=help_data
    )
    assert markup is not None
    return [[b.text for b in row] for row in markup.inline_keyboard]


def test_help_goes_below_every_button_so_none_moves() -> None:
    rows = labels("business", {}, help_data="help:3")
    assert rows == [["Ya", "Belum"], ["⬅️ Kembali"], ["🙋 Minta bantuan petugas"]]
    assert labels("income", {}) == [["Tidak ada penghasilan"]]  # no way back from the first


def test_a_multiple_choice_marks_what_she_picked_then_done() -> None:
    rows = labels("help", {"help_received": ("gerobak",)})
    assert rows[0] == ["▫️ Mesin jahit", "✅ Gerobak"]
    assert rows[-3:] == [["Tidak ada"], ["Selesai"], ["⬅️ Kembali"]]


def test_the_prompt_is_numbered_and_the_problem_comes_first() -> None:
    q = CHECKIN.question("income_confirm")
    state = FormState("income_confirm", 3, {"income": (1_500_000, 1_500)})
    text = question_text(CHECKIN, q, state, T, Problem("Please tap one of the buttons below."))
    assert text.startswith("⚠️ ") and "(1/5) " in text and "Rp1.500.000" in text
    assert labels("income_confirm", state.answers) == [
        ["Rp1.500.000 per bulan"],
        ["Rp1.500 per bulan"],
        ["Ketik ulang"],
        ["⬅️ Kembali"],
    ]
