"""Women finding and joining classes, through the real bot over HTTP: /kelas,
"Ikut kelas ini", the waitlist and held seats, /kelas_saya, and the capacity
race (50 women, 10 seats, one moment) on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.flows import register, register_until
from tests.factories import make_class, make_woman, wib
from wrse_bot import clock
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Enrolment, OutboxMessage, TrainingClass, User
from wrse_bot.devtools.emulator import BotApiEmulator, BotMessage, FakeUser
from wrse_bot.services.classes import expire_holds

# The outbox dispatcher ticks fast here, so an offer reaches her within the wait.
FAST = {"dispatch_interval_seconds": 0.2}


@pytest.fixture
async def bot(start_bot: RunningBot) -> Any:
    async with start_bot(**FAST) as app:
        yield app


def db_of(app: Application) -> Database:  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def statuses(app: Application, class_id: int) -> list[tuple[int, str]]:  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        rows = await s.execute(
            select(Enrolment.user_id, Enrolment.status)
            .where(Enrolment.class_id == class_id)
            .order_by(Enrolment.id)
        )
        return [(r.user_id, r.status) for r in rows]


async def taken(app: Application, class_id: int) -> int:  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return int(await s.scalar(select(TrainingClass.taken).where(TrainingClass.id == class_id)))


async def enrolment_id(app: Application, class_id: int, uid: int) -> int:  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return int(
            await s.scalar(
                select(Enrolment.id).where(Enrolment.class_id == class_id, Enrolment.user_id == uid)
            )
        )


async def woman(emulator: BotApiEmulator, app: Application, uid: int, **kw: Any) -> FakeUser:  # type: ignore[type-arg]
    await make_woman(db_of(app), uid, **kw)
    return emulator.user(uid)


def label_of(message: BotMessage, title: str) -> str:
    """The listing's button for the class called ``title``."""
    labels = [label for label in message.button_labels if label.endswith(f". {title}")]
    assert labels, f"no class {title!r} in {message.button_labels}"
    return labels[0]


async def open_class(user: FakeUser, title: str) -> BotMessage:
    listing = await user.ask("/kelas")
    return await user.tap(label_of(listing, title))


async def confirmation(user: FakeUser, title: str) -> BotMessage:
    await open_class(user, title)
    return await user.tap("Ikut kelas ini")


async def join(user: FakeUser, title: str) -> BotMessage:
    confirm = await confirmation(user, title)
    assert "Ya, daftar" in confirm.button_labels, confirm
    return await user.tap("Ya, daftar")


# ---- finding classes ------------------------------------------------------------


async def test_kelas_lists_her_interests_and_kecamatan_first_with_dates_and_free_seats(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = emulator.user(2001)
    await register(siti)  # likes Menjahit, lives in Junrejo
    db = db_of(bot)
    early = (wib(2030, 12, 2, 8), wib(2030, 12, 2, 11))  # Senin, 2 Desember 2030
    late = (wib(2030, 12, 12, 13), wib(2030, 12, 12, 16))
    await make_class(
        db,
        skill="memasak",
        title="Masak Sehat",
        kecamatan_code="35.79.01",
        place="Gedung Graha Pancasila",
        sessions=[early],
        capacity=20,
        taken=20,
    )
    await make_class(db, skill="membatik", title="Batik Tulis", sessions=[early])
    await make_class(db, title="Menjahit Bumiaji", kecamatan_code="35.79.02", sessions=[late])
    await make_class(db, title="Menjahit Dasar", capacity=10, taken=3)  # 3 & 5 Desember
    await make_class(db, title="Sudah Tutup", deadline=wib(2026, 1, 1))
    await make_class(db, title="Dibatalkan", status="cancelled")

    listing = await siti.ask("/kelas")

    assert listing.button_labels == [
        "1. Menjahit Dasar",
        "2. Menjahit Bumiaji",
        "3. Batik Tulis",
        "4. Masak Sehat",
    ]
    text = listing.plain_text
    assert text.startswith("Kelas yang dibuka\n")  # one page: no "1-4 dari 4"
    assert "1. Menjahit: Menjahit Dasar" in text
    assert "Balai Desa Beji, Junrejo" in text
    assert "Selasa, 3 Desember 2030, 09.00 WIB · 2 pertemuan" in text
    assert "Sisa 7 kursi" in text
    assert "Gedung Graha Pancasila, Batu" in text
    assert "Senin, 2 Desember 2030, 08.00 WIB" in text
    assert "Penuh — bisa masuk daftar tunggu" in text
    assert "Sudah Tutup" not in text and "Dibatalkan" not in text


async def test_the_kelas_button_opens_the_same_list(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2002)
    await make_class(db_of(bot))
    await siti.ask("/start")
    listing = await siti.tap("Kelas")
    assert listing.button_labels == ["1. Menjahit Dasar"]


async def test_many_classes_come_in_pages_of_eight(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2003)
    for n in range(10):
        start = wib(2030, 12, 1 + n, 9)
        await make_class(
            db_of(bot), title=f"Kelas {n + 1}", sessions=[(start, start + timedelta(hours=2))]
        )
    first = await siti.ask("/kelas")
    assert first.plain_text.startswith("Kelas 1–8 dari 10\n")
    assert [b for b in first.button_labels if b[0].isdigit()] == [
        f"{n}. Kelas {n}" for n in range(1, 9)
    ]
    assert "Berikutnya ➡️" in first.button_labels
    second = await siti.tap("Berikutnya ➡️")
    assert second.kind == "edit"
    assert second.plain_text.startswith("Kelas 9–10 dari 10\n")
    assert second.button_labels == ["9. Kelas 9", "10. Kelas 10", "⬅️ Sebelumnya"]


async def test_no_open_classes_is_said_plainly(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2004)
    reply = await siti.ask("/kelas")
    assert "Belum ada kelas yang dibuka" in reply.text


async def test_mid_registration_kelas_reminds_her_to_finish_and_repeats_her_question(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = emulator.user(2005)
    await make_class(db_of(bot))
    await register_until(siti, stop_at="kecamatan")
    reply = await siti.ask("/kelas")
    assert "selesaikan pendaftaran" in reply.text.lower()
    assert "kecamatan" in reply.text.lower()


async def test_a_class_shows_its_details_and_the_join_button(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2006)
    await make_class(db_of(bot), description="Belajar menjahit baju sendiri.")
    detail = await open_class(siti, "Menjahit Dasar")
    text = detail.plain_text
    assert "Menjahit: Menjahit Dasar" in text and "Belajar menjahit baju sendiri." in text
    assert "Pelatih: Bu Sri Wahyuni" in text
    assert "• Selasa, 3 Desember 2030, 09.00 WIB - 12.00 WIB" in text
    assert "• Kamis, 5 Desember 2030, 09.00 WIB - 12.00 WIB" in text
    assert "Pendaftaran ditutup: Senin, 2 Desember 2030, 09.00 WIB" in text
    assert detail.button_labels == ["Ikut kelas ini"]


# ---- enrolling ------------------------------------------------------------------


async def test_she_confirms_and_is_enrolled(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2101)
    cid = await make_class(db_of(bot), capacity=10)
    confirm = await confirmation(siti, "Menjahit Dasar")
    assert "Ikut kelas Menjahit Dasar?" in confirm.plain_text
    assert "Selasa, 3 Desember 2030" in confirm.plain_text
    assert confirm.button_labels == ["Ya, daftar", "Tidak"]

    done = await siti.tap("Ya, daftar")
    assert "Ibu terdaftar di kelas Menjahit Dasar" in done.plain_text
    assert "/kelas_saya" in done.plain_text
    assert await statuses(bot, cid) == [(2101, "enrolled")]
    assert await taken(bot, cid) == 1


async def test_saying_no_changes_nothing(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2102)
    cid = await make_class(db_of(bot))
    await confirmation(siti, "Menjahit Dasar")
    reply = await siti.tap("Tidak")
    assert "/kelas" in reply.text
    assert await statuses(bot, cid) == []


async def test_a_full_class_puts_her_on_the_waitlist_with_her_position(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    cid = await make_class(db_of(bot), capacity=1)
    for uid in (2111, 2112, 2113):
        user = await woman(emulator, bot, uid)
        await join(user, "Menjahit Dasar")
    fourth = await woman(emulator, bot, 2114)
    detail = await open_class(fourth, "Menjahit Dasar")
    assert "Penuh — bisa masuk daftar tunggu" in detail.plain_text

    await fourth.tap("Ikut kelas ini")
    reply = await fourth.tap("Ya, daftar")
    assert "sudah penuh" in reply.plain_text
    assert "Ibu di daftar tunggu nomor 3" in reply.plain_text
    assert [s for _, s in await statuses(bot, cid)] == ["enrolled"] + ["waitlisted"] * 3
    assert await taken(bot, cid) == 1


async def test_a_double_tap_on_ya_daftar_enrols_her_once(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2121)
    cid = await make_class(db_of(bot))
    confirm = await confirmation(siti, "Menjahit Dasar")
    data = confirm.inline_data("Ya, daftar")
    await siti.press_data(data, confirm.message_id)
    await siti.press_data(data, confirm.message_id)
    first = await siti.reply()
    assert "Ibu terdaftar" in first.plain_text
    second = await siti.reply()
    assert "Ibu sudah terdaftar di kelas ini" in second.plain_text
    assert await statuses(bot, cid) == [(2121, "enrolled")]
    assert await taken(bot, cid) == 1


async def test_a_class_at_the_same_time_as_hers_is_refused(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2131)
    await make_class(db_of(bot), title="Menjahit Dasar")  # Selasa 09.00-12.00
    other = await make_class(
        db_of(bot),
        skill="kue_kering",
        title="Kue Lebaran",
        sessions=[(wib(2030, 12, 3, 10), wib(2030, 12, 3, 13))],
    )
    await join(siti, "Menjahit Dasar")
    refused = await confirmation(siti, "Kue Lebaran")
    assert "bentrok dengan kelas Menjahit Dasar" in refused.plain_text
    assert "Selasa, 3 Desember 2030, 09.00 WIB" in refused.plain_text
    assert not refused.button_labels
    assert await statuses(bot, other) == []


async def test_a_class_past_its_deadline_is_refused(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2141)
    cid = await make_class(db_of(bot))
    confirm = await confirmation(siti, "Menjahit Dasar")
    # She waits; meanwhile the deadline passes.
    closed_at = clock.now() - timedelta(minutes=1)
    async with db_of(bot).transaction() as s:
        await s.execute(
            update(TrainingClass).where(TrainingClass.id == cid).values(enrol_deadline=closed_at)
        )
    reply = await siti.tap("Ya, daftar", message=confirm)
    assert "pendaftaran kelas ini sudah ditutup" in reply.plain_text
    assert await statuses(bot, cid) == [] and await taken(bot, cid) == 0


@pytest.mark.parametrize(
    ("verdict", "status", "says"),
    [
        ("not_eligible", "active", "bukan penilaian tentang diri Ibu"),
        ("needs_review", "active", "Petugas akan menghubungi Ibu"),
        # Issue 9: a possible duplicate NIK is told what any record being checked is.
        (None, "duplicate_review", "Petugas akan menghubungi Ibu"),
    ],
)
async def test_a_woman_who_is_not_eligible_is_told_why_and_what_to_do(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
    verdict: str | None,
    status: str,
    says: str,
) -> None:
    ani = await woman(emulator, bot, 2151, verdict=verdict, status=status)
    cid = await make_class(db_of(bot))
    listing = await ani.ask("/kelas")
    await ani.tap(label_of(listing, "Menjahit Dasar"))
    reply = await ani.tap("Ikut kelas ini")
    assert says in reply.plain_text
    assert "Ya, daftar" not in reply.button_labels
    # A forged "Ya, daftar" is refused on the server too.
    await ani.press_data(f"k:y:{cid}", listing.message_id)
    assert says in (await ani.reply()).plain_text
    assert await statuses(bot, cid) == []


async def test_someone_not_registered_is_asked_to_register_first(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    stranger = emulator.user(2161)
    await make_class(db_of(bot))
    listing = await stranger.ask("/kelas")
    assert "Ibu perlu mendaftar dulu" in listing.plain_text
    await stranger.tap(label_of(listing, "Menjahit Dasar"))
    reply = await stranger.tap("Ikut kelas ini")
    assert "Ibu perlu mendaftar dulu" in reply.plain_text and "Daftar" in reply.plain_text


# ---- her classes, cancelling, the waitlist and held seats -----------------------------


async def full_class_with_queue(
    emulator: BotApiEmulator, app: Application
) -> tuple[int, list[FakeUser]]:  # type: ignore[type-arg]
    """A one-seat class: Siti has the seat, Ani waits first, Budi second."""
    cid = await make_class(db_of(app), capacity=1)
    people = []
    for uid, name in ((2201, "Siti"), (2202, "Ani"), (2203, "Budi")):
        user = await woman(emulator, app, uid, full_name=name)
        await join(user, "Menjahit Dasar")
        people.append(user)
    return cid, people


async def offer_to(user: FakeUser) -> BotMessage:
    """The notice the dispatcher delivers: a seat held for her."""
    notice = await user.reply()
    assert "ada kursi kosong untuk Ibu" in notice.plain_text, notice
    return notice


async def test_kelas_saya_shows_her_classes_places_sessions_and_positions(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    _, (siti, _ani, budi) = await full_class_with_queue(emulator, bot)
    mine = await siti.ask("/kelas_saya")
    text = mine.plain_text
    assert "Kelas Ibu" in text and "1. Menjahit: Menjahit Dasar" in text
    assert "✅ Terdaftar" in text and "Balai Desa Beji, Junrejo" in text
    assert "• Selasa, 3 Desember 2030, 09.00 WIB - 12.00 WIB" in text
    assert mine.button_labels == ["❌ Batalkan: 1. Menjahit Dasar"]
    assert "Daftar tunggu nomor 2" in (await budi.ask("/kelas_saya")).plain_text
    nobody = await woman(emulator, bot, 2204)
    assert "Ibu belum ikut kelas apa pun" in (await nobody.ask("/kelas_saya")).plain_text


async def test_hapus_data_gives_her_seat_to_the_first_woman_waiting(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    """Issue 8 §2: erasure is a cancellation of every place, then some."""
    cid, (siti, ani, budi) = await full_class_with_queue(emulator, bot)
    await siti.ask("/hapus_data")
    done = await siti.tap("Ya, hapus data saya")
    assert "sudah dihapus" in done.text
    assert [s for _, s in await statuses(bot, cid)] == ["offered", "waitlisted"]
    assert await taken(bot, cid) == 1  # held for Ani
    notice = await offer_to(ani)
    assert notice.button_labels == ["✅ Ambil", "Lepas"]
    assert "belum ikut kelas apa pun" in (await siti.ask("/kelas_saya")).plain_text
    await budi.no_reply()


async def test_cancelling_offers_the_seat_to_the_first_waiting_who_takes_it(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    cid, (siti, ani, budi) = await full_class_with_queue(emulator, bot)
    async with db_of(bot).transaction() as s:  # she stopped announcements: offers still come
        await s.execute(update(User).where(User.id == ani.id).values(announcements=False))
    await siti.ask("/kelas_saya")
    ask = await siti.tap("❌ Batalkan: 1. Menjahit Dasar")
    assert "Batalkan tempat Ibu di kelas Menjahit Dasar?" in ask.plain_text
    done = await siti.tap("Ya, batalkan")
    assert "sudah dibatalkan" in done.plain_text

    assert [s for _, s in await statuses(bot, cid)] == ["cancelled", "offered", "waitlisted"]
    assert await taken(bot, cid) == 1  # held for Ani
    async with db_of(bot).sessions() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.user_id == ani.id))
    assert row is not None and row.kind == "notice"

    notice = await offer_to(ani)
    assert "Menjahit Dasar" in notice.plain_text and "Selasa, 3 Desember 2030" in notice.plain_text
    assert notice.button_labels == ["✅ Ambil", "Lepas"]
    assert "Kursi disimpan untuk Ibu sampai" in (await ani.ask("/kelas_saya")).plain_text

    took = await ani.tap("✅ Ambil", message=notice)
    assert "Kursi ini untuk Ibu" in took.plain_text
    assert [s for _, s in await statuses(bot, cid)] == ["cancelled", "enrolled", "waitlisted"]
    assert await taken(bot, cid) == 1
    await budi.no_reply()


async def test_letting_the_seat_go_offers_it_to_the_next(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    cid, (siti, ani, budi) = await full_class_with_queue(emulator, bot)
    await siti.ask("/kelas_saya")
    await siti.tap("❌ Batalkan: 1. Menjahit Dasar")
    await siti.tap("Ya, batalkan")
    notice = await offer_to(ani)
    reply = await ani.tap("Lepas", message=notice)
    assert "kursi ini diberikan ke peserta berikutnya" in reply.plain_text
    await offer_to(budi)
    assert [s for _, s in await statuses(bot, cid)] == ["cancelled", "cancelled", "offered"]
    assert await taken(bot, cid) == 1


async def test_an_expired_hold_goes_to_the_next_and_then_frees_the_seat(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    cid, (siti, ani, budi) = await full_class_with_queue(emulator, bot)
    await siti.ask("/kelas_saya")
    await siti.tap("❌ Batalkan: 1. Menjahit Dasar")
    await siti.tap("Ya, batalkan")
    notice = await offer_to(ani)

    settings = bot.bot_data.runtime.settings
    later = clock.now() + timedelta(hours=24, minutes=1)
    report = await expire_holds(db_of(bot), settings, later)
    assert report.expired == 1
    assert "sudah habis" in (await ani.reply()).plain_text
    await offer_to(budi)
    assert [s for _, s in await statuses(bot, cid)] == ["cancelled", "cancelled", "offered"]

    # Her old button no longer takes the seat.
    await ani.press("✅ Ambil", message=notice)
    assert "sudah tidak ditawarkan" in (await ani.reply()).plain_text

    await expire_holds(db_of(bot), settings, later + timedelta(hours=25))
    assert [s for _, s in await statuses(bot, cid)] == ["cancelled"] * 3
    assert await taken(bot, cid) == 0


async def test_cancelling_with_nobody_waiting_frees_the_seat(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2301)
    cid = await make_class(db_of(bot), capacity=5)
    await join(siti, "Menjahit Dasar")
    await siti.ask("/kelas_saya")
    await siti.tap("❌ Batalkan: 1. Menjahit Dasar")
    await siti.tap("Ya, batalkan")
    assert await taken(bot, cid) == 0
    assert "Ibu belum ikut kelas apa pun" in (await siti.ask("/kelas_saya")).plain_text


# ---- forged and stale buttons ------------------------------------------------------


async def test_a_button_for_another_womans_enrolment_is_refused_and_changes_nothing(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    cid, (siti, _ani, budi) = await full_class_with_queue(emulator, bot)
    siti_place = await enrolment_id(bot, cid, siti.id)
    menu = await budi.ask("/kelas_saya")
    for data in (
        f"k:c:{siti_place}",
        f"k:cy:{siti_place}",
        f"k:a:{siti_place}",
        f"k:l:{siti_place}",
    ):
        await budi.press_data(data, menu.message_id)
        answer = await budi.callback_answer()
        assert answer.text == "Tombol ini sudah tidak berlaku."
    await budi.no_reply()
    assert [s for _, s in await statuses(bot, cid)] == ["enrolled", "waitlisted", "waitlisted"]
    assert await taken(bot, cid) == 1


async def test_malformed_class_buttons_are_refused(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2401)
    menu = await siti.ask("/kelas")
    for data in ("k:y:abc", "k:zz:1", "k:y:1:2", "k:y:99999"):
        await siti.press_data(data, menu.message_id)
        answer = await siti.callback_answer()
        assert answer.text in (
            "Tombol ini sudah tidak berlaku.",
            "Maaf, kelas ini sudah tidak dibuka.",
        )
    await siti.no_reply()


async def test_buttons_of_a_deleted_class_are_refused(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2501)
    ani = await woman(emulator, bot, 2502)
    deleted = await make_class(db_of(bot), title="Menjahit Dasar")
    await join(siti, "Menjahit Dasar")
    mine = await siti.ask("/kelas_saya")
    confirm = await confirmation(ani, "Menjahit Dasar")
    async with db_of(bot).transaction() as s:
        await s.execute(delete(TrainingClass).where(TrainingClass.id == deleted))

    await ani.press("Ya, daftar", message=confirm)
    assert (await ani.callback_answer()).text == "Maaf, kelas ini sudah tidak dibuka."
    await siti.press("❌ Batalkan: 1. Menjahit Dasar", message=mine)
    assert (await siti.callback_answer()).text == "Tombol ini sudah tidak berlaku."
    await ani.no_reply()
    await siti.no_reply()
    async with db_of(bot).sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Enrolment)) == 0


async def test_buttons_of_a_cancelled_class_are_refused(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    siti = await woman(emulator, bot, 2601)
    cid = await make_class(db_of(bot))
    await join(siti, "Menjahit Dasar")
    mine = await siti.ask("/kelas_saya")
    async with db_of(bot).transaction() as s:
        await s.execute(
            update(TrainingClass).where(TrainingClass.id == cid).values(status="cancelled")
        )
    await siti.press("❌ Batalkan: 1. Menjahit Dasar", message=mine)
    assert (await siti.callback_answer()).text == "Maaf, kelas ini sudah tidak dibuka."
    assert await statuses(bot, cid) == [(2601, "enrolled")]


# ---- the capacity race --------------------------------------------------------------

POSITION = re.compile(r"daftar tunggu nomor (\d+)")


async def race(emulator: BotApiEmulator, app: Application, *, women: int, seats: int) -> None:  # type: ignore[type-arg]
    db = db_of(app)
    cid = await make_class(db, capacity=seats)
    users = []
    for n in range(women):
        users.append(await woman(emulator, app, 3000 + n))
    # Each opens the class and reaches "Ya, daftar"...
    confirms = [await confirmation(u, "Menjahit Dasar") for u in users]
    # ...and all press it at the same moment: every update is queued before one is read.
    for user, confirm in zip(users, confirms, strict=True):
        await user.press("Ya, daftar", message=confirm)
    replies = await asyncio.gather(*(u.reply(timeout=60) for u in users))

    enrolled = {
        u.id for u, r in zip(users, replies, strict=True) if "Ibu terdaftar" in r.plain_text
    }
    told = {
        u.id: int(m.group(1))
        for u, r in zip(users, replies, strict=True)
        if (m := POSITION.search(r.plain_text))
    }
    assert len(enrolled) == seats and len(told) == women - seats
    assert not enrolled & told.keys()  # nobody both enrolled and waitlisted
    rows = await statuses(app, cid)
    assert {uid for uid, s in rows if s == "enrolled"} == enrolled
    waiting = [uid for uid, s in rows if s == "waitlisted"]  # in Enrolment.id order
    assert [told[uid] for uid in waiting] == list(range(1, women - seats + 1))
    assert await taken(app, cid) == seats


async def test_fifty_women_press_ikut_at_once_on_ten_seats_sqlite(
    emulator: BotApiEmulator,
    bot: Application,  # type: ignore[type-arg]
) -> None:
    await race(emulator, bot, women=50, seats=10)


async def test_fifty_women_press_ikut_at_once_on_ten_seats_postgresql(
    emulator: BotApiEmulator, start_bot: RunningBot, pg_url: str
) -> None:
    async with start_bot(pg_url, **FAST) as app:
        await race(emulator, app, women=50, seats=10)
