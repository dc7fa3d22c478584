"""Drawing a form's open question as a Telegram message, the same for every form.

The help button, once offered, comes last, so no button she knows moves. A
question asking for her phone is a reply keyboard whose first button shares
her number (its other buttons send their labels, read back as typed words).
"""

from __future__ import annotations

import html
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from wrse_bot.domain.text import N_
from wrse_bot.forms.engine import FormState, Problem
from wrse_bot.forms.model import Form, Question
from wrse_bot.i18n import Translator
from wrse_bot.telegram.keyboards import button, in_rows, inline

BACK = N_("Back")
SKIP = N_("Skip")
DONE_LABEL = N_("Done")
HELP = N_("Ask an officer for help")
SHARE_PHONE = N_("Send my phone number")
WARNING = "⚠️"  # starts a question drawn after a refused answer


def question_text(
    form: Form, q: Question, state: FormState, t: Translator, problem: Problem | None = None
) -> str:
    """HTML: the problem (if any), then the numbered prompt."""
    text = t.render(q.prompt, dict(q.params(state.answers)) if q.params else None)
    text = text if q.markup else html.escape(text)
    if q.number and form.total:
        text = f"({q.number}/{form.total}) {text}"
    return text if problem is None else f"{problem_text(problem, t)}\n\n{text}"


def problem_text(problem: Problem, t: Translator) -> str:
    """HTML: why her answer was refused, and how to answer."""
    said = t.render(problem.message, problem.params)
    if problem.prefix:
        said = f"{t.render(problem.prefix, problem.params)} {said}"
    return f"{WARNING} {html.escape(said)}"


def warned(text: str | None) -> bool:
    """A question on screen still shows the problem with her last answer."""
    return bool(text and text.startswith(WARNING))


def question_keyboard(
    form: Form,
    q: Question,
    state: FormState,
    t: Translator,
    data: Callable[[str], str],
    *,
    help_data: str | None = None,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if q.contact:
        return _contact_keyboard(q, state, t, offer_help=help_data is not None)

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
    if q.back and q.id != form.first.id:
        rows.append([b("⬅️ " + t(BACK), "back")])
    if help_data is not None:
        rows.append([button("🙋 " + t(HELP), help_data)])
    return inline(rows) if rows else None


def _contact_keyboard(
    q: Question, state: FormState, t: Translator, *, offer_help: bool
) -> ReplyKeyboardMarkup:
    rows: list[list[KeyboardButton | str]] = [
        [KeyboardButton("📱 " + t(SHARE_PHONE), request_contact=True)],
        *([t.render(c.label)] for c in q.options(state.answers)),
    ]
    if q.back:
        rows.append([t(BACK)])
    if offer_help:
        rows.append(["🙋 " + t(HELP)])
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
