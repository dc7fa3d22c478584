"""Server-side role checks for staff and coordinator commands and buttons."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Collection

from telegram import Update

from conversations.common import tr
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.access import ROLE_LABELS
from wrse_bot.services.roles import Role, audit_now, role_of, sees_phone
from wrse_bot.telegram.context import Context

Handler = Callable[[Update, Context], Awaitable[None]]


def requires(roles: Collection[Role]) -> Callable[[Handler], Handler]:
    """Run the handler only for these roles, checked now against the database
    (a revoked role stops working at once); refuse briefly and audit otherwise."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(update: Update, context: Context) -> None:
            if await permitted(update, context, roles, handler.__name__):
                await handler(update, context)

        return checked

    return wrap


async def permitted(update: Update, context: Context, roles: Collection[Role], what: str) -> bool:
    """Is she one of ``roles``, now? If not, she is refused briefly and it is audited."""
    user = update.effective_user
    runtime = context.runtime
    role = await role_of(runtime.db, runtime.settings, user.id) if user else None
    if role in roles:
        context.user_data["role"] = role  # type: ignore[index]
        return True
    await audit_now(runtime.db, user.id if user else None, f"denied:{what}")
    text = refusal(tr(context), role, roles)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text)
    return False


def refusal(t: Translator, role: Role | None, roles: Collection[Role]) -> str:
    """Who may: a woman hears it is for the office's officers; an officer of
    another role hears which role it is for (a petugas told "only for petugas"
    when it is the coordinator's is left wondering)."""
    if role is None:
        return t(N_("Sorry, this is only for officers of Dinas Sosial."))
    named = [r for r in ROLE_LABELS if r in roles and r is not Role.ADMIN] or [Role.ADMIN]
    return t(N_("Sorry, this is only for the {roles}; your role is {role}.")).format(
        roles=" / ".join(t(ROLE_LABELS[r]) for r in named), role=t(ROLE_LABELS[role])
    )


def shows_phone(context: Context) -> bool:
    """May this viewer see women's phone numbers (her role as @requires just checked it)?"""
    data = context.user_data
    return sees_phone(data.get("role") if data is not None else None)
