"""/wilayah: an admin assigns a companion (pendamping) her desa (issue 11).

The questions are the areas form (wrse_bot/forms/areas.py) on the one engine
service; this module opens it and draws its review."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from conversations import forms
from conversations.auth import requires
from conversations.common import tr
from wrse_bot.forms.areas import AREAS, chosen
from wrse_bot.forms.engine import FormState
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.areas import village_names
from wrse_bot.services.roles import ADMINS
from wrse_bot.telegram.context import Context

REVIEW = N_(
    "<b>Companion {who}</b>\nKecamatan {kecamatan}: {villages}\n\n"
    "Tap Save, or change one answer. Her desa in other kecamatan stay as they are."
)


def review(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    a = state.answers
    kecamatan = dict(a.get("_kecamatan") or ()).get(a.get("kecamatan"), "-")
    villages = village_names(chosen(a)) or t(N_("no desa"))
    text = t.render(
        REVIEW,
        forms.escaped(
            {"who": str(a.get("companion")), "kecamatan": kecamatan, "villages": villages}
        ),
    )
    edits = {"kecamatan": N_("Change the kecamatan"), "villages": N_("Change the desa")}
    return text, forms.review_keyboard(t, edits)


SCREEN = forms.Screen(
    title=N_("the companion's desa"),
    review=review,
    closed=N_("There is no companion yet. Invite one with /undang pendamping."),
)


@requires(ADMINS)
async def assign(update: Update, context: Context) -> None:
    view = await forms.open_form(update, context, AREAS.name)
    if view.status == forms.Status.CLOSED:
        await context.bot.send_message(view.owner, tr(context)(SCREEN.closed))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("wilayah", assign, filters=filters.ChatType.PRIVATE))
