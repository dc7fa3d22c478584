"""The aid register, as an officer records it (issue 11): /stimulan <number>,
one short question at a time, a review before it is saved; a second aid of
the same kind within twelve months asks why; she is told discreetly. The
real bot over HTTP against the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.factories import make_woman
from tests.factories_reports import Seeder
from wrse_bot.db.models import Aid, AuditEvent, OutboxMessage, Registrant
from wrse_bot.devtools.emulator import BotApiEmulator

OFFICER = 9301
WOMAN = 3301


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


@pytest.fixture
async def office(start_bot: RunningBot) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with start_bot(admin_ids=frozenset({OFFICER}), dispatch_interval_seconds=0.1) as app:
        yield app


async def test_an_officer_records_two_aids_and_the_second_of_a_kind_asks_why(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    officer, siti = emulator.user(OFFICER), emulator.user(WOMAN)
    number = await make_woman(db_of(office), WOMAN, full_name="Siti Aminah")

    kind = await officer.ask(f"/stimulan {number}")
    assert "bantuan apa" in kind.text.lower() and "Mesin jahit" in kind.button_labels
    assert "nilainya" in (await officer.tap("Mesin jahit")).text.lower()
    assert "Hari ini" in (await officer.ask("1,5 juta")).button_labels
    await officer.tap("Hari ini")
    review = await officer.ask("APBD Dinsos 2026")
    assert "Siti Aminah" in review.text and "Rp1.500.000" in review.text
    saved = await officer.tap("✅ Simpan")
    assert "Tersimpan" in saved.text and "Mesin jahit" in saved.text

    told = await siti.reply()  # discreet: no amount, no situation in the preview
    assert "/data_saya" in told.text and "1.500.000" not in told.text
    assert "mesin" not in told.text.lower()

    await officer.ask(f"/stimulan {number}")
    await officer.ask("mesin jahit")  # typed instead of tapped
    await officer.ask("2jt")
    await officer.tap("Hari ini")
    why = await officer.ask("APBD Dinsos 2026")
    assert "12 bulan" in why.text and "alasan" in why.text.lower()
    review = await officer.ask("Mesin pertama rusak terkena banjir")
    assert "Mesin pertama rusak" in review.text
    await officer.tap("✅ Simpan")

    async with db_of(office).sessions() as s:
        aids = list(await s.scalars(select(Aid).order_by(Aid.id)))
        audits = list(
            await s.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == OFFICER))
        )
        notices = list(
            await s.scalars(select(OutboxMessage.kind).where(OutboxMessage.user_id == WOMAN))
        )
    assert [(a.kind, a.value) for a in aids] == [
        ("mesin_jahit", 1_500_000),
        ("mesin_jahit", 2_000_000),
    ]
    assert aids[0].repeat_reason is None and aids[1].repeat_reason.startswith("Mesin pertama")
    assert audits.count("aid:record") == 2
    assert notices == ["aid", "aid"]


async def test_only_officers_may_record_aid_and_forged_buttons_change_nothing(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    eve = emulator.user(3302)
    number = await make_woman(db_of(office), WOMAN)
    refused = await eve.ask(f"/stimulan {number}")
    assert "hanya untuk petugas" in refused.text
    hello = await eve.ask("/start")
    for data in (f"fo:aid:{number}", "fm:aid:1:mesin_jahit", "fm:aid:2:submit"):
        await eve.press_data(data, hello.message_id)
        assert "tidak berlaku" in (await eve.callback_answer()).text
    async with db_of(office).sessions() as s:
        assert await s.scalar(select(Aid.id)) is None


async def test_an_unknown_number_is_explained(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    officer = emulator.user(OFFICER)
    assert "/stimulan 12" in (await officer.ask("/stimulan")).text
    assert "nomor 999" in (await officer.ask("/stimulan 999")).text


async def test_the_review_shows_the_class_it_follows_and_it_may_be_changed(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    officer = emulator.user(OFFICER)
    number = await make_woman(db_of(office), WOMAN, full_name="Siti Aminah")
    async with db_of(office).transaction() as s:
        seeder = Seeder(s)
        woman = await s.get(Registrant, number)
        assert woman is not None
        await seeder.enrol(woman, await seeder.klass(title="Menjahit Dasar"), completed=True)

    await officer.ask(f"/stimulan {number}")
    await officer.tap("Mesin jahit")
    await officer.ask("1,5 juta")
    await officer.tap("Hari ini")
    await officer.ask("APBD Dinsos 2026")
    review = await officer.tap("Menjahit Dasar")
    assert "• setelah kelas: Menjahit Dasar" in review.plain_text
    change = await officer.tap("Ubah kelas", message=review)
    review = await officer.tap("Tidak terkait kelas", message=change)
    assert "• tidak terkait kelas" in review.plain_text
    await officer.tap("✅ Simpan", message=review)
    async with db_of(office).sessions() as s:
        aid = await s.scalar(select(Aid))
    assert aid is not None and aid.class_id is None
