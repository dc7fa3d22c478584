"""/siaran: a staff member announces something to an audience of women (the form
wrse_bot/forms/broadcast.py; this module draws its preview and what "Kirim" started;
delivery and progress: wrse_bot/scheduler.py); /berhenti, /langganan: a woman stops
or restarts general announcements.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, MaybeInaccessibleMessage, Message, Update
from telegram.ext import Application, CommandHandler, filters

from conversations import forms
from conversations.auth import requires
from conversations.common import tr, user_id
from wrse_bot.forms.broadcast import BROADCAST, Audience, audience_of, audience_text, title_of
from wrse_bot.forms.engine import FormState
from wrse_bot.i18n import N_, Translator
from wrse_bot.scheduler import PROGRESS_TEXT, number, wake
from wrse_bot.services.broadcast import (
    SendResult,
    body_of,
    framed,
    set_announcements,
    track_progress,
)
from wrse_bot.services.forms import FormView
from wrse_bot.services.roles import STAFF
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, inline

STALE = N_("This button is no longer valid. Type /siaran to start again.")


def preview(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The form's review: whom, how many, and exactly what she will receive."""
    a = state.answers
    count = int(a.get("_count") or 0)
    head = t.render(
        N_("Broadcast preview\nTo: {audience}\nRecipients: {count}"),
        {"audience": audience_text(a), "count": number(t, count)},
    )
    audience = audience_of(a) or Audience("all")
    # She sees exactly this: the sender first, how to stop last.
    body = framed(t, body_of(t, a), audience, title_of(a, audience.class_id))
    discard = button(t(N_("Discard")), forms.CANCEL)
    if count == 0:
        head += "\n" + t(N_("Nobody matches this audience yet."))
        return html.escape(f"{head}\n\n{body}"), inline([[discard]])
    send = button("✅ " + t(N_("Send")), "submit")
    return html.escape(f"{head}\n\n{body}"), inline([[send, discard]])


async def sent(view: FormView, context: Context, message: MaybeInaccessibleMessage | None) -> None:
    """ "Kirim": the preview becomes the progress message the dispatcher edits."""
    t = tr(context)
    (result,) = view.notices
    assert isinstance(result, SendResult)
    if result.status == "gone":
        text = t(STALE)
    elif result.status == "empty":
        text = t(N_("Nobody matches this audience, so nothing was sent."))
    else:
        text = t(PROGRESS_TEXT).format(sent=number(t, 0), total=number(t, result.total))
    if not isinstance(message, Message):  # typed "selesai" on the preview: a new message
        message = await context.bot.send_message(view.owner, text)
    if result.broadcast_id is not None:  # named before the dispatcher is woken
        await track_progress(context.runtime.db, result.broadcast_id, message.chat.id, message.id)
    if message.text != text:
        await message.edit_text(text)
    if result.broadcast_id is not None:
        wake(context.application)


SCREEN = forms.Screen(
    title=N_("the broadcast"), review=preview, cancel=N_("Discard"), roles=STAFF, done=sent
)


@requires(STAFF)
async def begin(update: Update, context: Context) -> None:
    """/siaran: a new broadcast, or back to the one she left unfinished."""
    await forms.open_form(update, context, BROADCAST)


# ---- opting out of announcements ---------------------------------------------------


async def stop_announcements(update: Update, context: Context) -> None:
    await set_announcements(context.runtime.db, user_id(update), False, update.update_id)
    text = tr(context)(
        N_(
            "Fine, you will no longer receive general announcements. News about your own "
            "classes will still reach you. Type /langganan to receive announcements again."
        )
    )
    await context.bot.send_message(user_id(update), text)


async def resume_announcements(update: Update, context: Context) -> None:
    await set_announcements(context.runtime.db, user_id(update), True, update.update_id)
    text = tr(context)(
        N_("Thank you, you will receive announcements again. Type /berhenti to stop them.")
    )
    await context.bot.send_message(user_id(update), text)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("siaran", begin, filters=private),
            CommandHandler("berhenti", stop_announcements, filters=private),
            CommandHandler("langganan", resume_announcements, filters=private),
        ]
    )
