"""python-telegram-bot handlers. ``register`` wires them in order."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from conversations import (
    aid,
    broadcast,
    checkin,
    classes,
    companions,
    follow_ups,
    forms,
    intake,
    menu,
    my_data,
    reminders,
    reports,
    roles_admin,
    staff_classes,
    verify,
)
from conversations.common import (
    MENU_CONTINUE,
    MENU_HELP,
    MENU_MY_DATA,
    MENU_REGISTER,
    her_menu,
    menu_filter,
    tr,
    user_id,
)
from conversations.errors import on_error
from wrse_bot.buttons import FormButton, MyDataButton, OpenForm
from wrse_bot.forms.aid import AID
from wrse_bot.forms.broadcast import BROADCAST
from wrse_bot.forms.checkin import CHECKIN
from wrse_bot.i18n import N_
from wrse_bot.services.access import INVITE
from wrse_bot.services.follow_up import NOTE_FORM
from wrse_bot.services.intake import INTAKE
from wrse_bot.services.verification import REASON_FORM
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.menus import sync_all

# How each form is drawn where forms differ (its name, its review, "closed").
SCREENS: dict[str, forms.Screen] = {
    INTAKE: intake.SCREEN,
    **companions.SCREENS,
    CHECKIN.name: checkin.SCREEN,
    AID.name: aid.SCREEN,
    BROADCAST: broadcast.SCREEN,
    NOTE_FORM: follow_ups.SCREEN,
    REASON_FORM: verify.SCREEN,
    INVITE: roles_admin.SCREEN,
    **staff_classes.SCREENS,
}

# Features first: within a group the first matching handler wins, so an
# invite link (/start <code>) or the real /kelas is seen before the core
# fallbacks. Each feature uses its own callback-data prefix.
FEATURES = (
    roles_admin,
    companions,
    verify,
    staff_classes,
    broadcast,
    classes,
    reports,
    follow_ups,
    reminders,
    checkin,
    aid,
)


async def batal(update: Update, context: Context) -> None:
    """/batal: her open form stops (kept or discarded, as it says)."""
    if not await forms.cancel(update, context):
        t = tr(context)
        await context.bot.send_message(
            user_id(update),
            t(N_("There is nothing to cancel. Choose from the menu below.")),
            reply_markup=await her_menu(context, user_id(update)),
        )


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.bot_data.form_screens = SCREENS
    app.add_handlers(
        [
            CallbackQueryHandler(forms.on_button, pattern=FormButton.pattern()),
            CallbackQueryHandler(forms.on_open, pattern=OpenForm.pattern()),
        ]
    )
    for feature in FEATURES:
        feature.register(app)
    app.add_handlers(
        [
            CommandHandler("start", menu.start, filters=private),
            CommandHandler(["bantuan", "help"], menu.help_command, filters=private),
            CommandHandler("daftar", intake.begin, filters=private),
            CommandHandler("batal", batal, filters=private),
            CommandHandler("data_saya", my_data.show, filters=private),
            CommandHandler("hapus_data", my_data.ask_delete, filters=private),
            MessageHandler(private & menu_filter(MENU_REGISTER, MENU_CONTINUE), intake.begin),
            MessageHandler(private & menu_filter(MENU_MY_DATA), my_data.show),
            MessageHandler(private & menu_filter(MENU_HELP), menu.help_command),
            CallbackQueryHandler(intake.on_old_button, pattern=r"^(f|help):"),
            CallbackQueryHandler(my_data.on_callback, pattern=MyDataButton.pattern()),
            ChatMemberHandler(menu.membership, ChatMemberHandler.MY_CHAT_MEMBER),
            # Last: anything unclaimed. Stale or forged buttons, unknown commands,
            # and plain messages (answers to the open form, or a typed staff form).
            CallbackQueryHandler(menu.on_unknown_callback),
            MessageHandler(private & filters.COMMAND, menu.unknown_command),
            MessageHandler(private & ~filters.StatusUpdate.ALL, menu.on_message),
        ]
    )
    app.add_error_handler(on_error)


async def on_startup(app: Application) -> None:  # type: ignore[type-arg]
    """After the base command menu is set: officers' menus, by role, and the
    questions saved but never delivered before a crash."""
    await sync_all(app)
    context = Context(application=app)
    await forms.resend_owed(context)
