"""Roles, as the office uses them: an admin invites an officer with a one-time
link, /peran shows who has which role and revokes it, and each role sees its
own commands in Telegram's menu. Roles are checked on the server every time."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select, update
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from wrse_bot.clock import now
from wrse_bot.db.models import AuditEvent, Invite, RoleGrant
from wrse_bot.devtools.emulator import BotApiEmulator, BotMessage, FakeUser
from wrse_bot.services.access import code_hash

ADMIN = 9001
INVITE_LINK = re.compile(r"https://t\.me/wrse_batu_bot\?start=(inv_[A-Za-z0-9_-]+)")


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def scalar(app: Application, stmt):  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return await s.scalar(stmt)


def menu_of(emulator: BotApiEmulator, user_id: int) -> list[str] | None:
    """The commands Telegram shows in her chat (None: the default list)."""
    key = (json.dumps({"chat_id": user_id, "type": "chat"}, sort_keys=True), "")
    found = emulator.commands.get(key)
    return None if found is None else [c["command"] for c in found]


def link_in(message: BotMessage) -> str:
    found = INVITE_LINK.search(message.text or "")
    assert found, f"no invitation link in {message}"
    return found.group(1)


async def invite(admin: FakeUser, kind: str = "staf") -> str:
    return link_in(await admin.ask(f"/undang {kind}"))


async def test_an_admin_invites_an_officer_who_opens_the_link_and_becomes_staff(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        admin = emulator.user(ADMIN, "Budi")
        invitation = await admin.ask("/undang staf")
        assert "petugas" in invitation.text.lower()
        assert "WIB" in invitation.text  # valid until, in local time
        payload = link_in(invitation)

        rina = emulator.user(2001, "Rina")
        assert menu_of(emulator, 2001) is None  # the women's list, like everyone
        welcome = await rina.ask(f"/start {payload}")
        assert "Petugas" in welcome.text
        assert "/verifikasi" in welcome.text and "/kelas_baru" in welcome.text

        menu = menu_of(emulator, 2001)
        assert menu is not None
        assert {"kelas_baru", "peserta", "hadir", "verifikasi", "siaran"} <= set(menu)
        assert "daftar" in menu  # plus the women's commands
        assert "undang" not in menu and "peran" not in menu
        grant = await scalar(app, select(RoleGrant).where(RoleGrant.user_id == 2001))
        assert grant.role == "staff" and grant.granted_by == ADMIN
        assert await scalar(app, select(AuditEvent.id).where(AuditEvent.action == "role_granted"))


async def test_admins_get_their_menu_at_start_up(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})):
        menu = menu_of(emulator, ADMIN)
        assert menu is not None
        assert {"undang", "peran", "verifikasi", "kelas_baru", "daftar"} <= set(menu)


async def test_undang_without_a_role_offers_buttons(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        admin = emulator.user(ADMIN)
        choice = await admin.ask("/undang")
        assert choice.button_labels == ["Petugas", "Koordinator", "Pendamping"]
        invitation = await admin.tap("Koordinator")
        assert "koordinator" in invitation.text.lower()
        payload = link_in(invitation).removeprefix("inv_")
        stored = select(Invite.role).where(Invite.code_hash == code_hash(payload))
        assert await scalar(app, stored) == "coordinator"
        # The role may be typed too, as on every button question.
        await admin.ask("/undang")
        typed = await admin.ask("petugas")
        payload = link_in(typed).removeprefix("inv_")
        stored = select(Invite.role).where(Invite.code_hash == code_hash(payload))
        assert await scalar(app, stored) == "staff"


async def test_a_used_invitation_is_refused_and_she_is_greeted_as_usual(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        payload = await invite(emulator.user(ADMIN))
        await emulator.user(2002).ask(f"/start {payload}")

        other = emulator.user(2003)
        refusal = await other.ask(f"/start {payload}")
        assert "tidak berlaku" in refusal.text
        greeting = await other.reply()
        assert "Dinas Sosial Kota Batu" in greeting.text
        assert greeting.reply_keyboard is not None and ["Daftar"] in greeting.reply_keyboard
        assert await scalar(app, select(RoleGrant).where(RoleGrant.user_id == 2003)) is None
        assert menu_of(emulator, 2003) is None


async def test_an_expired_invitation_is_refused(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        payload = await invite(emulator.user(ADMIN))
        async with db_of(app).transaction() as s:
            await s.execute(update(Invite).values(expires_at=now() - timedelta(minutes=1)))

        late = emulator.user(2004)
        refusal = await late.ask(f"/start {payload}")
        assert "kedaluwarsa" in refusal.text
        assert "Dinas Sosial Kota Batu" in (await late.reply()).text
        assert await scalar(app, select(func.count()).select_from(RoleGrant)) == 0


async def test_opening_her_own_link_twice_changes_nothing(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        payload = await invite(emulator.user(ADMIN))
        rina = emulator.user(2005)
        await rina.ask(f"/start {payload}")
        again = await rina.ask(f"/start {payload}")
        assert "Petugas" in again.text
        assert await scalar(app, select(func.count()).select_from(RoleGrant)) == 1


async def test_an_admin_opening_an_invitation_stays_admin_and_the_link_still_works(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        admin = emulator.user(ADMIN)
        payload = await invite(admin)
        note = await admin.ask(f"/start {payload}")
        assert "admin" in note.text.lower()
        assert await scalar(app, select(RoleGrant).where(RoleGrant.user_id == ADMIN)) is None

        welcome = await emulator.user(2006).ask(f"/start {payload}")
        assert "Petugas" in welcome.text


async def test_someone_who_is_not_an_admin_cannot_invite_or_see_roles(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        async with db_of(app).transaction() as s:
            s.add(RoleGrant(user_id=2007, role="staff", granted_by=ADMIN))
        for uid in (2007, 2008):  # an officer, and a woman
            person = emulator.user(uid)
            for command in ("/undang staf", "/peran"):
                refusal = await person.ask(command)
                assert "hanya untuk" in refusal.text, command
        assert await scalar(app, select(func.count()).select_from(Invite)) == 0
        denied = await scalar(
            app,
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.in_(["denied:invite_command", "denied:roles_command"])),
        )
        assert denied == 4


async def test_a_forged_roles_button_from_a_non_admin_is_refused(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        async with db_of(app).transaction() as s:
            s.add(RoleGrant(user_id=2009, role="staff", granted_by=ADMIN))
        woman = emulator.user(2010)
        greeting = await woman.ask("/start")
        for data in ("ro:inv:staff", "ro:rvy:2009:staff"):
            await woman.press_data(data, greeting.message_id)
            answer = await woman.callback_answer()
            assert "hanya untuk" in answer.text and answer.show_alert
        assert await scalar(app, select(func.count()).select_from(Invite)) == 0
        assert await scalar(app, select(RoleGrant.role).where(RoleGrant.user_id == 2009)) == (
            "staff"
        )


async def test_peran_lists_roles_and_revoking_stops_her_staff_commands_at_once(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        admin = emulator.user(ADMIN)
        payload = await invite(admin)
        rina = emulator.user(2011)
        await rina.ask(f"/start {payload}")
        assert "membuka undangan" in (await admin.reply()).text  # the inviter is told
        assert (await rina.ask("/verifikasi")).text  # works while she is staff
        assert "verifikasi" in (menu_of(emulator, 2011) or [])

        roles = await admin.ask("/peran")
        assert str(ADMIN) in roles.text and "WRSE_ADMIN_IDS" in roles.text
        assert "2011" in roles.text and "Petugas, sejak" in roles.text
        confirm = await admin.tap("Cabut 2011 (Petugas)")
        assert "Cabut" in confirm.text or "cabut" in confirm.text
        done = await admin.tap("Ya, cabut")
        assert "sudah dicabut" in done.text
        assert "Cabut 2011 (Petugas)" not in done.button_labels

        assert await scalar(app, select(RoleGrant).where(RoleGrant.user_id == 2011)) is None
        assert menu_of(emulator, 2011) is None  # back to the women's list
        refusal = await rina.ask("/verifikasi")
        assert "hanya untuk" in refusal.text
        assert await scalar(app, select(AuditEvent.id).where(AuditEvent.action == "role_revoked"))
