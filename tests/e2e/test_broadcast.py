"""/siaran, as an officer of Dinas Sosial uses it, and what the women receive:
the real bot over HTTP against the Bot API emulator, in Indonesian."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.flows import register
from wrse_bot.clock import WIB
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    Broadcast,
    ClassSession,
    Enrolment,
    OutboxMessage,
    Registrant,
    TrainingClass,
    User,
)
from wrse_bot.devtools.emulator import BotApiEmulator, BotMessage, FakeUser

OFFICER = 9001
JUNREJO, BUMIAJI = "35.79.03", "35.79.02"
NEWS = "Kelas menjahit dibuka di Balai Desa Beji, Senin depan. Daftar lewat menu Kelas."


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def scalar(app: Application, stmt: Any) -> Any:  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return await s.scalar(stmt)


async def eligible_women(
    app: Application,  # type: ignore[type-arg]
    emulator: BotApiEmulator,
    ids: Iterable[int],
    *,
    kecamatan: str = JUNREJO,
    interests: tuple[str, ...] = ("menjahit",),
) -> list[FakeUser]:
    """Women already registered and ELIGIBLE (stored directly: the registration
    itself is tested in test_intake.py)."""
    ids = list(ids)
    async with db_of(app).transaction() as s:
        s.add_all(User(id=uid) for uid in ids)
        await s.flush()
        s.add_all(
            Registrant(
                user_id=uid,
                status="active",
                verdict="eligible",
                full_name=f"Ibu {uid}",
                kecamatan_code=kecamatan,
                interests=list(interests),
            )
            for uid in ids
        )
    return [emulator.user(uid) for uid in ids]


async def a_class(
    app: Application,  # type: ignore[type-arg]
    *,
    enrolled: Iterable[int] = (),
    waitlisted: Iterable[int] = (),
) -> int:
    """ "Menjahit Dasar", two Monday sessions in March 2030, 09.00-12.00 WIB."""
    first = datetime(2030, 3, 4, 9, 0, tzinfo=WIB)
    async with db_of(app).transaction() as s:
        cls = TrainingClass(
            skill="menjahit",
            title="Menjahit Dasar",
            description="Belajar menjahit dari nol",
            place="Balai Desa Beji",
            kecamatan_code=JUNREJO,
            trainer="Bu Rina",
            capacity=10,
            taken=len(list(enrolled)),
            enrol_deadline=first - timedelta(days=2),
            status="published",
            sessions=[
                ClassSession(starts_at=start, ends_at=start + timedelta(hours=3))
                for start in (first, first + timedelta(weeks=1))
            ],
        )  # fmt: skip
        s.add(cls)
        await s.flush()
        for uid in enrolled:
            s.add(Enrolment(class_id=cls.id, user_id=uid, status="enrolled"))
        for uid in waitlisted:
            s.add(Enrolment(class_id=cls.id, user_id=uid, status="waitlisted"))
        return cls.id


async def preview(officer: FakeUser, choices: list[str], text: str | None = NEWS) -> BotMessage:
    """/siaran, the audience buttons, then the typed message (or a button)."""
    officer.mark_read()  # progress edits of an earlier broadcast are not the answer
    message = await officer.ask("/siaran")
    assert "Siapa penerimanya?" in message.text
    for label in choices:
        message = await officer.tap(label)
    if text is not None:
        assert "Silakan ketik pesannya" in message.text
        message = await officer.ask(text)
    assert "Pratinjau siaran" in message.text, message
    return message


async def report(emulator: BotApiEmulator, number: int = 1, timeout: float = 15.0) -> BotMessage:  # noqa: ASYNC109
    """The officer's final report of her ``number``-th broadcast."""
    head = f"Laporan siaran #{number}\n"
    _, message = await emulator.wait_sent(
        lambda m: m.chat_id == OFFICER and (m.text or "").startswith(head), timeout=timeout
    )
    return message


HEAD = "📢 Pengumuman Dinas Sosial Kota Batu"
STOP = "Tidak ingin menerima pengumuman lagi? Ketik /berhenti."


def received(text: str, class_title: str | None = None) -> str:
    """What a woman receives for ``text``: the sender first, how to stop last."""
    foot = (
        f"Pesan ini tentang kelas {class_title} yang Ibu daftar, jadi tetap dikirim "
        "walaupun Ibu sudah mengetik /berhenti."
        if class_title
        else STOP
    )
    return f"{HEAD}\n\n{text}\n\n{foot}"


def copies(emulator: BotApiEmulator, text: str) -> Counter[int]:
    """How many times each chat received ``text`` as a new message."""
    return Counter(m.chat_id for m in emulator.sent if m.kind == "message" and m.text == text)


# ---- the whole flow ------------------------------------------------------------------


async def test_an_officer_broadcasts_to_eligible_women_who_each_receive_it_once(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    women = [emulator.user(3001 + i) for i in range(5)]
    async with start_bot(admin_ids=frozenset({OFFICER})):
        await asyncio.gather(
            *(register(w, nik=f"3579 0352 0380 {i + 1:04d}") for i, w in enumerate(women))
        )
        officer = emulator.user(OFFICER, "Bu Ani")

        shown = await preview(officer, ["Semua yang memenuhi syarat"])
        assert "Untuk: semua yang memenuhi syarat" in shown.text
        assert "Penerima: 5 orang" in shown.text
        assert NEWS in shown.text
        assert shown.button_labels == ["✅ Kirim", "Batal"]

        progress = await officer.tap("✅ Kirim")
        assert "Terkirim 0 / 5" in progress.text
        final = await report(emulator)

    assert "Terkirim: 5" in final.text
    assert "Memblokir bot: 0" in final.text and "Gagal: 0" in final.text
    assert copies(emulator, received(NEWS)) == {w.id: 1 for w in women}
    # The progress message was edited as delivery went on, ending with the total.
    edits = [m for m in officer.history if m.kind == "edit" and m.message_id == shown.message_id]
    assert "Siaran selesai" in edits[-1].text and "Terkirim 5 / 5" in edits[-1].text


async def test_a_broadcast_names_the_sender_first_and_says_how_to_stop_last(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    """The first line is the notification preview on a shared phone: only the sender."""
    async with start_bot(admin_ids=frozenset({OFFICER})) as app:
        (siti,) = await eligible_women(app, emulator, [3051])
        officer = emulator.user(OFFICER)
        shown = await preview(
            officer, ["Semua yang memenuhi syarat"], "Untuk ibu-ibu janda: kelas baru"
        )
        await officer.tap("✅ Kirim")
        await report(emulator)
    (got,) = [m for m in siti.history if m.kind == "message" and "kelas baru" in (m.text or "")]
    lines = got.text.split("\n")
    assert lines[0] == "📢 Pengumuman Dinas Sosial Kota Batu"
    assert "janda" not in lines[0]
    assert lines[-1] == "Tidak ingin menerima pengumuman lagi? Ketik /berhenti."
    assert shown.text.endswith(got.text)  # the officer saw exactly what she received


async def test_a_woman_who_blocked_the_bot_is_counted_as_blocked_and_skipped_later(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({OFFICER})) as app:
        siti, ani = await eligible_women(app, emulator, [3101, 3102])
        # Blocked while the bot was not listening: only the 403 tells it.
        emulator.block(ani.id, notify=False)
        officer = emulator.user(OFFICER)

        await preview(officer, ["Semua yang memenuhi syarat"])
        await officer.tap("✅ Kirim")
        first = await report(emulator)
        assert "Terkirim: 1" in first.text and "Memblokir bot: 1" in first.text
        assert await scalar(app, select(User.unreachable).where(User.id == ani.id)) is True

        # The next broadcast does not count her at all.
        again = await preview(officer, ["Semua yang memenuhi syarat"], "Pengumuman kedua")
        assert "Penerima: 1 orang" in again.text

    assert copies(emulator, received(NEWS)) == {siti.id: 1}


# ---- audiences -----------------------------------------------------------------------


async def test_the_audience_narrows_by_kecamatan_and_by_interest(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({OFFICER})) as app:
        await eligible_women(app, emulator, [3201, 3202], interests=("menjahit", "kue_kering"))
        await eligible_women(app, emulator, [3203], kecamatan=BUMIAJI, interests=("membatik",))
        officer = emulator.user(OFFICER)

        junrejo = await preview(officer, ["Per kecamatan", "Junrejo"])
        assert "Untuk: warga Kecamatan Junrejo" in junrejo.text
        assert "Penerima: 2 orang" in junrejo.text
        await officer.tap("Batal")

        batik = await preview(officer, ["Per minat kelas", "Membatik"])
        assert "Untuk: peminat kelas Membatik" in batik.text
        assert "Penerima: 1 orang" in batik.text
        await officer.tap("✅ Kirim")
        await report(emulator)

    assert copies(emulator, received(NEWS)) == {3203: 1}


async def test_class_schedule_goes_to_its_participants_and_waitlist_separately(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({OFFICER})) as app:
        await eligible_women(app, emulator, [3301, 3302, 3303])
        await a_class(app, enrolled=[3301, 3302], waitlisted=[3303])
        officer = emulator.user(OFFICER)

        message = await officer.ask("/siaran")
        await officer.tap("Peserta kelas")
        message = await officer.tap("Menjahit Dasar")
        assert "Untuk: peserta kelas Menjahit Dasar" in message.text
        shown = await officer.tap("📅 Jadwal kelas")
        assert "Penerima: 2 orang" in shown.text
        assert "Jadwal kelas: Menjahit Dasar" in shown.text
        assert "Tempat: Balai Desa Beji, Kecamatan Junrejo" in shown.text
        assert "• Senin, 4 Maret 2030, 09.00–12.00 WIB" in shown.text
        assert "• Senin, 11 Maret 2030, 09.00–12.00 WIB" in shown.text
        await officer.tap("✅ Kirim")
        await report(emulator)

        waiting = await preview(officer, ["Daftar tunggu kelas", "Menjahit Dasar"], "Sabar ya")
        assert "Penerima: 1 orang" in waiting.text

    schedule = shown.text.split("\n\n", 1)[1]  # the preview shows what she receives
    assert schedule.startswith(HEAD + "\n\nJadwal kelas: Menjahit Dasar")
    assert schedule.endswith("tetap dikirim walaupun Ibu sudah mengetik /berhenti.")
    assert copies(emulator, schedule) == {3301: 1, 3302: 1}


async def test_berhenti_stops_announcements_but_not_news_of_her_own_class(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({OFFICER})) as app:
        siti, ani = await eligible_women(app, emulator, [3401, 3402])
        await a_class(app, enrolled=[siti.id])
        officer = emulator.user(OFFICER)

        answer = await siti.ask("/berhenti")
        assert "tidak akan menerima pengumuman umum lagi" in answer.text
        assert "kelas Ibu sendiri tetap kami kirim" in answer.text
        assert "/langganan" in answer.text

        shown = await preview(officer, ["Semua yang memenuhi syarat"])
        assert "Penerima: 1 orang" in shown.text
        await officer.tap("✅ Kirim")
        await report(emulator)
        assert copies(emulator, received(NEWS)) == {ani.id: 1}

        # About her own class: it reaches her all the same.
        own = await preview(officer, ["Peserta kelas", "Menjahit Dasar"], "Besok bawa gunting")
        assert "Penerima: 1 orang" in own.text
        await officer.tap("✅ Kirim")
        await emulator.wait_sent(
            lambda m: (
                m.chat_id == siti.id and m.text == received("Besok bawa gunting", "Menjahit Dasar")
            ),
            timeout=10,
        )
        await report(emulator, 2)

        siti.mark_read()
        answer = await siti.ask("/langganan")
        assert "akan menerima pengumuman lagi" in answer.text
        again = await preview(officer, ["Semua yang memenuhi syarat"], "Lagi")
        assert "Penerima: 2 orang" in again.text


# ---- refusals and stale buttons ------------------------------------------------------


async def test_a_woman_cannot_open_siaran_nor_press_its_buttons(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({OFFICER})) as app:
        (siti,) = await eligible_women(app, emulator, [3501])
        officer = emulator.user(OFFICER)
        shown = await preview(officer, ["Semua yang memenuhi syarat"])

        refusal = await siti.ask("/siaran")
        assert "hanya untuk petugas" in refusal.text

        # A forged "Kirim" for the officer's open preview, from her chat.
        await siti.press_data(shown.inline_data("✅ Kirim"), 1)
        answer = await siti.callback_answer()
        assert "hanya untuk petugas" in answer.text

        assert await scalar(app, select(func.count()).select_from(Broadcast)) == 0
        assert await scalar(app, select(func.count()).select_from(OutboxMessage)) == 0


async def test_an_old_or_forged_button_of_the_officer_changes_nothing(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({OFFICER})) as app:
        await eligible_women(app, emulator, [3601])
        officer = emulator.user(OFFICER)
        first = await officer.ask("/siaran")
        await officer.tap("Per kecamatan")
        await officer.tap("⬅️ Kembali")
        message = await officer.tap("Semua yang memenuhi syarat")

        # The first question's button, pressed again after she moved on: the form
        # engine's rule for every form says so and asks the open question again.
        await officer.press_data(first.inline_data("Per kecamatan"), first.message_id)
        assert "pertanyaan sebelumnya" in (await officer.callback_answer()).text
        again = await officer.reply()
        assert "Silakan ketik pesannya" in again.text
        # A made-up answer for the open question, and made-up data.
        schedule = again.inline_data("📅 Jadwal kelas")
        await officer.press_data(schedule.replace("schedule", "k999999"), again.message_id)
        assert "Silakan ketik pesan untuk para ibu" in (await officer.reply()).text
        await officer.press_data("sb:2:drop", message.message_id)
        assert "sudah tidak berlaku" in (await officer.callback_answer()).text

        # The form is where she left it: her typed message becomes the preview.
        shown = await officer.ask(NEWS)
        assert "Pratinjau siaran" in shown.text and "Penerima: 1 orang" in shown.text
        assert await scalar(app, select(func.count()).select_from(Broadcast)) == 0


# ---- a crash in the middle of a broadcast --------------------------------------------


async def test_a_broadcast_resumes_after_a_hard_stop_and_nobody_gets_it_twice(
    emulator: BotApiEmulator, start_bot: RunningBot, sqlite_url: str
) -> None:
    ids = range(4001, 4101)  # 100 women: at Telegram's pace that takes a few seconds
    async with start_bot(admin_ids=frozenset({OFFICER})) as app:
        await eligible_women(app, emulator, ids)
        officer = emulator.user(OFFICER)
        await preview(officer, ["Semua yang memenuhi syarat"])
        emulator.rate_limits = True  # Telegram's real limits from here on
        await officer.tap("✅ Kirim")
        # Stop the bot once ten have it: the rest are still owed.
        after = 0
        for _ in range(10):
            after, _ = await emulator.wait_sent(lambda m: m.text == received(NEWS), after=after)
            after += 1

    # Between the two runs: part delivered, the rest owed and free to be claimed.
    db = Database(sqlite_url)
    async with db.sessions() as s:
        owed = (
            await s.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending"))
        ).all()
    await db.dispose()
    assert 0 < len(owed) <= 90
    assert all(row.claimed_until is None for row in owed)
    assert sum(copies(emulator, received(NEWS)).values()) == 100 - len(owed)

    async with start_bot(admin_ids=frozenset({OFFICER})):
        final = await report(emulator, timeout=30)

    assert "Terkirim: 100" in final.text
    assert copies(emulator, received(NEWS)) == dict.fromkeys(ids, 1)


async def test_a_woman_cannot_open_the_broadcast_form_with_a_forged_button(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({OFFICER})) as app:
        (siti,) = await eligible_women(app, emulator, [3701])
        mine = await siti.ask("/start")
        await siti.press_data("fo:broadcast:0", mine.message_id)  # "Lanjutkan: siaran"
        answer = await siti.callback_answer()
        assert "hanya untuk petugas" in answer.text and answer.show_alert
        await siti.send("Halo semua")  # not a broadcast: she has no form open
        assert "Pratinjau" not in (await siti.reply()).text
        assert await app.bot_data.runtime.forms.active(siti.id) is None
