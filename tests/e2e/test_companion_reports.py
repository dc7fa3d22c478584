"""Coordinators see the accompaniment (issue 11): /laporan names the obstacles
seen on visits (inside, outside) and each companion's work; /ekspor has a
visits sheet. A companion gets neither, by command or by forged button. The
real bot against the Bot API emulator."""

from __future__ import annotations

import io
from datetime import timedelta

from babel.dates import format_date
from openpyxl import load_workbook
from sqlalchemy import select

from tests.e2e.conftest import RunningBot
from tests.e2e.test_companions import ADMIN, BEJI, db_of, make_companion
from tests.factories import make_woman
from wrse_bot.clock import today_wib
from wrse_bot.db.models import AuditEvent, RoleGrant, Visit
from wrse_bot.devtools.emulator import BotApiEmulator

WATI, LIA = 9801, 9802


async def seed(app) -> None:  # type: ignore[no-untyped-def]
    """Six women of Beji, each visited last week by Wati, who saw neighbours in the way."""
    await make_companion(app, WATI, BEJI)
    women = [
        await make_woman(db_of(app), 3800 + i, full_name=f"Ibu {i}", village_code=BEJI)
        for i in range(6)
    ]
    async with db_of(app).transaction() as s:
        s.add(RoleGrant(user_id=LIA, role="coordinator", granted_by=ADMIN))
        for reg in women:
            s.add(
                Visit(
                    registrant_id=reg,
                    companion_id=WATI,
                    visited_on=today_wib() - timedelta(days=7),
                    talked="tentang pesanan",
                    obstacles=["tetangga"],
                    next_step="jualan di pasar",
                )
            )


async def test_a_coordinator_sees_the_companions_work_and_the_visits_sheet(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        await seed(app)
        lia = emulator.user(LIA)
        panel = await lia.ask("/laporan")
        report = await lia.tap("📊 Tampilkan laporan", message=panel)
        assert "Hambatan dari kunjungan" in report.plain_text
        assert "Dari luar 6" in report.plain_text and "Tetangga 6" in report.plain_text
        companions = await lia.reply()
        text = companions.plain_text
        assert f"{WATI} (Beji): 6 ibu, 0 tidak dihubungi 30 hari" in text
        assert "tindak lanjut 0 terbuka, 0 selesai" in text
        visited = today_wib() - timedelta(days=7)  # the month as the aid's: "Des 2026"
        assert f"kunjungan {format_date(visited, 'MMM y', locale='id')} 6;" in text

        choice = await lia.ask("/ekspor")
        while "Excel (XLSX)" not in choice.button_labels:  # the report's charts come first
            choice = await lia.reply()
        await lia.tap("Excel (XLSX)", message=choice)
        await lia.tap("Data disamarkan")  # "Menyiapkan file…"
        document = await lia.reply()
        assert document.kind == "document"
        assert "0 catatan bantuan, 6 catatan kunjungan. Data: disamarkan" in (
            document.plain_text or ""
        )
        workbook = load_workbook(io.BytesIO(document.file_bytes or b""))
        rows = list(workbook["visits"].iter_rows(values_only=True))
        assert len(rows) == 7 and "talked" not in rows[0] and "obstacles" in rows[0]
        summary = dict(workbook["summary"].iter_rows(values_only=True))
        assert summary[f"companion_{WATI}_caseload"] == 6
        assert summary["visit_obstacles_external"] == 6


async def test_a_companion_gets_no_report_and_no_export(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        await seed(app)
        wati = emulator.user(WATI)
        for command in ("/laporan", "/ekspor", "/tindak_lanjut"):
            assert "hanya untuk" in (await wati.ask(command)).text
        hello = await wati.ask("/start")
        for data in ("lp:go:a:all:all", "ex:f:xlsx", "ex:go:xlsx:m"):
            await wati.press_data(data, hello.message_id)
            assert "hanya untuk" in (await wati.callback_answer()).text
        async with db_of(app).sessions() as s:
            denied = list(
                await s.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == WATI))
            )
        assert sum(a.startswith("denied:") for a in denied) == 6
        assert "export" not in denied
