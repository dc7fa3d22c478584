"""What every handler needs: the runtime, the translator, the main menu."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from telegram import Message, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import filters

from wrse_bot.buttons import Button
from wrse_bot.domain.small_talk import unreadable_message
from wrse_bot.i18n import LANGUAGES, N_, Translator, translator
from wrse_bot.services.intake import standing
from wrse_bot.services.roles import role_of
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.fit import fit_html
from wrse_bot.telegram.keyboards import reply
from wrse_bot.telegram.menus import role_help

MENU_REGISTER = N_("Register")
MENU_CONTINUE = N_("Continue registration")
MENU_CLASSES = N_("Classes")
MENU_MY_DATA = N_("My data")
MENU_HELP = N_("Help")
MAX_TEXT = 3800  # Telegram allows 4096 characters per message


def tr(context: Context) -> Translator:
    return context.runtime.tr


def user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def main_menu(t: Translator, *, has_draft: bool, registered: bool = False) -> ReplyKeyboardMarkup:
    if registered:  # nothing to register or continue: her data is under "Data saya"
        return reply([[t(MENU_CLASSES), t(MENU_MY_DATA)], [t(MENU_HELP)]])
    first = t(MENU_CONTINUE) if has_draft else t(MENU_REGISTER)
    return reply([[first], [t(MENU_CLASSES), t(MENU_MY_DATA)], [t(MENU_HELP)]])


async def her_menu(context: Context, uid: int) -> ReplyKeyboardMarkup:
    """The main menu as it fits where she stands (registered, mid-form, new)."""
    where = await standing(context.runtime.db, uid)
    return main_menu(tr(context), has_draft=where.has_draft, registered=where.registered)


def menu_filter(*msgids: str) -> filters.BaseFilter:
    """Matches a menu button's text in any interface language."""
    labels = {translator(lang)(m) for lang in LANGUAGES for m in msgids}
    return filters.Text(sorted(labels))


async def fallback(update: Update, context: Context) -> None:
    """A message outside any form: never silence, always the way forward. A voice
    note or sticker is told what the bot cannot do yet; text is shown what it can."""
    t, uid, msg = tr(context), user_id(update), update.effective_message
    unreadable = msg is not None and msg.text is None
    said = t(unreadable_message(message_kind(msg))) if unreadable else None  # type: ignore[arg-type]
    role = await role_of(context.runtime.db, context.runtime.settings, uid)
    if role is not None:  # an officer or companion: her own commands, not a woman's menu
        said = said or t(N_("Sorry, I did not understand that message."))
        await context.bot.send_message(
            uid, f"{said}\n\n{role_help(role, t)}", parse_mode=ParseMode.HTML
        )
        return
    where = await standing(context.runtime.db, uid)
    labels = {
        "first": t(MENU_CONTINUE) if where.has_draft else t(MENU_REGISTER),
        "classes": t(MENU_CLASSES),
        "my_data": t(MENU_MY_DATA),
        "help": t(MENU_HELP),
    }
    if said is not None:
        then = t(N_("Please type your message, or choose from the menu below."))
        text = f"{said} {then}"
    elif where.registered:
        text = t(
            N_(
                "Sorry, I did not understand that message. Please choose from the menu below: "
                "{classes} for training classes, {my_data} to see or change your data, "
                "or {help} to reach an officer."
            )
        ).format(**labels)
    else:
        text = t(
            N_(
                "Sorry, I did not understand that message. Please choose from the menu below: "
                "{first}, {classes} for training classes, {my_data} to see your data, "
                "or {help} to reach an officer."
            )
        ).format(**labels)
    menu = main_menu(t, has_draft=where.has_draft, registered=where.registered)
    await context.bot.send_message(uid, text, reply_markup=menu)


def message_kind(msg: Message) -> str:
    """What she sent when it is not text: "voice", "sticker", "photo" ..."""
    for kind in (
        "sticker",
        "photo",
        "voice",
        "video",
        "audio",
        "document",
        "location",
        "animation",
        "video_note",
        "poll",
        "dice",
    ):
        if getattr(msg, kind, None):
            return kind
    return "unknown"


NOT_VALID = N_("This button is no longer valid.")
B = TypeVar("B", bound=Button)


async def tapped(
    update: Update, context: Context, kind: type[B], ok: Callable[[B], bool] | None = None
) -> B | None:
    """The ``kind`` of button she tapped, read back; None, with a short "no
    longer valid" answer, for data we did not write or that ``ok`` refuses."""
    assert update.callback_query is not None
    tap = kind.decode(update.callback_query.data)
    if tap is None or (ok is not None and not ok(tap)):
        await stale_button(update, context)
        return None
    return tap


async def stale_button(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(tr(context)(NOT_VALID))


async def send_html(
    context: Context,
    chat_id: int,
    text: str,
    markup: Any = None,
    *,
    personal: bool = False,
) -> None:
    """Fitted to Telegram's size (a class with many sessions must not make it
    refuse). ``personal``: it names women (rosters, attendance sheets), so
    Telegram forbids forwarding and saving it (protect_content)."""
    await context.bot.send_message(
        chat_id,
        fit_html(text),
        reply_markup=markup,
        parse_mode=ParseMode.HTML,
        protect_content=personal,
    )


async def send_long(
    context: Context,
    chat_id: int,
    text: str,
    markup: Any = None,
    *,
    personal: bool = False,
) -> None:
    """Split at line breaks to stay under Telegram's message size; buttons on the last part."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        if current and len(current) + len(line) + 1 > MAX_TEXT:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    parts.append(current)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await send_html(context, chat_id, part, markup if last else None, personal=personal)


async def edit_html(update: Update, text: str, markup: Any = None) -> None:
    """Replace the tapped message; the same text again (a double tap) is no error."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise
