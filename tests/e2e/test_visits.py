"""Visit notes (issue 11): after a home visit a companion notes the date, what
they talked about, the obstacles seen (from inside or outside), the next step
and by when; a woman of another desa is refused whatever she types or forges.
The real bot against the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.test_companions import ADMIN, BEJI, TLEKUNG, db_of, make_companion
from tests.factories import make_woman
from wrse_bot.clock import today_wib
from wrse_bot.db.models import AuditEvent, Visit
from wrse_bot.devtools.emulator import BotApiEmulator

WATI = 9601


def day_id(day: date) -> str:
    """A date as the bot writes it in Indonesian: 8 Desember 2026."""
    return format_date(day, "d MMMM y", locale="id")


SITI, SRI = 3601, 3602


@pytest.fixture
async def office(start_bot: RunningBot) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with start_bot(admin_ids=frozenset({ADMIN}), dispatch_interval_seconds=30) as app:
        await make_companion(app, WATI, BEJI)
        yield app


async def audits(app: Application, action: str) -> list[int | None]:  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        found = await s.scalars(
            select(AuditEvent.registrant_id).where(
                AuditEvent.actor_id == WATI, AuditEvent.action == action
            )
        )
        return list(found)


async def test_a_companion_notes_a_visit_from_her_caseload(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    siti = await make_woman(db_of(office), SITI, full_name="Siti Aminah", village_code=BEJI)
    wati = emulator.user(WATI)
    load = await wati.ask("/dampingan")
    when = await wati.tap("📝 Catatan kunjungan: Siti Aminah", message=load)
    assert "Siti Aminah" in when.text and "Hari ini" in when.button_labels
    talk = await wati.tap("Hari ini")
    assert "bicarakan" in talk.text
    seen = await wati.ask("Pesanan kue lebaran, oven baru")
    assert "🔸 Rasa percaya diri" in [b.removeprefix("▫️ ") for b in seen.button_labels]
    await wati.press("▫️ 🔸 Rasa percaya diri")
    await wati.reply()
    await wati.press("▫️ 🔹 Tetangga")
    assert "✅ 🔹 Tetangga" in (await wati.reply()).button_labels
    step = await wati.tap("Selesai")
    assert "langkah" in step.text.lower()
    by = await wati.ask("Mencoba jualan di pasar Minggu")
    review = await wati.tap("Dua minggu lagi", message=by)
    assert "Siti Aminah" in review.text and "Rasa percaya diri, Tetangga" in review.text
    saved = await wati.tap("✅ Simpan")
    assert f"Tersimpan: kunjungan Anda ke Siti Aminah pada {day_id(today_wib())}" in saved.text

    async with db_of(office).sessions() as s:
        visit = await s.scalar(select(Visit))
    assert visit is not None and visit.registrant_id == siti
    assert visit.visited_on == today_wib() and visit.obstacles == ["percaya_diri", "tetangga"]
    assert visit.next_on == today_wib() + timedelta(days=14)
    assert visit.talked.startswith("Pesanan kue")
    assert await audits(office, "visit:record") == [siti]
    assert "Kunjungan terakhir: " in (await wati.ask("/dampingan")).plain_text


async def test_a_visit_date_still_to_come_yesterday_and_no_obstacle_ticked_are_answered_kindly(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    siti = await make_woman(db_of(office), SITI, full_name="Siti Aminah", village_code=BEJI)
    wati = emulator.user(WATI)
    await wati.ask(f"/kunjungan {siti}")
    later = today_wib() + timedelta(days=3)
    refused = await wati.ask(f"{later:%d-%m-%Y}")
    assert (
        f"{day_id(later)} belum tiba" in refused.text and "Kapan Anda mengunjungi" in refused.text
    )
    talk = await wati.ask("kemarin")
    assert "bicarakan" in talk.text
    await wati.ask("Pesanan kue lebaran")
    empty = await wati.tap("Selesai")
    assert "Tidak terlihat hambatan" in empty.text and "lalu ketuk Selesai" in empty.text
    step = await wati.tap("Tidak terlihat hambatan", message=empty)
    assert "langkah" in step.text.lower()
    by = await wati.ask("Mencoba jualan di pasar Minggu")
    review = await wati.tap("Seminggu lagi", message=by)
    assert (
        f"Kunjungan ke Siti Aminah, {day_id(today_wib() - timedelta(days=1))}" in review.plain_text
    )


async def test_a_woman_of_another_desa_is_refused_everywhere(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    sri = await make_woman(db_of(office), SRI, full_name="Sri Wahyuni", village_code=TLEKUNG)
    wati = emulator.user(WATI)
    assert "bukan ibu dari desa Anda" in (await wati.ask(f"/kunjungan {sri}")).text
    assert "bukan ibu dari desa Anda" in (await wati.ask("/kunjungan 9999")).text
    hello = await wati.ask("/start")
    await wati.press_data(f"fo:visit:{sri}", hello.message_id)  # a forged "Catatan kunjungan"
    assert "tidak berlaku" in (await wati.callback_answer()).text
    assert await audits(office, "companion:refused") == [sri, 9999, sri]

    officer = emulator.user(ADMIN)  # an admin is no companion: no visit notes
    assert "hanya untuk" in (await officer.ask(f"/kunjungan {sri}")).text
    async with db_of(office).sessions() as s:
        assert await s.scalar(select(Visit.id)) is None
