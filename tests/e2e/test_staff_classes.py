"""Staff publish, change and cancel classes, see the roster and mark attendance:
the real bot over HTTP against the Bot API emulator, in Indonesian."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from wrse_bot.clock import now
from wrse_bot.db.models import (
    ActiveForm,
    Attendance,
    AuditEvent,
    ClassSession,
    Enrolment,
    OutboxMessage,
    Registrant,
    TrainingClass,
    User,
)
from wrse_bot.devtools.emulator import BotApiEmulator, FakeUser
from wrse_bot.domain.class_spec import ClassSpec
from wrse_bot.domain.schedule import WIB, Span
from wrse_bot.services.class_changes import publish_class

STAFF_ID = 9001
YEAR = now().astimezone(WIB).year + 1  # always in the future, December of next year


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def scalar(app: Application, stmt):  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return await s.scalar(stmt)


async def rows(app: Application, stmt) -> list:  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return list(await s.scalars(stmt))


def wib(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(YEAR, month, day, hour, tzinfo=WIB).astimezone(UTC)


async def a_class(app: Application, *, sessions: int = 4, title: str = "Menjahit Dasar") -> int:  # type: ignore[type-arg]
    """A published class with ``sessions`` morning sessions from 1 December."""
    spec = ClassSpec(
        skill="menjahit",
        title=title,
        description="Belajar menjahit dari nol.",
        place="Balai Desa Beji",
        kecamatan_code="35.79.03",
        trainer="Bu Sri",
        capacity=10,
        sessions=tuple(Span(wib(1 + i, 9), wib(1 + i, 12)) for i in range(sessions)),
        enrol_deadline=wib(25, 17, month=11),
    )
    async with db_of(app).transaction() as s:
        return (await publish_class(s, spec, actor_id=STAFF_ID)).id


async def a_woman(
    app: Application,  # type: ignore[type-arg]
    user_id: int,
    class_id: int,
    *,
    name: str,
    status: str = "enrolled",
    phone: str = "+6281234500000",
) -> int:
    """A registered woman with an enrolment row (as the enrolment feature would leave it)."""
    async with db_of(app).transaction() as s:
        if await s.get(User, user_id) is None:
            s.add(User(id=user_id, language="id"))
            await s.flush()
            s.add(
                Registrant(
                    user_id=user_id,
                    full_name=name,
                    phone=phone,
                    verdict="eligible",
                    status="active",
                )
            )
            await s.flush()
        enrolment = Enrolment(class_id=class_id, user_id=user_id, status=status)
        s.add(enrolment)
        if status in ("enrolled", "offered"):
            cls = await s.get(TrainingClass, class_id)
            assert cls is not None
            cls.taken += 1
        await s.flush()
        return enrolment.id


async def open_edit(staff: FakeUser, field: str) -> None:
    """/kelas_staf → the class → Ubah → ``field``: its question is on screen."""
    await staff.ask("/kelas_staf")
    await staff.tap("Menjahit Dasar (01/12)")
    await staff.tap("Ubah")
    await staff.tap(field)


# ---- /kelas_baru -----------------------------------------------------------------------


async def fill_class_form(staff: FakeUser) -> None:
    """Answer /kelas_baru up to the preview, checking each question as it comes."""
    ask = await staff.ask("/kelas_baru")
    assert "Kelas baru" in ask.text and "Menjahit" in ask.button_labels
    assert "Apa judul kelasnya" in (await staff.tap("Menjahit")).text
    for typed, next_question in [
        ("Menjahit Dasar", "Deskripsi singkat"),
        ("Belajar menjahit baju dari nol.", "Di mana tempatnya"),
        ("Balai Desa Beji", "kecamatan"),
    ]:
        assert next_question in (await staff.ask(typed)).text
    assert "Siapa pelatihnya" in (await staff.tap("Junrejo")).text
    assert "Berapa kursi" in (await staff.ask("Bu Sri")).text
    assert "sesi 1" in (await staff.ask("20")).text


async def test_staff_publish_a_class_step_by_step_after_a_preview(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        staff = emulator.user(STAFF_ID)
        await fill_class_form(staff)
        more = await staff.ask(f"1 Desember {YEAR} 09.00-12.00")
        assert "Selasa" in more.text or "1 Desember" in more.text
        assert more.button_labels[:2] == ["➕ Tambah sesi", "Selesai"]
        assert "sesi 2" in (await staff.tap("➕ Tambah sesi")).text
        await staff.ask(f"2-12-{YEAR} 09:00-12:00")
        deadline_q = await staff.tap("Selesai")
        assert "Batas pendaftaran" in deadline_q.text or "batas pendaftaran" in deadline_q.text

        preview = await staff.ask(f"25 November {YEAR} 17.00")
        assert "Pratinjau kelas baru" in preview.text
        assert "Menjahit Dasar" in preview.text and "Balai Desa Beji" in preview.text
        assert "Junrejo" in preview.text and "Bu Sri" in preview.text
        assert f"1 Desember {YEAR}, 09.00–12.00 WIB" in preview.text
        assert f"25 November {YEAR}, 17.00 WIB" in preview.text
        assert preview.button_labels[:3] == ["Terbitkan", "Keterampilan", "Judul"]
        assert await scalar(app, select(func.count()).select_from(TrainingClass)) == 0
        assert "Apa judul kelasnya" in (await staff.tap("Judul")).text  # one answer changed
        preview = await staff.ask("Menjahit Dasar")
        assert "Pratinjau kelas baru" in preview.text

        done = await staff.tap("Terbitkan")
        assert "Kelas sudah terbit" in done.text
        cls = await scalar(app, select(TrainingClass))
        assert cls.status == "published" and cls.capacity == 20 and cls.taken == 0
        assert cls.kecamatan_code == "35.79.03" and cls.created_by == STAFF_ID
        assert cls.enrol_deadline == wib(25, 17, month=11)
        sessions = await rows(app, select(ClassSession).order_by(ClassSession.starts_at))
        assert [(x.starts_at, x.ends_at) for x in sessions] == [
            (datetime(YEAR, 12, 1, 2, tzinfo=UTC), datetime(YEAR, 12, 1, 5, tzinfo=UTC)),
            (datetime(YEAR, 12, 2, 2, tzinfo=UTC), datetime(YEAR, 12, 2, 5, tzinfo=UTC)),
        ]


async def test_typed_choices_are_understood_and_bad_answers_explained_and_asked_again(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    """Each refusal's wording is in tests/unit/test_class_form.py; here, the chat."""
    async with start_bot(admin_ids=frozenset({STAFF_ID})):
        staff = emulator.user(STAFF_ID)
        await staff.ask("/kelas_baru")
        assert "Apa judul kelasnya" in (await staff.ask("masak")).text  # typed, not tapped
        again = await staff.ask("x")
        assert again.text.startswith("⚠️") and "Apa judul kelasnya" in again.text
        await staff.ask("Masak Sehat")
        await staff.ask("Belajar memasak sehat dan murah.")
        await staff.ask("Balai Kota")
        assert "Siapa pelatihnya" in (await staff.ask("junrjo")).text  # a kecamatan, misspelt
        await staff.ask("Pak Budi")
        again = await staff.ask("501")
        assert again.text.startswith("⚠️") and "Berapa kursi" in again.text
        await staff.ask("15")
        await staff.ask(f"1 Desember {YEAR} 09.00-12.00")
        overlap = await staff.ask(f"1 Desember {YEAR} 11.00-13.00")
        assert overlap.text.startswith("⚠️") and "bertabrakan" in overlap.text
        await staff.ask("selesai")
        late = await staff.ask(f"2 Desember {YEAR}")
        assert late.text.startswith("⚠️") and "sebelum sesi pertama" in late.text


async def test_a_stale_button_of_the_form_is_refused_and_the_current_step_shown(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        staff = emulator.user(STAFF_ID)
        first = await staff.ask("/kelas_baru")
        await staff.tap("Menjahit", message=first)
        await staff.ask("Menjahit Dasar")
        # Two questions back (the one just before counts as a double tap: "Sudah dicatat").
        await staff.press("Membatik", message=first)
        answer = await staff.callback_answer()
        assert "pertanyaan sebelumnya" in answer.text
        again = await staff.reply()
        assert "Deskripsi singkat" in again.text
        form = await scalar(app, select(ActiveForm))
        assert form.answers["skill"] == "menjahit"
        assert await scalar(app, select(func.count()).select_from(TrainingClass)) == 0


# ---- refusals --------------------------------------------------------------------------


async def test_a_woman_cannot_use_staff_commands_or_forged_staff_buttons(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        class_id = await a_class(app)
        siti = emulator.user(1201)
        for command in ("/kelas_baru", "/kelas_staf", "/peserta", "/hadir"):
            refused = await siti.ask(command)
            assert "hanya untuk petugas" in refused.text, command
        start = await siti.ask("/start")
        for forged in (f"sc:xy:{class_id}", f"sc:r:{class_id}", "sc:f:1:publish"):
            await siti.press_data(forged, start.message_id)
            answer = await siti.callback_answer()
            assert "hanya untuk petugas" in answer.text and answer.show_alert, forged
        for forged in ("fo:class:0", f"fo:class_edit:{class_id}"):  # the forms' own buttons
            await siti.press_data(forged, start.message_id)
            assert "tidak berlaku" in (await siti.callback_answer()).text, forged
        assert await scalar(app, select(func.count()).select_from(ActiveForm)) == 0
        cls = await scalar(app, select(TrainingClass))
        assert cls.status == "published"
        denied = await rows(
            app,
            select(AuditEvent.action).where(AuditEvent.actor_id == 1201).order_by(AuditEvent.id),
        )
        assert len([a for a in denied if a.startswith("denied:")]) == 7
        assert "view_roster" not in denied


async def test_typed_text_of_a_woman_never_reaches_the_staff_form(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        staff = emulator.user(STAFF_ID)
        await staff.ask("/kelas_baru")
        siti = emulator.user(1202)
        reply = await siti.ask("Menjahit Dasar")
        assert "belum mengerti" in reply.text  # the ordinary answer to a stray message
        form = await scalar(app, select(ActiveForm))
        assert form.user_id == STAFF_ID and form.step == "skill" and not form.answers
        assert await scalar(app, select(func.count()).select_from(AuditEvent)) == 0


# ---- changing and cancelling ------------------------------------------------------------


async def test_moving_a_session_tells_every_enrolled_and_waiting_woman(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        class_id = await a_class(app, sessions=2)
        await a_woman(app, 1301, class_id, name="Siti Aminah")
        await a_woman(app, 1302, class_id, name="Dewi Lestari", status="waitlisted")
        await a_woman(app, 1303, class_id, name="Rina Wati", status="cancelled")
        siti, dewi, rina = emulator.user(1301), emulator.user(1302), emulator.user(1303)
        staff = emulator.user(STAFF_ID)
        pick = await staff.ask("/kelas_staf")
        view = await staff.tap(pick.button_labels[0])
        assert "Menjahit Dasar" in view.text
        choose = await staff.tap("Ubah")
        first_session = next(b for b in choose.button_labels if b.startswith("🕘"))
        asked = await staff.tap(first_session)
        assert "Ketik tanggal dan jam baru" in asked.text
        confirm = await staff.ask(f"3 Desember {YEAR} 13.00-16.00")
        assert f"3 Desember {YEAR}, 13.00–16.00 WIB" in confirm.text
        assert "2 ibu" in confirm.text  # enrolled and waitlisted; not the cancelled one
        assert await scalar(app, select(func.count()).select_from(OutboxMessage)) == 0

        saved = await staff.tap("Simpan")
        assert "2 ibu sudah diberi tahu" in saved.text
        notices = await rows(
            app,
            select(OutboxMessage)
            .where(OutboxMessage.kind != "reminder")  # her reminders move too (issue 4)
            .order_by(OutboxMessage.user_id),
        )
        assert [n.user_id for n in notices] == [1301, 1302]
        assert all(n.kind == "notice" and n.class_id == class_id for n in notices)
        assert "Perubahan jadwal kelas Menjahit Dasar" in notices[0].text
        assert f"3 Desember {YEAR}, 13.00–16.00 WIB" in notices[0].text
        moved = await rows(app, select(ClassSession.starts_at).order_by(ClassSession.starts_at))
        assert wib(3, 13) in moved and wib(1, 9) not in moved

        for woman in (siti, dewi):  # delivered by the outbox dispatcher
            told = await woman.reply()
            assert told.text.startswith("Perubahan jadwal kelas Menjahit Dasar")
            assert f"3 Desember {YEAR}, 13.00–16.00 WIB" in told.text
        await rina.no_reply()


async def test_renaming_a_class_notifies_nobody(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        class_id = await a_class(app)
        await a_woman(app, 1311, class_id, name="Siti Aminah")
        staff = emulator.user(STAFF_ID)
        await open_edit(staff, "Judul")
        confirm = await staff.ask("Menjahit Baju Anak")
        assert "tidak perlu diberitahukan" in confirm.text
        await staff.tap("Simpan")
        assert (await scalar(app, select(TrainingClass.title))) == "Menjahit Baju Anak"
        assert await scalar(app, select(func.count()).select_from(OutboxMessage)) == 0


async def test_capacity_cannot_drop_below_the_seats_taken(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        class_id = await a_class(app)
        for i in range(3):
            await a_woman(app, 1321 + i, class_id, name=f"Ibu {'ABC'[i]}")
        staff = emulator.user(STAFF_ID)
        await open_edit(staff, "Kursi")
        again = await staff.ask("2")
        assert again.text.startswith("⚠️") and "3 kursi" in again.text
        await staff.ask("3")
        await staff.tap("Simpan")
        assert (await scalar(app, select(TrainingClass.capacity))) == 3


async def test_more_seats_go_to_the_women_waiting_in_the_order_they_joined(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        class_id = await a_class(app)  # 10 seats
        for i in range(10):
            await a_woman(app, 1341 + i, class_id, name=f"Ibu Peserta {i}")
        for i, name in enumerate(["Siti Aminah", "Dewi Lestari", "Rina Wati"]):
            await a_woman(app, 1361 + i, class_id, name=name, status="waitlisted")
        siti, dewi, rina = (emulator.user(1361 + i) for i in range(3))
        staff = emulator.user(STAFF_ID)
        await open_edit(staff, "Kursi")
        confirm = await staff.ask("12")
        assert "2 ibu yang menunggu akan ditawari kursi" in confirm.text
        assert await scalar(app, select(func.count()).select_from(OutboxMessage)) == 0

        saved = await staff.tap("Simpan")
        assert saved.text == "✅ Tersimpan.\n2 ibu yang menunggu sudah ditawari kursi."
        statuses = await rows(
            app,
            select(Enrolment.status).where(Enrolment.user_id > 1360).order_by(Enrolment.user_id),
        )
        assert statuses == ["offered", "offered", "waitlisted"]
        for woman in (siti, dewi):  # delivered by the outbox dispatcher
            offer = await woman.reply()
            assert offer.text.startswith("Kabar baik: ada kursi kosong untuk Ibu")
            assert offer.button_labels == ["✅ Ambil", "Lepas"]
        await rina.no_reply()


async def test_cancelling_a_class_asks_first_then_tells_enrolled_and_waitlisted(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        class_id = await a_class(app)
        await a_woman(app, 1401, class_id, name="Siti Aminah")
        await a_woman(app, 1402, class_id, name="Dewi Lestari", status="waitlisted")
        siti, dewi = emulator.user(1401), emulator.user(1402)
        staff = emulator.user(STAFF_ID)
        await staff.ask("/kelas_staf")
        await staff.tap("Menjahit Dasar (01/12)")
        ask = await staff.tap("Batalkan kelas")
        assert "tidak bisa diurungkan" in ask.text
        assert "Siti Aminah" in ask.text and "Dewi Lestari" in ask.text and "2 ibu" in ask.text
        assert (await scalar(app, select(TrainingClass.status))) == "published"

        done = await staff.tap("Ya, batalkan kelas")
        assert "2 ibu sudah diberi tahu" in done.text
        assert (await scalar(app, select(TrainingClass.status))) == "cancelled"
        statuses = await rows(app, select(Enrolment.status))
        assert statuses == ["cancelled", "cancelled"]
        notices = await rows(app, select(OutboxMessage).order_by(OutboxMessage.user_id))
        assert [n.user_id for n in notices] == [1401, 1402]
        assert notices[0].text.startswith("Mohon maaf, kelas Menjahit Dasar dibatalkan")
        for woman in (siti, dewi):
            assert "kelas Menjahit Dasar dibatalkan" in (await woman.reply()).text

        await staff.press("Ya, batalkan kelas", message=ask)  # a second tap
        assert "sudah dibatalkan" in (await staff.callback_answer()).text
        assert await scalar(app, select(func.count()).select_from(OutboxMessage)) == 2


# ---- /peserta ----------------------------------------------------------------------------


async def test_the_roster_shows_names_and_phone_numbers_by_group_and_is_audited(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        class_id = await a_class(app)
        await a_woman(app, 1501, class_id, name="Siti Aminah", phone="+6281111111111")
        await a_woman(app, 1502, class_id, name="Dewi Lestari", status="waitlisted")
        await a_woman(app, 1503, class_id, name="Rina Wati", status="waitlisted")
        await a_woman(app, 1504, class_id, name="Ani Suryani", status="cancelled")
        staff = emulator.user(STAFF_ID)
        pick = await staff.ask("/peserta")
        roster = await staff.tap(pick.button_labels[0])
        text = roster.plain_text
        assert "Peserta: Menjahit Dasar" in text and "Kursi terisi: 1 dari 10" in text
        # She is called, and her registration number is there for /stimulan.
        assert re.search(r"Terdaftar \(1\)\n1\. Siti Aminah \(No\. \d+\) · 081111111111", text)
        assert roster.protect_content  # Telegram forbids forwarding and saving it
        assert "Daftar tunggu (2)\n1. Dewi Lestari" in text and "2. Rina Wati" in text
        assert "Dibatalkan (1)\n1. Ani Suryani" in text
        assert text.index("Terdaftar") < text.index("Daftar tunggu") < text.index("Dibatalkan")
        audit = await scalar(app, select(AuditEvent).where(AuditEvent.action == "view_roster"))
        assert audit.actor_id == STAFF_ID and audit.detail == str(class_id)


# ---- /hadir ------------------------------------------------------------------------------


async def test_marking_attendance_completes_a_woman_at_three_of_four_sessions(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        class_id = await a_class(app, sessions=4)
        siti = await a_woman(app, 1601, class_id, name="Siti Aminah")
        dewi = await a_woman(app, 1602, class_id, name="Dewi Lestari")
        staff = emulator.user(STAFF_ID)

        async def mark_session(number: int, present: list[str]) -> str:
            pick = await staff.ask("/hadir")
            sessions = await staff.tap(pick.button_labels[0])
            sheet = await staff.tap(sessions.button_labels[number - 1])
            assert sheet.button_labels == ["▫️ Dewi Lestari", "▫️ Siti Aminah", "Simpan"]
            for name in present:
                await staff.press(f"▫️ {name}", message=sheet)
                edited = await staff.reply()
                assert f"✅ {name}" in edited.button_labels
            return (await staff.tap("Simpan", message=sheet)).text

        assert "2 dari 2 hadir" in await mark_session(1, ["Siti Aminah", "Dewi Lestari"])
        assert "1 dari 2 hadir" in await mark_session(2, ["Siti Aminah"])
        summary = await mark_session(3, ["Siti Aminah"])
        assert "1 dari 2 hadir" in summary and "1 ibu sudah menyelesaikan" in summary

        completed = {e.id: e.completed for e in await rows(app, select(Enrolment))}
        assert completed == {siti: True, dewi: False}  # 3 of 4 completes; 2 of 4 does not
        marks = await rows(app, select(func.count()).select_from(Attendance))
        assert marks == [6]  # every enrolled woman has a mark for each saved session


async def test_a_double_tap_on_a_name_keeps_one_mark(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        class_id = await a_class(app, sessions=1)
        await a_woman(app, 1701, class_id, name="Siti Aminah")
        staff = emulator.user(STAFF_ID)
        pick = await staff.ask("/hadir")
        sessions = await staff.tap(pick.button_labels[0])
        sheet = await staff.tap(sessions.button_labels[0])
        assert sheet.protect_content  # it names the women: not forwardable
        data = sheet.inline_data("▫️ Siti Aminah")
        await staff.press_data(data, sheet.message_id)
        await staff.press_data(data, sheet.message_id)  # the same button twice
        await staff.reply()
        saved = await staff.tap("Simpan", message=sheet)
        assert "1 dari 1 hadir" in saved.text
        present = await rows(app, select(Attendance.present))
        assert present == [True]


async def test_attendance_buttons_of_a_cancelled_class_change_nothing(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        class_id = await a_class(app, sessions=1)
        await a_woman(app, 1801, class_id, name="Siti Aminah")
        other_class = await a_class(app, sessions=1, title="Kue Kering")
        stranger = await a_woman(app, 1802, other_class, name="Dewi Lestari")
        staff = emulator.user(STAFF_ID)
        pick = await staff.ask("/hadir")
        sessions = await staff.tap(pick.button_labels[0])
        sheet = await staff.tap(sessions.button_labels[0])
        session_id = int(sheet.inline_data("Simpan").split(":")[2])
        # An enrolment of another class, forged into this sheet.
        await staff.press_data(f"sc:hm:{session_id}:{stranger}:1", sheet.message_id)
        assert "tidak berlaku" in (await staff.callback_answer()).text
        async with db_of(app).transaction() as s:
            cls = await s.get(TrainingClass, class_id)
            assert cls is not None
            cls.status = "cancelled"
        await staff.press("▫️ Siti Aminah", message=sheet)
        assert "tidak berlaku" in (await staff.callback_answer()).text
        assert await scalar(app, select(func.count()).select_from(Attendance)) == 0


async def test_a_change_opened_mid_form_pauses_the_new_class_and_offers_it_back(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        await a_class(app)
        staff = emulator.user(STAFF_ID)
        await staff.ask("/kelas_baru")
        await staff.tap("Menjahit")
        await staff.ask("/kelas_staf")
        await staff.tap("Menjahit Dasar (01/12)")
        paused = await staff.tap("Ubah")
        assert "Isian kelas baru tetap tersimpan" in paused.text
        await staff.tap("Judul")
        await staff.ask("Menjahit Baju Anak")
        await staff.tap("Simpan")
        offer = await staff.reply()  # after "Tersimpan": the paused form, offered back
        assert "Isian kelas baru belum selesai" in offer.text
        back = await staff.tap(offer.button_labels[0])
        assert "Apa judul kelasnya" in back.text  # where she was, her skill kept
        form = await scalar(app, select(ActiveForm))
        assert form.answers["skill"] == "menjahit"


async def test_a_publish_refused_at_the_last_tap_keeps_the_draft_and_says_why(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    """The deadline passed while the preview stood: "Terbitkan" is refused with
    the reason, on the preview, her answers kept; one change and it is published."""
    async with start_bot(admin_ids=frozenset({STAFF_ID})) as app:
        staff = emulator.user(STAFF_ID)
        await fill_class_form(staff)
        await staff.ask(f"1 Desember {YEAR} 09.00-12.00")
        await staff.tap("Selesai")
        assert "Pratinjau kelas baru" in (await staff.ask(f"25 November {YEAR} 17.00")).text
        async with db_of(app).transaction() as s:  # time passes: the deadline is behind us
            row = await s.scalar(select(ActiveForm).where(ActiveForm.user_id == STAFF_ID))
            passed = (now() - timedelta(minutes=5)).isoformat()
            row.answers = {**row.answers, "deadline": passed}

        refused = await staff.tap("Terbitkan")
        assert "Batas pendaftaran itu sudah lewat" in refused.text
        assert "Pratinjau kelas baru" in refused.text and "Menjahit Dasar" in refused.text
        assert refused.button_labels[0] == "Terbitkan"
        assert await scalar(app, select(func.count()).select_from(TrainingClass)) == 0

        assert "Kapan batas pendaftaran" in (await staff.tap("Batas pendaftaran")).text
        preview = await staff.ask(f"25 November {YEAR} 17.00")
        assert "Pratinjau kelas baru" in preview.text and "sudah lewat" not in preview.text
        assert "Kelas sudah terbit" in (await staff.tap("Terbitkan")).text
        assert await scalar(app, select(func.count()).select_from(TrainingClass)) == 1
