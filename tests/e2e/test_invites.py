"""Invitations are bearer tokens: whoever opens a forwarded link first becomes
staff. So the admin who invited is told who claimed it, with a button to
revoke; unused invitations are listed in /peran and can be withdrawn; the
database keeps only a hash of each code. Still one-time and expiring."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from tests.e2e.conftest import RunningBot
from tests.e2e.test_roles import ADMIN, db_of, invite, scalar
from wrse_bot.db.models import Invite, RoleGrant
from wrse_bot.devtools.emulator import BotApiEmulator

STRANGER = 2101  # got the link forwarded; opened it first


async def test_the_admin_is_told_who_claimed_the_link_and_can_revoke_at_once(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN}), dispatch_interval_seconds=30) as app:
        admin = emulator.user(ADMIN, "Budi")
        payload = await invite(admin)
        stranger = emulator.user(STRANGER, "Joko")
        assert "Petugas" in (await stranger.ask(f"/start {payload}")).text

        notice = await admin.reply()  # woken at once, not at the next dispatch tick
        assert "Joko" in notice.plain_text and "membuka undangan" in notice.plain_text
        assert f"tg://user?id={STRANGER}" in notice.text
        confirm = await admin.tap("Cabut peran Joko", message=notice)
        assert "Cabut" in confirm.text
        done = await admin.tap("Ya, cabut")
        assert "sudah dicabut" in done.text
        assert await scalar(app, select(RoleGrant).where(RoleGrant.user_id == STRANGER)) is None
        assert "hanya untuk" in (await stranger.ask("/verifikasi")).text


async def test_unused_invitations_are_listed_and_can_be_withdrawn(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        admin = emulator.user(ADMIN)
        first = await invite(admin)
        second = await invite(admin, "koordinator")
        ids = list(await _all(app, select(Invite.id).order_by(Invite.id)))

        roles = await admin.ask("/peran")
        assert "Undangan yang belum dipakai" in roles.plain_text
        assert f"#{ids[0]}: Petugas" in roles.plain_text
        assert f"#{ids[1]}: Koordinator" in roles.plain_text
        done = await admin.tap(f"Tarik undangan #{ids[0]}", message=roles)
        assert f"Undangan #{ids[0]} sudah ditarik" in done.plain_text
        assert f"#{ids[0]}: Petugas" not in done.plain_text
        assert f"Tarik undangan #{ids[0]}" not in done.button_labels

        refused = await emulator.user(2102).ask(f"/start {first}")
        assert "sudah ditarik" in refused.text
        assert await scalar(app, select(RoleGrant).where(RoleGrant.user_id == 2102)) is None
        # The other one still works, once.
        assert "Koordinator" in (await emulator.user(2103).ask(f"/start {second}")).text
        assert "Undangan yang belum dipakai" not in (await admin.ask("/peran")).plain_text


async def test_the_invitation_message_itself_can_withdraw_its_link(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})):
        admin = emulator.user(ADMIN)
        invitation = await admin.ask("/undang staf")
        assert "lebih dulu" in invitation.plain_text  # whoever opens it first
        await admin.tap("Tarik undangan ini", message=invitation)
        assert "tidak berlaku lagi" in (await admin.callback_answer()).text
        payload = invitation.text.split("start=")[1].split()[0]
        assert "sudah ditarik" in (await emulator.user(2104).ask(f"/start {payload}")).text


async def test_the_database_keeps_only_a_hash_of_each_code(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        code = (await invite(emulator.user(ADMIN))).removeprefix("inv_")
        async with db_of(app).sessions() as s:
            row = await s.scalar(select(Invite))
            dump = "\n".join(str(v) for v in (await s.execute(select(Invite.__table__))).one())
        assert row is not None and row.code_hash == hashlib.sha256(code.encode()).hexdigest()
        assert code not in dump


async def _all(app, stmt):  # type: ignore[no-untyped-def]
    async with db_of(app).sessions() as s:
        return (await s.scalars(stmt)).all()
