"""Companions (pendamping, issue 11): an admin invites one with the usual
link and assigns her desa with /wilayah; the role and her desa are checked on
the server for every command and button. The real bot over HTTP against the
Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.test_roles import invite, menu_of
from wrse_bot.db.models import AuditEvent, CompanionArea, RoleGrant
from wrse_bot.devtools.emulator import BotApiEmulator

ADMIN = 9401
COMPANION = 9402
OTHER_COMPANION = 9403
BEJI, TLEKUNG, TEMAS = "35.79.03.2002", "35.79.03.2004", "35.79.01.1001"


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


@pytest.fixture
async def office(start_bot: RunningBot) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with start_bot(admin_ids=frozenset({ADMIN}), dispatch_interval_seconds=0.1) as app:
        yield app


async def areas(app: Application, user_id: int) -> set[str]:  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        found = await s.scalars(
            select(CompanionArea.village_code).where(CompanionArea.user_id == user_id)
        )
        return set(found)


async def make_companion(app: Application, user_id: int, *villages: str) -> None:  # type: ignore[type-arg]
    async with db_of(app).transaction() as s:
        s.add(RoleGrant(user_id=user_id, role="companion", granted_by=ADMIN))
        for v in villages:
            s.add(CompanionArea(user_id=user_id, village_code=v, assigned_by=ADMIN))


async def test_an_admin_invites_a_companion_and_assigns_her_desa(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    admin, rina = emulator.user(ADMIN), emulator.user(COMPANION, "Rina")
    welcome = await rina.ask(f"/start {await invite(admin, 'pendamping')}")
    assert "Pendamping" in welcome.text and "/dampingan" in welcome.text
    await admin.reply()  # told who claimed the link
    assert "dampingan" in (menu_of(emulator, COMPANION) or [])

    who = await admin.ask("/wilayah")
    assert f"Pendamping {COMPANION} (0 desa)" in who.button_labels
    kecamatan = await admin.tap(f"Pendamping {COMPANION} (0 desa)")
    assert {"Batu", "Junrejo", "Bumiaji"} <= set(kecamatan.button_labels)
    desa = await admin.tap("Junrejo")
    assert "Beji" in desa.button_labels[0] and "Tidak ada desa di sini" in desa.button_labels
    await admin.press("▫️ Beji")
    assert "✅ Beji" in (await admin.reply()).button_labels
    await admin.press("▫️ Tlekung")
    await admin.reply()
    review = await admin.tap("Selesai")
    assert "Beji, Tlekung" in review.text and "Junrejo" in review.text
    saved = await admin.tap("✅ Simpan")
    assert "Tersimpan" in saved.text and "Beji, Tlekung" in saved.text
    assert await areas(office, COMPANION) == {BEJI, TLEKUNG}

    # Again, in another kecamatan: her desa in Junrejo stay; those ticked start ticked.
    await admin.ask("/wilayah")
    await admin.tap(f"Pendamping {COMPANION} (2 desa)")
    desa = await admin.tap("Junrejo")
    assert "✅ Beji" in desa.button_labels and "✅ Tlekung" in desa.button_labels
    await admin.ask("/batal")
    await admin.ask("/wilayah")
    await admin.tap(f"Pendamping {COMPANION} (2 desa)")
    await admin.tap("Batu")
    await admin.press("▫️ Temas")
    await admin.reply()
    await admin.tap("Selesai")
    await admin.tap("✅ Simpan")
    assert await areas(office, COMPANION) == {BEJI, TLEKUNG, TEMAS}
    async with db_of(office).sessions() as s:
        actions = list(
            await s.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == ADMIN))
        )
    assert actions.count("companion:areas") == 2


async def test_only_admins_assign_desa_and_forged_buttons_change_nothing(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    await make_companion(office, COMPANION, BEJI)
    rina = emulator.user(COMPANION)
    assert "hanya untuk" in (await rina.ask("/wilayah")).text
    hello = await rina.ask("/start")
    for data in ("fo:areas:0", f"fm:areas:1:u{COMPANION}", "fm:areas:4:submit"):
        await rina.press_data(data, hello.message_id)
        assert "tidak berlaku" in (await rina.callback_answer()).text
    assert await areas(office, COMPANION) == {BEJI}


async def test_without_companions_the_admin_is_told_to_invite_one(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    told = await emulator.user(ADMIN).ask("/wilayah")
    assert "/undang pendamping" in told.text


async def test_a_companion_who_writes_something_unclear_is_shown_her_own_commands(
    office: Application,
    emulator: BotApiEmulator,  # type: ignore[type-arg]
) -> None:
    # Not the women's menu ("Daftar", "Kelas", "Data saya"): she is not registering.
    await make_companion(office, COMPANION, BEJI)
    wati = emulator.user(COMPANION, "Wati")
    unclear = await wati.ask("halo pak, gimana ini")
    assert "belum mengerti" in unclear.text
    assert "/dampingan" in unclear.text and "/kunjungan" in unclear.text
    assert "Perintah Anda sebagai pendamping" in unclear.text  # not "petugas Dinas"
    assert not unclear.has_reply_keyboard
    await wati.send_sticker()
    sticker = await wati.reply()
    assert "stiker" in sticker.text and "/dampingan" in sticker.text
