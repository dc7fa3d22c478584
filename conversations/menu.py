"""Greeting, help, the main menu, and commands that arrive mid-form."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode

from conversations import forms, intake
from conversations.common import fallback, her_menu, main_menu, stale_button, tr, user_id
from wrse_bot.config import Settings
from wrse_bot.domain.small_talk import is_greeting
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.intake import INTAKE, standing
from wrse_bot.services.roles import role_of
from wrse_bot.services.users import set_reachable
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.menus import role_help

HELP_TEXT = N_(
    "<b>How to use this service</b>\n"
    "• <b>Register</b> (/daftar): sign up for the WRSE programme, one short question at a time.\n"
    "• <b>Classes</b> (/kelas): training classes you can join; /kelas_saya: your classes.\n"
    "• <b>My data</b> (/data_saya): see your data; /hapus_data deletes it.\n"
    "• /batal pauses the registration; your answers are kept.\n"
    "• /berhenti stops announcements; /langganan starts them again.\n"
    "Tap the buttons below a question to answer. Questions? Visit {office}."
)


async def start(update: Update, context: Context) -> None:
    t = tr(context)
    uid = user_id(update)
    view = await context.runtime.forms.current(uid, INTAKE)
    if view is not None:
        welcome = (
            N_("Welcome back! Let us continue changing your data:")
            if view.subject is not None
            else N_("Welcome back! Let us continue your registration:")
        )
        await forms.ask(view, context, prefix=t(welcome))
        return
    where = await standing(context.runtime.db, uid)
    if where.registered:  # no "Tekan Daftar" for someone who has
        text = N_(
            "Hello again! This is the assistant of <b>Dinas Sosial Kota Batu</b>. "
            "You are already registered.\n"
            "Tap <b>Classes</b> to see the training classes, or <b>My data</b> to see "
            "or change your data."
        )
    else:
        text = N_(
            "Hello! This is the assistant of <b>Dinas Sosial Kota Batu</b>.\n"
            "We help women who support their family with skills classes (sewing, cooking, "
            "cookie baking, batik) and help to start a small business.\n"
            "Tap <b>Register</b> to begin."
        )
    menu = main_menu(t, has_draft=where.has_draft, registered=where.registered)
    await context.bot.send_message(uid, t(text), parse_mode=ParseMode.HTML, reply_markup=menu)


async def on_message(update: Update, context: Context) -> None:
    """The one message handler: her open form's answer, else the way forward. A
    greeting ("Halo", "punten bu") is greeted back, with her open registration
    question (it is not her name) or the /start greeting, never "I did not understand"."""
    msg = update.effective_message
    greeting = msg is not None and msg.text is not None and is_greeting(msg.text)
    if greeting:
        hello = tr(context)(N_("Hello! Let us continue your registration:"))
        if await intake.resume(update, context, html.escape(hello)):
            return
    if await forms.on_message(update, context):
        return
    await (start if greeting else fallback)(update, context)


def help_text(t: Translator, settings: Settings) -> str:
    """How to use the bot, and how to reach a person without travelling."""
    lines = [t(HELP_TEXT).format(office=html.escape(settings.office_contact))]
    if settings.office_phone:
        lines.append(
            t(N_("📞 Phone or WhatsApp: {phone}")).format(phone=html.escape(settings.office_phone))
        )
    if settings.office_hours:
        lines.append(
            t(N_("🕗 Office hours: {hours}")).format(hours=html.escape(settings.office_hours))
        )
    return "\n".join(lines)


async def help_command(update: Update, context: Context) -> None:
    t = tr(context)
    text = help_text(t, context.runtime.settings)
    # Officers see their own commands too, by the role the server holds now.
    role = await role_of(context.runtime.db, context.runtime.settings, user_id(update))
    if role is not None:
        text = f"{text}\n\n{role_help(role, t)}"
    if await intake.resume(update, context, text):
        return
    await context.bot.send_message(
        user_id(update),
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=await her_menu(context, user_id(update)),
    )


async def unknown_command(update: Update, context: Context) -> None:
    t = tr(context)
    if await intake.resume(update, context, t(N_("I do not know that command. Let us continue:"))):
        return
    await context.bot.send_message(
        user_id(update),
        t(N_("I do not know that command. Please choose from the menu below.")),
        reply_markup=await her_menu(context, user_id(update)),
    )


async def membership(update: Update, context: Context) -> None:
    """Telegram tells us when she blocks or unblocks the bot."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    reachable = change.new_chat_member.status not in ("kicked", "left")
    await set_reachable(context.runtime.db, change.chat.id, reachable)


on_unknown_callback = stale_button  # forged or ancient callback data: refused, nothing changes
