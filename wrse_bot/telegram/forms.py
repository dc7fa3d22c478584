"""Drawing a form's open question as a Telegram message, the same for every form.

The prompt, numbered "(2/5)" when the form counts its questions, after the
problem with her last answer; then the answer buttons (a multiple choice marks
what she picked, then "Done"), "Skip", the help button once offered (below the
answers), and "Kembali" last. ``data(code)`` writes a button's callback data
for the revision being drawn.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from wrse_bot.domain.text import N_
from wrse_bot.forms.engine import FormState, Problem
from wrse_bot.forms.model import Form, Question
from wrse_bot.i18n import Translator
from wrse_bot.telegram.keyboards import button, in_rows, inline

BACK = N_("Back")
SKIP = N_("Skip")
DONE_LABEL = N_("Done")
HELP = N_("Ask an officer for help")


def question_text(
    form: Form, q: Question, state: FormState, t: Translator, problem: Problem | None = None
) -> str:
    """HTML: the problem (if any), then the numbered prompt."""
    text = html.escape(t.render(q.prompt, dict(q.params(state.answers)) if q.params else None))
    if q.number and form.total:
        text = f"({q.number}/{form.total}) {text}"
    if problem is not None:
        said = t.render(problem.message, problem.params)
        if problem.prefix:
            said = f"{t(problem.prefix)} {said}"
        text = f"⚠️ {html.escape(said)}\n\n{text}"
    return text


def question_keyboard(
    form: Form,
    q: Question,
    state: FormState,
    t: Translator,
    data: Callable[[str], str],
    *,
    help_data: str | None = None,
) -> InlineKeyboardMarkup | None:
    def b(label: str, code: str) -> InlineKeyboardButton:
        return button(label, data(code))

    options = q.options(state.answers)
    chosen = set(state.answers.get(q.answer_key) or ()) if q.multi else set()
    shared: list[InlineKeyboardButton] = []
    alone: list[list[InlineKeyboardButton]] = []
    for c in options:
        label = t.render(c.label, dict(c.params) or None)
        if q.multi and not c.exclusive:
            label = ("✅ " if c.answer in chosen else "▫️ ") + label
        if c.alone:
            alone.append([b(label, c.code)])
        else:
            shared.append(b(label, c.code))
    rows = [*in_rows(shared, q.per_row), *alone]
    if q.multi:
        rows.append([b(t(DONE_LABEL), "done")])
    if q.skippable:
        rows.append([b(t(SKIP), "skip")])
    if help_data is not None:
        rows.append([button("🙋 " + t(HELP), help_data)])
    if q.back and q.id != form.first.id:
        rows.append([b("⬅️ " + t(BACK), "back")])
    return inline(rows) if rows else None
