"""/kunjungan <number>, or "Catat kunjungan" on /dampingan: a companion's
note after a home visit (issue 11). The questions are the visit form
(wrse_bot/forms/visit.py) on the one engine service; this module opens it
about the woman's registration and draws its review."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from conversations import forms
from conversations.auth import requires
from wrse_bot.forms.engine import FormState
from wrse_bot.forms.visit import VISIT
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.roles import COMPANIONS
from wrse_bot.services.visits import facts_for_review
from wrse_bot.telegram.context import Context

USAGE = N_(
    "Type /kunjungan and her number, for example: /kunjungan 12. "
    "The numbers are in /dampingan, where you can also tap her name."
)
NOT_HERS = N_("Number {number} is not a woman of your desa.")
REVIEW = N_(
    "<b>Visit to {name}</b>, {date}\n• Talked about: {talked}\n• Obstacles: {obstacles}\n"
    "• Next step: {next_step}, by {next_on}\n\nTap Save, or change one answer."
)
EDITS = {
    "visited_on": N_("Change the date"),
    "talked": N_("Change the talk"),
    "obstacles": N_("Change the obstacles"),
    "next_step": N_("Change the next step"),
}


def review(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    facts = facts_for_review(state.answers)
    seen = ", ".join(t.render(m.msgid) for m in facts.pop("obstacles")) or t(N_("none seen"))
    text = t.render(REVIEW, {**forms.escaped(facts), "obstacles": forms.escape(seen)})
    return text, forms.review_keyboard(t, EDITS)


SCREEN = forms.Screen(
    title=N_("the visit note"), review=review, closed=N_("She is not a woman of your desa.")
)


@requires(COMPANIONS)
async def record_visit(update: Update, context: Context) -> None:
    await forms.open_by_number(update, context, VISIT.name, usage=USAGE, unknown=NOT_HERS)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("kunjungan", record_visit, filters=filters.ChatType.PRIVATE))
