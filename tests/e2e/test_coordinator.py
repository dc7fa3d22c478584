"""The coordinators' review, as a coordinator at Dinas Sosial uses it: the
real bot over HTTP against the Bot API emulator, in Indonesian. /laporan
sends numbers and real PNG charts, /ekspor a real workbook, /tindak_lanjut a
queue she works through; women and staff are refused."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.flows import register
from tests.factories_reports import BATU, JUNREJO, Seeder, female_nik
from wrse_bot.clock import now
from wrse_bot.db.models import AuditEvent, FollowUp, RoleGrant
from wrse_bot.devtools.emulator import BotApiEmulator, BotMessage, FakeUser

ADMIN = 9001  # admins can do what coordinators do
COORDINATOR = 9002
OTHER_COORDINATOR = 9003
STAFF = 9004
PNG = b"\x89PNG\r\n\x1a\n"


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def grant(app: Application, user_id: int, role: str) -> None:  # type: ignore[type-arg]
    async with db_of(app).transaction() as s:
        s.add(RoleGrant(user_id=user_id, role=role, granted_by=ADMIN))


async def seed(app: Application) -> dict[str, int]:  # type: ignore[type-arg]
    """Two women who finished Menjahit Dasar; Ani's income rose, Citra's fell."""
    async with db_of(app).transaction() as s:
        seeder = Seeder(s)
        ani = await seeder.woman(name="Ani", kecamatan=JUNREJO, bracket=3)
        citra = await seeder.woman(name="Citra", kecamatan=BATU, bracket=4, phone="+6285700011122")
        k = await seeder.klass()
        ea = await seeder.enrol(ani, k, completed=True)
        ec = await seeder.enrol(citra, k, completed=True)
        await seeder.attend(ea, k.sessions[0], True)
        await seeder.attend(ec, k.sessions[0], False)
        await seeder.checkin(ea, 30, bracket=6, change="rose", business=True, obstacle="pemasaran")
        fell = await seeder.checkin(
            ec,
            30,
            bracket=2,
            change="fell",
            business=False,
            help_received=["mesin_jahit"],
            obstacle="modal",
            wants_contact=True,
        )
        follow_up = await seeder.follow_up(
            fell, "income_fell", created_at=now() - timedelta(days=2)
        )
        return {"follow_up": follow_up.id}


async def audits(app: Application, action: str) -> list[AuditEvent]:  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return list((await s.scalars(select(AuditEvent).where(AuditEvent.action == action))).all())


async def photos(user: FakeUser, n: int) -> list[BotMessage]:
    got = [await user.reply() for _ in range(n)]
    assert [m.kind for m in got] == ["photo"] * n, got
    return got


# ---- /laporan --------------------------------------------------------------------------------


async def test_a_coordinator_gets_the_numbers_and_three_png_charts(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    # Two women: exact figures only with the small-group rule lowered to 1.
    async with start_bot(report_min_group=1) as app:
        await grant(app, COORDINATOR, "coordinator")
        await seed(app)
        rina = emulator.user(COORDINATOR, "Rina")
        panel = await rina.ask("/laporan")
        assert "Laporan" in panel.text
        assert {"30 hari", "90 hari", "Tahun ini", "✓ Semua", "Junrejo"} <= set(panel.button_labels)

        await rina.press("📊 Tampilkan laporan")
        report = await rina.reply()
        text = report.plain_text or ""
        assert "Laporan WRSE" in text
        assert "Pendaftaran: 2" in text
        assert "Memenuhi syarat 2" in text
        assert "Junrejo 1" in text and "Batu 1" in text
        assert "Kehadiran: 50% (1 dari 2)" in text
        assert "30 hari: 2 dari 2 menjawab (100%)" in text
        assert "± Rp100.000" in text
        assert "Memulai usaha: 1 dari 2 ibu (50%)" in text
        assert "Modal 1" in text and "Pemasaran 1" in text

        for photo in await photos(rina, 3):
            assert photo.file_bytes is not None and photo.file_bytes.startswith(PNG)
        assert len(await audits(app, "view_report")) == 1


async def test_filters_change_on_the_buttons_before_the_report_is_sent(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN}), report_min_group=1) as app:
        await seed(app)
        admin = emulator.user(ADMIN, "Budi")
        await admin.ask("/laporan")
        edited = await admin.tap("Junrejo")
        assert "✓ Junrejo" in edited.button_labels
        assert "Kecamatan: Junrejo" in (edited.plain_text or "")
        edited = await admin.tap("30 hari")
        assert {"✓ 30 hari", "✓ Junrejo"} <= set(edited.button_labels)
        picker = await admin.tap("Kelas/keahlian: semua")
        assert "Menjahit" in picker.button_labels and "Menjahit Dasar" in picker.button_labels
        edited = await admin.tap("Menjahit")
        assert "Kelas: Menjahit" in (edited.plain_text or "")
        await admin.tap("Kelas/keahlian: Menjahit")
        edited = await admin.tap("Menjahit Dasar")  # the class itself
        assert "Kelas: Menjahit Dasar" in (edited.plain_text or "")
        await admin.tap("Kelas/keahlian: Menjahit Dasar")
        edited = await admin.tap("✓ Menjahit Dasar")
        await admin.tap("Kelas/keahlian: Menjahit Dasar")
        edited = await admin.tap("Menjahit")  # back to the skill

        await admin.press("📊 Tampilkan laporan")
        report = await admin.reply()
        assert "Periode: 30 hari · Kecamatan: Junrejo · Kelas: Menjahit" in (
            report.plain_text or ""
        )
        assert "Pendaftaran: 1" in (report.plain_text or "")  # Ani only
        await photos(admin, 3)


async def test_a_report_over_fewer_than_five_women_shows_no_exact_figure(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot() as app:  # WRSE_REPORT_MIN_GROUP defaults to 5
        await grant(app, COORDINATOR, "coordinator")
        await seed(app)  # two women: Rp300.000 and Rp400.000 at intake
        rina = emulator.user(COORDINATOR, "Rina")
        await rina.ask("/laporan")
        await rina.press("📊 Tampilkan laporan")
        text = (await rina.reply()).plain_text or ""
        assert "Pendaftaran: < 5" in text
        assert "Saat mendaftar: < 5" in text
        assert "Kehadiran: < 5 (< 5 dari < 5)" in text
        assert "Memulai usaha: < 5 dari < 5 ibu (< 5)" in text
        assert "Rp3" not in text and "Rp4" not in text and "Rp6" not in text
        assert "50%" not in text and "100%" not in text
        await photos(rina, 3)


async def test_forged_buttons_change_nothing(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        admin = emulator.user(ADMIN, "Budi")
        panel = await admin.ask("/laporan")
        forgeries = (
            *("lp:go:7:all:all", "lp:go:a:09:all", "lp:go:a:all:c999", "lp:go:a:all:sx"),
            *("ex:m:xlsx", "ex:go:pdf:m", "tl:z:1", "tl:a:x"),
        )
        for forged in forgeries:
            await admin.press_data(forged, panel.message_id)
            answer = await admin.callback_answer()
            assert answer.text == "Tombol ini sudah tidak berlaku."
        await admin.no_reply()
        assert await audits(app, "export") == []


# ---- /ekspor -------------------------------------------------------------------------------


async def test_export_sends_a_real_xlsx_with_masked_niks_and_audits_it(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot() as app:
        await grant(app, COORDINATOR, "coordinator")
        await seed(app)
        rina = emulator.user(COORDINATOR, "Rina")
        choice = await rina.ask("/ekspor")
        assert choice.button_labels == ["Excel (XLSX)", "CSV (ZIP)"]
        masking = await rina.tap("Excel (XLSX)")
        assert masking.button_labels == ["Data disamarkan", "Data lengkap"]
        assert "tanpa NIK dan alamat" in (masking.plain_text or "")
        await rina.tap("Data disamarkan")  # "Menyiapkan file…"
        document = await rina.reply()
        assert document.kind == "document" and (document.filename or "").endswith(".xlsx")
        assert "Data: disamarkan" in (document.plain_text or "")
        assert document.protect_content  # Telegram forbids forwarding and saving it

        wb = load_workbook(io.BytesIO(document.file_bytes or b""), read_only=True)
        assert wb.sheetnames == [
            *(
                "registrants",
                "decisions",
                "enrolments",
                "attendance",
                "checkins",
                "aid",
                "visits",
                "summary",
            )
        ]
        rows = list(wb["registrants"].iter_rows(values_only=True))
        assert "nik" not in rows[0] and "address" not in rows[0]
        phone = rows[0].index("phone")
        assert [row[phone] for row in rows[1:]] == ["0812*****890", "0857*****122"]

        [event] = await audits(app, "export")
        assert event.actor_id == COORDINATOR
        detail = json.loads(event.detail or "")
        assert detail["nik"] == "masked" and detail["rows"]["checkins"] == 2


async def test_full_data_needs_an_explicit_confirmation(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        await seed(app)
        admin = emulator.user(ADMIN, "Budi")
        await admin.ask("/ekspor")
        await admin.tap("CSV (ZIP)")
        confirm = await admin.tap("Data lengkap")
        assert "alamat, dan tanggal lahir secara utuh" in (confirm.plain_text or "")
        assert confirm.button_labels == ["Ya, data lengkap", "Batalkan"]
        assert await audits(app, "export") == []  # nothing left the office yet

        # Skipping the confirmation with a hand-made button does not work.
        await admin.press_data("ex:go:csv:f", confirm.message_id)
        refused = await admin.callback_answer()
        assert "kedaluwarsa" in (refused.text or "")
        assert await audits(app, "export") == []

        await admin.tap("Ya, data lengkap")
        document = await admin.reply()
        assert (document.filename or "").endswith("-lengkap-csv.zip")
        assert document.protect_content
        assert female_nik(1, JUNREJO).encode() in _unzipped(document.file_bytes or b"")
        [event] = await audits(app, "export")
        assert json.loads(event.detail or "")["nik"] == "full"


def _unzipped(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read("registrants.csv")


# ---- refusals ------------------------------------------------------------------------------


async def test_a_woman_asking_for_the_report_or_an_export_is_refused_and_audited(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot() as app:
        siti = emulator.user(1101)
        await register(siti)
        for command in ("/laporan", "/ekspor"):
            refusal = await siti.ask(command)
            assert refusal.text == "Maaf, ini hanya untuk petugas Dinas Sosial."
        assert [e.actor_id for e in await audits(app, "denied:report_command")] == [1101]
        assert [e.actor_id for e in await audits(app, "denied:export_command")] == [1101]
        assert not [m for m in siti.history if m.kind in ("photo", "document")]


async def test_staff_who_are_not_coordinators_are_refused_too(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot() as app:
        await grant(app, STAFF, "staff")
        await seed(app)
        dodi = emulator.user(STAFF, "Dodi")
        for command in ("/laporan", "/ekspor", "/tindak_lanjut"):
            refusal = await dodi.ask(command)  # a petugas: told whose it is, not "petugas"
            assert refusal.text == "Maaf, ini hanya untuk Koordinator; peran Anda Petugas."
        # A button from someone else's chat, pressed by staff: refused with an alert.
        await dodi.press_data("ex:go:xlsx:m", 1)
        answer = await dodi.callback_answer()
        assert answer.show_alert and "hanya untuk Koordinator" in (answer.text or "")
        assert len(await audits(app, "denied:export_callback")) == 1
        assert await audits(app, "export") == []
        assert not [m for m in dodi.history if m.kind == "document"]


# ---- /tindak_lanjut --------------------------------------------------------------------------


async def test_a_coordinator_takes_a_follow_up_adds_a_note_and_resolves_it(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot() as app:
        await grant(app, COORDINATOR, "coordinator")
        await grant(app, OTHER_COORDINATOR, "coordinator")
        ids = await seed(app)
        rina = emulator.user(COORDINATOR, "Rina")
        header = await rina.ask("/tindak_lanjut")
        assert "1 menunggu" in (header.plain_text or "")
        card = await rina.reply()
        text = card.plain_text or ""
        assert "Penghasilan turun" in text and "Citra" in text and "+6285700011122" in text
        assert "Batu" in text and "Menjahit Dasar" in text
        assert "Penghasilan bulan lalu: Rp200.000 (turun)" in text
        assert "Bantuan diterima: Mesin jahit" in text and "Hambatan terbesar: Modal" in text
        assert "Belum ada yang menangani" in text
        assert card.button_labels == ["🙋 Saya tangani", "📝 Tambah catatan", "✅ Selesai"]
        assert card.protect_content  # her name, phone and answers: not forwardable
        assert len(await audits(app, "view_follow_up")) == 1

        taken = await rina.tap("🙋 Saya tangani", message=card)
        assert "Ditangani oleh: Anda" in (taken.plain_text or "")
        assert (await rina.callback_answer()).text == "Sekarang Anda yang menangani."

        # A second coordinator sees who took it, cannot take it by the old button,
        # and may only take it over openly (issue 11; not done here).
        lia = emulator.user(OTHER_COORDINATOR, "Lia")
        await lia.ask("/tindak_lanjut")
        theirs = await lia.reply()
        assert f"Ditangani oleh: koordinator lain ({COORDINATOR})" in (theirs.plain_text or "")
        assert theirs.button_labels == ["🔁 Ambil alih"]
        await lia.press_data(f"tl:a:{ids['follow_up']}", theirs.message_id)
        assert (await lia.callback_answer()).text == "Sudah ditangani koordinator lain."

        prompt = await rina.tap("📝 Tambah catatan", message=card)
        assert "Ketik catatan" in (prompt.text or "")
        assert (await rina.ask("Sudah ditelepon, butuh modal usaha")).text == "Catatan disimpan."
        updated = await rina.reply()
        assert "Catatan: Sudah ditelepon, butuh modal usaha" in (updated.plain_text or "")

        done = await rina.tap("✅ Selesai", message=updated)
        assert "✅ Sudah selesai" in (done.plain_text or "")
        async with db_of(app).sessions() as s:
            follow_up = await s.get(FollowUp, ids["follow_up"])
        assert follow_up is not None and follow_up.assigned_to == COORDINATOR
        assert follow_up.resolved_at is not None
        assert follow_up.note == "Sudah ditelepon, butuh modal usaha"
        assert (await rina.ask("/tindak_lanjut")).text == "Tidak ada yang perlu ditindaklanjuti. 🎉"


async def test_a_note_being_typed_survives_a_restart(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        ids = await seed(app)
        admin = emulator.user(ADMIN, "Budi")
        await admin.ask("/tindak_lanjut")
        card = await admin.reply()
        await admin.tap("📝 Tambah catatan", message=card)
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        assert (await admin.ask("Ibu minta ditelepon sore")).text == "Catatan disimpan."
        async with db_of(app).sessions() as s:
            follow_up = await s.get(FollowUp, ids["follow_up"])
        assert follow_up is not None and follow_up.note == "Ibu minta ditelepon sore"
