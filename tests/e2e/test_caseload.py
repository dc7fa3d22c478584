"""/dampingan (issue 11): a companion sees the women of her desa, each with
verdict, class and attendance, last check-in, open follow-ups and last visit,
paged, and filtered to those who need a visit. Never a woman of another desa,
whatever she taps or forges. The real bot against the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.test_companions import ADMIN, BEJI, TLEKUNG, db_of, make_companion
from tests.factories import make_class, make_woman
from wrse_bot.clock import today_wib
from wrse_bot.db.models import (
    Attendance,
    AuditEvent,
    CheckIn,
    ClassSession,
    Enrolment,
    FollowUp,
    Registrant,
    Visit,
)
from wrse_bot.devtools.emulator import BotApiEmulator

WATI, DEWI = 9501, 9502  # companions of Beji and of Tlekung
SITI, SRI = 3501, 3502


@pytest.fixture
async def office(start_bot: RunningBot) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with start_bot(admin_ids=frozenset({ADMIN}), dispatch_interval_seconds=30) as app:
        await make_companion(app, WATI, BEJI)
        await make_companion(app, DEWI, TLEKUNG)
        yield app


async def seed(app: Application) -> dict[str, int]:  # type: ignore[type-arg]
    """Siti (Beji): in a class, present once, her income fell at the 30-day
    check-in, a follow-up open. Ani (Beji): no Telegram, visited last week.
    Sri (Tlekung): another companion's."""
    db = db_of(app)
    siti = await make_woman(db, SITI, full_name="Siti Aminah", village_code=BEJI)
    sri = await make_woman(db, SRI, full_name="Sri Wahyuni", village_code=TLEKUNG)
    cid = await make_class(db, title="Menjahit Dasar")
    async with db.transaction() as s:
        ani = Registrant(
            full_name="Ani Rahayu", status="active", verdict="eligible", sex="F",
            kecamatan_code="35.79.03", village_code=BEJI, interests=["memasak"],
        )  # fmt: skip
        s.add(ani)
        enrolment = Enrolment(class_id=cid, user_id=SITI, status="enrolled", completed=True)
        s.add(enrolment)
        await s.flush()
        first = await s.scalar(select(ClassSession.id).where(ClassSession.class_id == cid))
        s.add(Attendance(session_id=first, enrolment_id=enrolment.id, present=True))
        answered = datetime.now(UTC) - timedelta(days=40)
        ci = CheckIn(
            enrolment_id=enrolment.id, user_id=SITI, class_id=cid, round_days=30,
            due_at=answered, status="answered", answered_at=answered, income_change="fell",
        )  # fmt: skip
        s.add(ci)
        await s.flush()
        s.add(FollowUp(checkin_id=ci.id, reason="income_fell"))
        s.add(
            Visit(
                registrant_id=ani.id, companion_id=WATI, visited_on=today_wib() - timedelta(days=7)
            )
        )
        return {"siti": siti, "sri": sri, "ani": ani.id}


async def test_her_caseload_shows_her_desa_and_who_needs_a_visit(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    ids = await seed(office)
    wati = emulator.user(WATI)
    load = await wati.ask("/dampingan")
    text = load.plain_text
    assert "2 di desa Anda, 1 perlu dikunjungi" in text
    assert "Siti Aminah" in text and "Ani Rahayu" in text and "Sri" not in text
    assert "Menjahit Dasar: hadir 1 dari 2 pertemuan" in text
    assert "Cek hari ke-30" in text and "pendapatan: turun" in text
    assert "Tindak lanjut terbuka: 1" in text and "tanpa Telegram" in text
    assert "tidak ada kontak 30 hari" in text and "pendapatannya turun" in text

    only = await wati.tap("⚠️ Hanya yang perlu dikunjungi", message=load)
    assert "Siti Aminah" in only.plain_text and "Ani Rahayu" not in only.plain_text
    back = await wati.tap("Tampilkan semua", message=only)
    assert "Ani Rahayu" in back.plain_text

    async with db_of(office).sessions() as s:
        looked = list(
            await s.scalars(
                select(AuditEvent.registrant_id).where(
                    AuditEvent.actor_id == WATI, AuditEvent.action == "caseload:view"
                )
            )
        )
    assert set(looked) == {ids["siti"], ids["ani"]} and len(looked) == 5


async def test_pages_of_five(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    for i in range(7):
        await make_woman(db_of(office), 3600 + i, full_name=f"Ibu Nomor {i}", village_code=BEJI)
    wati = emulator.user(WATI)
    first = await wati.ask("/dampingan")
    assert "Halaman 1 dari 2" in first.plain_text and "Ibu Nomor 4" in first.plain_text
    second = await wati.tap("Berikutnya ▶️", message=first)
    assert "Ibu Nomor 5" in second.plain_text and "Ibu Nomor 0" not in second.plain_text
    assert "◀️ Sebelumnya" in second.button_labels


async def test_nobody_else_sees_a_caseload(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    await seed(office)
    dewi = emulator.user(DEWI)  # Tlekung: Sri only, whatever page she forges
    assert "Sri Wahyuni" in (await dewi.ask("/dampingan")).plain_text
    hello = await dewi.ask("/start")
    for data in ("cl:all:0", "cl:visit:0", "cl:all:3"):
        await dewi.press_data(data, hello.message_id)
        await dewi.callback_answer()
        page = await dewi.reply()
        assert "Siti" not in page.plain_text and "Ani" not in page.plain_text
    await dewi.press_data("cl:zzz:0", hello.message_id)
    assert "tidak berlaku" in (await dewi.callback_answer()).text

    for uid in (SITI, 9503):  # a woman, a stranger
        assert "hanya untuk" in (await emulator.user(uid).ask("/dampingan")).text


async def test_a_companion_without_desa_is_told_to_ask_the_admin(
    emulator: BotApiEmulator,
    office: Application,  # type: ignore[type-arg]
) -> None:
    await make_companion(office, 9505)
    told = await emulator.user(9505).ask("/dampingan")
    assert "/wilayah" in told.text
