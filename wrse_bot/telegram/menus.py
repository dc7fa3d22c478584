"""Each role's command list in Telegram's menu: the women's list is every private
chat's default (bot.py); officers get it plus their own in their chat's scope,
deleted when the role goes. A convenience: the server checks the role every time.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application

from wrse_bot.i18n import N_, Translator
from wrse_bot.services.roles import Role
from wrse_bot.telegram.context import runtime_of

log = logging.getLogger(__name__)

STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    ("kelas_baru", N_("New class")),
    ("kelas_staf", N_("Manage classes")),
    ("peserta", N_("Class participants")),
    ("hadir", N_("Attendance")),
    ("verifikasi", N_("Check registrations")),
    ("siaran", N_("Broadcast")),
    ("stimulan", N_("Record business aid")),
)
COORDINATOR_COMMANDS: tuple[tuple[str, str], ...] = (
    ("laporan", N_("Reports")),
    ("tindak_lanjut", N_("Follow-up queue")),
    ("ekspor", N_("Export data")),
)
COMPANION_COMMANDS: tuple[tuple[str, str], ...] = (
    ("dampingan", N_("The women I accompany")),
    ("kunjungan", N_("Note a home visit")),
    ("daftarkan", N_("Register a woman without Telegram")),
    ("kelaskan", N_("Enrol a woman without Telegram in a class")),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("undang", N_("Invite an officer")),
    ("peran", N_("Roles and access")),
    ("wilayah", N_("Villages of the companions")),
)
# Each role's commands, grouped under the role they come from (for /bantuan); an
# admin has the officers' too.
HELP_SECTIONS: dict[Role, tuple[tuple[str, tuple[tuple[str, str], ...]], ...]] = {
    Role.STAFF: ((N_("Officer"), STAFF_COMMANDS),),
    Role.COORDINATOR: ((N_("Coordinator"), COORDINATOR_COMMANDS),),
    Role.COMPANION: ((N_("Companion"), COMPANION_COMMANDS),),
    Role.ADMIN: (
        (N_("Officer"), STAFF_COMMANDS),
        (N_("Coordinator"), COORDINATOR_COMMANDS),
        (N_("Admin"), ADMIN_COMMANDS),
    ),
}
ROLE_COMMANDS = {
    role: tuple(c for _, commands in sections for c in commands)
    for role, sections in HELP_SECTIONS.items()
}


def role_commands(role: Role, t: Translator) -> list[BotCommand]:
    """Only the role's own commands (what a greeting lists)."""
    return [BotCommand(c, t(d)) for c, d in ROLE_COMMANDS[role]]


async def women_commands(bot: Bot) -> list[BotCommand]:
    """The default private-chat list as bot.py set it: one source of truth."""
    return list(await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()))


async def sync_menu(
    bot: Bot,
    user_id: int,
    role: Role | None,
    t: Translator,
    *,
    base: Sequence[BotCommand] | None = None,
) -> None:
    """Show ``role``'s commands in her chat; ``None`` falls back to the women's list."""
    scope = BotCommandScopeChat(chat_id=user_id)
    if role is None:
        await bot.delete_my_commands(scope=scope)
        return
    if base is None:
        base = await women_commands(bot)
    own = role_commands(role, t)
    names = {c.command for c in own}
    commands = [c for c in base if c.command not in names] + own
    await bot.set_my_commands(commands, scope=scope)


async def sync_all(app: Application) -> None:  # type: ignore[type-arg]
    """At start-up: every admin (from settings) and every grant gets its menu."""
    runtime = runtime_of(app)
    t = runtime.tr
    view = await runtime.access.roles()
    base = await women_commands(app.bot)
    people = [(uid, Role.ADMIN) for uid in view.admins]
    people += [(g.user_id, g.role) for g in view.grants if g.user_id not in view.admins]
    for uid, role in people:
        try:
            await sync_menu(app.bot, uid, role, t, base=base)
        except TelegramError as exc:  # e.g. she never opened the bot: "chat not found"
            log.warning("could not set the menu of an officer: %s", exc.message)


def role_help(role: Role, t: Translator) -> str:
    """The officer part of /bantuan (HTML): her role's commands, grouped by role.
    A companion is not an officer of the Dinas: the heading names her own role."""
    sections = HELP_SECTIONS[role]
    if len(sections) == 1:
        heading = t(N_("<b>Your commands as {role}</b>"))
        lines = [heading.format(role=html.escape(t(sections[0][0]).lower()))]
    else:
        lines = [t(N_("<b>Your commands</b>"))]
    for title, commands in sections:
        if len(sections) > 1:
            lines.append(f"<i>{html.escape(t(title))}</i>")
        lines += [f"• /{c}: {html.escape(t(d))}" for c, d in commands]
    return "\n".join(lines)
