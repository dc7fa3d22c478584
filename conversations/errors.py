"""The last line of defence: log without personal data, apologise, go on."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden

from conversations.common import tr
from wrse_bot.i18n import N_
from wrse_bot.safe_logging import error_name, safe_traceback
from wrse_bot.services.users import set_reachable
from wrse_bot.telegram.context import Context

log = logging.getLogger("wrse_bot.errors")


async def on_error(update: object, context: Context) -> None:
    # Only the exception type and update id: messages may hold a NIK or income.
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, Forbidden) and isinstance(update, Update):
        # She blocked the bot mid-form. Like the dispatcher: later sends skip
        # her, and no apology goes to a chat that refuses messages.
        if update.effective_user is not None:
            await set_reachable(context.runtime.db, update.effective_user.id, False)
        log.info("update %s: the reply was refused (403, bot blocked); unreachable", update_id)
        return
    error = context.error
    if error is not None:
        # Where and what kind, never the message: it may quote her answer.
        trace = safe_traceback(error)
        log.error("error while handling update %s: %s\n%s", update_id, error_name(error), trace)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            if update.callback_query is not None:
                await update.callback_query.answer()
            await context.bot.send_message(
                update.effective_chat.id,
                tr(context)(
                    N_(
                        "Sorry, something went wrong on our side. Your earlier answers "
                        "are saved. Please try again."
                    )
                ),
            )
        except Exception:  # the apology itself failed (network); nothing more to do
            log.warning("could not send the apology for update %s", update_id)
