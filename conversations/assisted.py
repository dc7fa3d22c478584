"""/daftarkan: a companion registers a woman who has no Telegram (issue 11),
and ``/start <code>``: the woman later links her own Telegram account.

The questions are the assisted form (wrse_bot/forms/assisted.py) on the one
engine service; the review is the intake's own."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from conversations import forms
from conversations.auth import requires
from conversations.caseload import NO_AREAS
from conversations.common import tr, user_id
from conversations.intake import review_text
from wrse_bot.forms.assisted import ASSISTED, READ_ALOUD
from wrse_bot.forms.engine import FormState
from wrse_bot.forms.intake import EDITS
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.assisted import CODE_PATTERN, has_areas, link_account
from wrse_bot.services.roles import COMPANIONS
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, in_rows, inline

LINKED = N_(
    "Welcome, Ibu {name}! Your Telegram account is now linked to the registration your "
    "companion made with you. See it in /data_saya."
)
UNKNOWN = N_(
    "Sorry, this code is not valid or was already used. Please check it with your "
    "companion, or register yourself with /daftar."
)
HAS_OWN = N_(
    "This Telegram account already has a registration. An officer will contact you to "
    "put the two together. You do not need to do anything now."
)


def review(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    a = state.answers
    head = t(N_("<b>Registered with her companion</b> · witness: {witness}")).format(
        witness=html.escape(str(a.get("witness") or "-"))
    )
    edits = [button("✏️ " + t(label), f"edit_{step}") for step, label in EDITS]
    rows = [*in_rows(edits, 2), [button("✅ " + t(N_("Send")), "submit")]]
    return f"{head}\n{review_text(dict(a), t)}", inline(rows)


SCREEN = forms.Screen(title=N_("the assisted registration"), review=review)


@requires(COMPANIONS)
async def register_her(update: Update, context: Context) -> None:
    uid = user_id(update)
    if not await has_areas(context.runtime.db, uid):  # she registers women of her desa
        await context.bot.send_message(uid, tr(context)(NO_AREAS))
        return
    await context.bot.send_message(uid, tr(context)(READ_ALOUD))
    await forms.open_form(update, context, ASSISTED.name)


async def link(update: Update, context: Context) -> None:
    """``/start <code>``: anyone may try; the code decides (refusals audit-logged)."""
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    t = tr(context)
    code = msg.text.split(maxsplit=1)[1].strip()
    result = await link_account(context.runtime.db, user_id(update), code, update.update_id)
    if result.status == "duplicate_update":
        return
    if result.status == "linked":
        text = t(LINKED).format(name=result.name or "")
    else:
        text = t(UNKNOWN if result.status == "unknown" else HAS_OWN)
    await msg.reply_text(text)


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("daftarkan", register_her, filters=private),
            # Before the core /start: a link code opens with "/start K7Q2-M9XP".
            CommandHandler(
                "start", link, filters=private & filters.Regex(rf"^/start\s+{CODE_PATTERN}\s*$")
            ),
        ]
    )
