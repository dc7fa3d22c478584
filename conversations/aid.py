"""/stimulan <number>: staff record business aid given to one woman (issue 11).

The questions are the aid form (wrse_bot/forms/aid.py) on the one engine
service; this module opens it about her registration and draws its review.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from conversations import forms
from conversations.auth import requires
from wrse_bot.forms.aid import AID
from wrse_bot.forms.engine import FormState
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.aid import facts_for_review
from wrse_bot.services.roles import STAFF
from wrse_bot.telegram.context import Context

USAGE = N_(
    "Type /stimulan and her registration number, for example: /stimulan 12. "
    "The number is shown in /peserta and in her /data_saya."
)
NOT_FOUND = N_("There is no active registration with number {number}.")
REVIEW = N_("<b>Aid for {name}</b>\n• {kind}\n• {value}\n• given on {date}\n• from: {source}")
SAVE_OR_CHANGE = N_("Tap Save to record it, or change one answer.")
EDITS = {
    "kind": N_("Change the kind"),
    "value": N_("Change the value"),
    "given_on": N_("Change the date"),
    "source": N_("Change the source"),
}
AFTER_CLASS = N_("• after the class: {title}")
NOT_AFTER_CLASS = N_("• not after a class")


def review(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """Everything she will be recorded as receiving, before it counts."""
    text = t.render(REVIEW, forms.escaped(facts_for_review(state.answers)))
    edits = dict(EDITS)
    her_classes = {int(cid): str(title) for cid, title in state.answers.get("_classes") or ()}
    if her_classes:  # the class it follows was asked: shown, and may be changed
        chosen = her_classes.get(int(state.answers.get("class_id") or 0))
        text += "\n" + (
            t(AFTER_CLASS).format(title=forms.escape(chosen)) if chosen else t(NOT_AFTER_CLASS)
        )
        edits["class_id"] = N_("Change the class")
    if state.answers.get("reason"):
        text += "\n" + t(N_("Reason for a second one: {reason}")).format(
            reason=forms.escape(str(state.answers["reason"]))
        )
    text += "\n\n" + t(SAVE_OR_CHANGE)
    return text, forms.review_keyboard(t, edits, back=True)


SCREEN = forms.Screen(
    title=N_("the aid record"), review=review, closed=N_("This registration is no longer active.")
)


@requires(STAFF)
async def record_aid(update: Update, context: Context) -> None:
    await forms.open_by_number(update, context, AID.name, usage=USAGE, unknown=NOT_FOUND)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("stimulan", record_aid, filters=filters.ChatType.PRIVATE))
