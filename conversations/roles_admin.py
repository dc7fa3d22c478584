"""Roles: /undang (invite an officer with a one-time link), opening that link
(/start inv_<code>), and /peran (who has which role; revoke; unused invitations,
withdraw). Callback data ``ro:...``; admins only, checked on the server for
every command and button. The admin who invited is told who claimed the link."""

from __future__ import annotations

import html
import logging

from telegram import MaybeInaccessibleMessage, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations import forms, menu
from conversations.auth import requires
from conversations.common import edit_html, send_html, stale_button, tr, user_id
from wrse_bot.buttons import RoleButton
from wrse_bot.domain.vocabulary import INVITE_ROLE_WORDS
from wrse_bot.i18n import N_, Translator
from wrse_bot.scheduler import wake
from wrse_bot.services.access import INVITE, ROLE_LABELS, InviteCreated, RolesView
from wrse_bot.services.forms import FormView
from wrse_bot.services.roles import ADMINS, Role
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.fit import fit_html
from wrse_bot.telegram.keyboards import button, inline
from wrse_bot.telegram.menus import role_commands, sync_menu

log = logging.getLogger(__name__)

INVITE_PREFIX = "inv_"


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


NOBODY_YET = N_("Nobody yet. Invite with /undang staf, /undang koordinator or /undang pendamping.")


def roles_text(view: RolesView, t: Translator) -> str:
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
        lines.append(t(NOBODY_YET))
    if view.invites:
        lines += ["", t(N_("<b>Unused invitations</b> (the link still gives the role):"))]
    for i in view.invites:
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
    return fit_html("\n".join(lines))


def roles_keyboard(view: RolesView, t: Translator) -> object:
    revoke, withdraw = N_("Revoke {who} ({role})"), N_("Withdraw invitation #{id}")
    rows = [
        (t(revoke).format(who=g.user_id, role=t(ROLE_LABELS[g.role])), RoleButton("rv", g.user_id))
        for g in view.grants
    ]
    rows += [(t(withdraw).format(id=i.id), RoleButton("ri", i.id)) for i in view.invites]
    return inline([[button(label, tap.encode())] for label, tap in rows]) if rows else None


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
    word = INVITE_ROLE_WORDS.match(args[0], within=False) if len(args) == 1 else None
    if word is None:  # which role: a form, so she may tap or type it
        await forms.open_form(update, context, INVITE)
        return
    created = await context.runtime.access.create_invite(uid, Role(word), update.update_id)
    if created is not None:
        await _send_invite(context, uid, created, t)


async def _send_invite(context: Context, uid: int, created: InviteCreated, t: Translator) -> None:
    withdraw = button(t(N_("Withdraw this invitation")), RoleButton("ri", created.id).encode())
    text = invite_text(created, context.bot.username, t)
    await send_html(context, uid, text, inline([[withdraw]]))


async def _invited(
    view: FormView, context: Context, message: MaybeInaccessibleMessage | None
) -> None:
    (created,) = view.notices
    await _send_invite(context, view.owner, created, tr(context))


SCREEN = forms.Screen(title=N_("the invitation"), roles=ADMINS, done=_invited)


# ---- opening an invitation ------------------------------------------------------


REFUSALS = {
    "expired": N_("This invitation link has expired. Please ask the admin for a new one."),
    "withdrawn": N_("This invitation link was withdrawn. Please ask the admin for a new one."),
}
ADMIN_ALREADY = N_(
    "You are an admin already, and stay one. This link is for the person "
    "you invite: it still works for them."
)
INVALID = N_(
    "This invitation link is not valid (it may have been used already). "
    "Please ask the admin for a new one."
)


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
        await msg.reply_text(t(ADMIN_ALREADY))
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
    note = REFUSALS.get(result.status, INVALID)
    await msg.reply_text(t(note))
    await menu.start(update, context)


# ---- /peran -------------------------------------------------------------------


@requires(ADMINS)
async def roles_command(update: Update, context: Context) -> None:
    t = tr(context)
    view = await context.runtime.access.roles()
    await send_html(context, user_id(update), roles_text(view, t), roles_keyboard(view, t))


async def _refresh(update: Update, context: Context, head: str = "") -> None:
    """The /peran screen again, in the tapped message (``head`` on top)."""
    t = tr(context)
    view = await context.runtime.access.roles()
    text = roles_text(view, t)
    await _edit(update, f"{head}\n\n{text}" if head else text, roles_keyboard(view, t))


async def _edit(update: Update, text: str, markup: object = None) -> None:
    assert update.callback_query is not None
    if isinstance(update.callback_query.message, Message):  # too old: nothing to edit
        await edit_html(update, text, markup)


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
    if parsed is None:
        await stale_button(update, context)
        return
    action, target, role = parsed
    svc = context.runtime.access
    head = ""
    if action == "rv":
        grant = await svc.grant_of(target)
        if grant is not None:
            await query.answer()
            text = t(
                N_("Revoke the role <b>{role}</b> of {who}? Their officer commands stop at once.")
            ).format(role=html.escape(t(ROLE_LABELS[grant.role])), who=mention(target))
            yes = RoleButton("rvy", target, grant.role.value)
            buttons = [(N_("Yes, revoke"), yes), (N_("Cancel"), RoleButton("rvn"))]
            await _edit(update, text, inline([[button(t(b), tap.encode()) for b, tap in buttons]]))
            return
        await query.answer(t(GONE))
    elif action == "ri":
        status = await svc.withdraw_invite(uid, target, update.update_id)
        if status == "duplicate_update":
            await query.answer()
            return
        if status == "gone":
            await query.answer(t(N_("This invitation was already used or withdrawn.")))
        else:
            await query.answer(t(N_("Invitation withdrawn: the link no longer works.")))
            head = t(N_("Invitation #{id} is withdrawn: the link no longer works.")).format(
                id=target
            )
    elif action == "rvy" and role is not None:  # parse_callback gives "rvy" its role
        result = await svc.revoke(uid, target, role, update.update_id)
        if result.status == "duplicate_update":
            await query.answer()
            return
        if result.status == "gone":
            await query.answer(t(GONE))
        else:
            await query.answer()
            await _forget(context, target, t)
            head = t(N_("The role of {who} is revoked.")).format(who=mention(target))
    else:  # "rvn": she cancelled the revoke
        await query.answer()
    await _refresh(update, context, head)


GONE = N_("This person has no role any more.")


async def _forget(context: Context, target: int, t: Translator) -> None:
    """Her cached role and menu go too; the database already says so."""
    cached = context.application.user_data.get(target)
    if cached is not None:
        cached.pop("role", None)
    try:
        await sync_menu(context.bot, target, None, t)
    except TelegramError:
        log.warning("could not reset the menu of a revoked officer", exc_info=True)


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
