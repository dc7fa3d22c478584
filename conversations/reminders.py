"""Her answer to a session reminder: "Hadir" / "Tidak bisa hadir" (callback
prefix ``rv:``). The reminders themselves are outbox rows
(wrse_bot/services/reminders.py); the answer reaches staff in /peserta."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from conversations.common import NOT_VALID, tr, user_id
from wrse_bot.buttons import RsvpButton
from wrse_bot.domain.schedule import Span
from wrse_bot.i18n import N_
from wrse_bot.services import reminders as svc
from wrse_bot.services.class_labels import session_label
from wrse_bot.telegram.context import Context

NOT_ENROLLED = N_("You are no longer enrolled in this class.")
STARTED = N_("This session has already begun.")
THANKS_COMING = N_("Thank you. We noted that you will come to <b>{title}</b> on {when}.")
THANKS_NOT_COMING = N_(
    "Thank you for telling us. We noted that you cannot come to <b>{title}</b> on {when}."
)
REFUSED = dict(not_yours=NOT_VALID, not_found=NOT_VALID, not_enrolled=NOT_ENROLLED, started=STARTED)


async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    parsed = svc.parse_callback(query.data or "")
    if parsed is None:
        await query.answer(t(NOT_VALID), show_alert=True)
        return
    result = await svc.answer(
        context.runtime.db, user_id(update), *parsed, update_id=update.update_id
    )
    if result.outcome in REFUSED:
        await query.answer(t(REFUSED[result.outcome]), show_alert=True)
        return
    await query.answer()
    if result.outcome == "duplicate_update":
        return
    assert result.starts_at is not None and result.ends_at is not None
    text = t(THANKS_COMING if result.coming else THANKS_NOT_COMING).format(
        title=html.escape(result.title or ""),
        when=session_label(t, Span(result.starts_at, result.ends_at)),
    )
    await context.bot.send_message(user_id(update), text, parse_mode=ParseMode.HTML)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_callback, pattern=RsvpButton.pattern()))
