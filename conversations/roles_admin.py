"""Roles: /undang (invite an officer with a one-time link), opening that link
(/start inv_<code>), and /peran (who has which role; revoke; unused invitations,
withdraw). Callback data ``ro:...``; admins only, checked on the server for
every command and button. The admin who invited is told who claimed the link."""

from __future__ import annotations

import html
import logging

from telegram import MaybeInaccessibleMessage, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations import forms, menu
from conversations.auth import requires
from conversations.common import stale_button, tr, user_id
from wrse_bot.buttons import RoleButton
from wrse_bot.forms.invite import INVITE
from wrse_bot.i18n import N_, Translator
from wrse_bot.scheduler import wake
from wrse_bot.services.access import (
    ROLE_LABELS,
    AccessService,
    InviteCreated,
    OpenInvite,
    RolesView,
)
from wrse_bot.services.forms import FormView
from wrse_bot.services.roles import ADMINS, Role
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.fit import fit_html
from wrse_bot.telegram.keyboards import button, inline
from wrse_bot.telegram.menus import role_commands, sync_all, sync_menu

log = logging.getLogger(__name__)

INVITE_PREFIX = "inv_"
# What an admin may type after /undang.
ROLE_WORDS = {
    "staf": Role.STAFF,
    "staff": Role.STAFF,
    "petugas": Role.STAFF,
    "koordinator": Role.COORDINATOR,
    "coordinator": Role.COORDINATOR,
    "pendamping": Role.COMPANION,
    "companion": Role.COMPANION,
}


def mention(uid: int) -> str:
    return f'<a href="tg://user?id={uid}">{uid}</a>'


# ---- rendering ----------------------------------------------------------------


def invite_text(created: InviteCreated, bot_username: str, t: Translator) -> str:
    link = f"https://t.me/{bot_username}?start={INVITE_PREFIX}{created.code}"
    expires = created.expires_at.astimezone(t.tz)
    return t(
        N_(
            "Invitation as <b>{role}</b>, for one person, valid until {date} {time}:\n"
            "{link}\n"
            "Send this link only to the person you invite: whoever opens it first gets the "
            "role. You will be told who did; until then you can withdraw it below."
        )
    ).format(
        role=html.escape(t(ROLE_LABELS[created.role])),
        date=t.weekday_date(expires.date()),
        time=t.time(expires),
        link=html.escape(link),
    )


def invite_keyboard(created: InviteCreated, t: Translator) -> object:
    return inline(
        [[button(t(N_("Withdraw this invitation")), RoleButton("ri", created.id).encode())]]
    )


def invites_lines(invites: tuple[OpenInvite, ...], t: Translator) -> list[str]:
    if not invites:
        return []
    lines = ["", t(N_("<b>Unused invitations</b> (the link still gives the role):"))]
    for i in invites:
        until = i.expires_at.astimezone(t.tz)
        lines.append(
            t(N_("• #{id}: {role}, from {who}, valid until {date} {time}")).format(
                id=i.id,
                role=html.escape(t(ROLE_LABELS[i.role])),
                who=mention(i.created_by),
                date=t.date(until.date()),
                time=t.time(until),
            )
        )
    return lines


def roles_text(view: RolesView, t: Translator, invites: tuple[OpenInvite, ...] = ()) -> str:
    lines = [t(N_("<b>Roles and access</b>")), ""]
    lines.append(t(N_("<b>Admins</b> (from the WRSE_ADMIN_IDS setting, not revocable here):")))
    lines += [f"• {mention(uid)}" for uid in view.admins] or ["• -"]
    lines += ["", t(N_("<b>Officers, coordinators and companions:</b>"))]
    for g in view.grants:
        since = t.date(g.granted_at.astimezone(t.tz).date())
        lines.append(
            t(N_("• {who}: {role}, since {date}")).format(
                who=mention(g.user_id), role=html.escape(t(ROLE_LABELS[g.role])), date=since
            )
        )
    if not view.grants:
        lines.append(
            t(
                N_(
                    "Nobody yet. Invite with /undang staf, /undang koordinator "
                    "or /undang pendamping."
                )
            )
        )
    lines += invites_lines(invites, t)
    return fit_html("\n".join(lines))


def roles_keyboard(view: RolesView, t: Translator, invites: tuple[OpenInvite, ...] = ()) -> object:
    rows = [
        [
            button(
                t(N_("Revoke {who} ({role})")).format(who=g.user_id, role=t(ROLE_LABELS[g.role])),
                RoleButton("rv", g.user_id).encode(),
            )
        ]
        for g in view.grants
    ]
    rows += [
        [
            button(
                t(N_("Withdraw invitation #{id}")).format(id=i.id), RoleButton("ri", i.id).encode()
            )
        ]
        for i in invites
    ]
    return inline(rows) if rows else None


def greeting(role: Role, t: Translator) -> str:
    lines = [
        t(N_("Welcome! You are now <b>{role}</b> at Dinas Sosial Kota Batu.")).format(
            role=html.escape(t(ROLE_LABELS[role]))
        )
    ]
    commands = role_commands(role, t)
    if commands:
        lines += ["", t(N_("Your commands (also in the menu):"))]
        lines += [f"/{c.command}: {html.escape(c.description)}" for c in commands]
    return "\n".join(lines)


# ---- /undang ------------------------------------------------------------------


@requires(ADMINS)
async def invite_command(update: Update, context: Context) -> None:
    t = tr(context)
    uid = user_id(update)
    args = context.args or []
    role = ROLE_WORDS.get(args[0].casefold()) if len(args) == 1 else None
    if role is None:  # which role: a form, so she may tap or type it
        await forms.open_form(update, context, INVITE)
        return
    created = await context.runtime.access.create_invite(uid, role, update.update_id)
    if created is not None:
        await _send_invite(context, uid, created, t)


async def _send_invite(context: Context, uid: int, created: InviteCreated, t: Translator) -> None:
    await context.bot.send_message(
        uid,
        invite_text(created, context.bot.username, t),
        parse_mode=ParseMode.HTML,
        reply_markup=invite_keyboard(created, t),  # type: ignore[arg-type]
    )


async def _invited(
    view: FormView, context: Context, message: MaybeInaccessibleMessage | None
) -> None:
    (created,) = view.notices
    await _send_invite(context, view.owner, created, tr(context))


SCREEN = forms.Screen(title=N_("the invitation"), roles=ADMINS, done=_invited)


# ---- opening an invitation ------------------------------------------------------


async def accept_invite(update: Update, context: Context) -> None:
    """``/start inv_<code>``: anyone may open it; the code decides."""
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    t = tr(context)
    uid = user_id(update)
    parts = msg.text.split(maxsplit=1)
    code = parts[1].strip().removeprefix(INVITE_PREFIX)[:64] if len(parts) > 1 else ""
    who = update.effective_user.full_name if update.effective_user else ""
    result = await context.runtime.access.accept_invite(uid, code, update.update_id, name=who)
    if result.status == "duplicate_update":
        return
    if result.status == "admin":
        await msg.reply_text(
            t(
                N_(
                    "You are an admin already, and stay one. This link is for the person "
                    "you invite: it still works for them."
                )
            )
        )
        return
    if result.status in ("granted", "already"):
        assert result.role is not None
        if result.status == "granted":
            wake(context.application)  # the admin who invited hears of it now
        context.user_data["role"] = result.role  # type: ignore[index]
        try:
            await sync_menu(context.bot, uid, result.role, t)
        except TelegramError:
            log.warning("could not set the menu of a new officer", exc_info=True)
        await msg.reply_text(greeting(result.role, t), parse_mode=ParseMode.HTML)
        return
    if result.status == "expired":
        note = t(N_("This invitation link has expired. Please ask the admin for a new one."))
    elif result.status == "withdrawn":
        note = t(N_("This invitation link was withdrawn. Please ask the admin for a new one."))
    else:
        note = t(
            N_(
                "This invitation link is not valid (it may have been used already). "
                "Please ask the admin for a new one."
            )
        )
    await msg.reply_text(note)
    await menu.start(update, context)


# ---- /peran -------------------------------------------------------------------


@requires(ADMINS)
async def roles_command(update: Update, context: Context) -> None:
    t = tr(context)
    svc = context.runtime.access
    view, invites = await svc.roles(), await svc.open_invites()
    await context.bot.send_message(
        user_id(update),
        roles_text(view, t, invites),
        parse_mode=ParseMode.HTML,
        reply_markup=roles_keyboard(view, t, invites),  # type: ignore[arg-type]
    )


async def _refresh(
    svc: AccessService, message: Message | None, t: Translator, head: str = ""
) -> None:
    view, invites = await svc.roles(), await svc.open_invites()
    text = roles_text(view, t, invites)
    await _edit(message, f"{head}\n\n{text}" if head else text, roles_keyboard(view, t, invites))


async def _edit(message: Message | None, text: str, markup: object = None) -> None:
    if message is None:
        return
    try:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)  # type: ignore[arg-type]
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise


def parse_callback(data: str | None) -> tuple[str, int, Role | None] | None:
    """``(action, person, role)`` of a well-formed ``ro:`` button, else None."""
    tap = RoleButton.decode(data)
    if tap is None or tap.op not in ("rv", "rvy", "rvn", "ri"):
        return None
    if tap.op == "ri" and tap.person > cbd.INT4_MAX:  # invitation ids are int4
        return None
    if tap.op == "rvy":
        if tap.role not in Role.__members__.values() or tap.role == Role.ADMIN:
            return None
        return "rvy", tap.person, Role(tap.role)
    return tap.op, tap.person, None


@requires(ADMINS)
async def roles_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    uid = user_id(update)
    parsed = parse_callback(query.data)
    message = query.message if isinstance(query.message, Message) else None
    if parsed is None:
        await stale_button(update, context)
        return
    action, target, role = parsed
    svc = context.runtime.access
    if action == "ri":
        status = await svc.withdraw_invite(uid, target, update.update_id)
        if status == "duplicate_update":
            await query.answer()
            return
        if status == "gone":
            await query.answer(t(N_("This invitation was already used or withdrawn.")))
        else:
            await query.answer(t(N_("Invitation withdrawn: the link no longer works.")))
        done = t(N_("Invitation #{id} is withdrawn: the link no longer works.")).format(id=target)
        await _refresh(svc, message, t, done if status == "withdrawn" else "")
        return
    if action == "rvn":
        await query.answer()
        await _refresh(svc, message, t)
        return
    if action == "rv":
        grant = await svc.grant_of(target)
        if grant is None:
            await query.answer(t(N_("This person has no role any more.")))
            await _refresh(svc, message, t)
            return
        await query.answer()
        text = t(
            N_("Revoke the role <b>{role}</b> of {who}? Their officer commands stop at once.")
        ).format(role=html.escape(t(ROLE_LABELS[grant.role])), who=mention(target))
        markup = inline(
            [
                [
                    button(
                        t(N_("Yes, revoke")), RoleButton("rvy", target, grant.role.value).encode()
                    ),
                    button(t(N_("Cancel")), RoleButton("rvn").encode()),
                ]
            ]
        )
        await _edit(message, text, markup)
        return
    if role is None:  # parse_callback gives "rvy" its role; for the type checker
        return
    result = await svc.revoke(uid, target, role, update.update_id)
    if result.status == "duplicate_update":
        await query.answer()
        return
    if result.status == "gone":
        await query.answer(t(N_("This person has no role any more.")))
    else:
        await query.answer()
        # Her cached role and forms go too; the database already says so.
        cached = context.application.user_data.get(target)
        if cached is not None:
            cached.pop("role", None)
        try:
            await sync_menu(context.bot, target, None, t)
        except TelegramError:
            log.warning("could not reset the menu of a revoked officer", exc_info=True)
    done = t(N_("The role of {who} is revoked.")).format(who=mention(target))
    await _refresh(svc, message, t, done if result.status == "revoked" else "")


async def sync_menus(app: Application) -> None:  # type: ignore[type-arg]
    """At start-up (bot.py): every admin's and officer's command menu."""
    await sync_all(app)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            # Before the core /start: an invite link opens with "/start inv_<code>".
            CommandHandler(
                "start", accept_invite, filters=private & filters.Regex(r"^/start inv_")
            ),
            CommandHandler("undang", invite_command, filters=private),
            CommandHandler("peran", roles_command, filters=private),
            CallbackQueryHandler(roles_callback, pattern=RoleButton.pattern()),
        ]
    )
