"""A woman without Telegram is still reached (issue 11): her companion
registers her and enrols her in a class; at the digest's hour the companion
gets one message with the woman's class reminder and her due check-in, records
that she told her, and opens the check-in with her. When the woman links her
own account with the code, her next reminder comes to her own chat, not to
the digest. A companion of another desa never sees her in a digest, and her
forged buttons are refused. The real bot against the Bot API emulator,
restarted in between (the digest is rows in the database, not memory)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from conversations.checkin import checkin_tick
from tests.e2e.conftest import RunningBot
from tests.e2e.test_assisted import SITI, register_her
from tests.e2e.test_companions import ADMIN, BEJI, TLEKUNG, db_of, make_companion
from tests.factories import make_assisted_woman, make_class, make_woman
from wrse_bot.db.models import AuditEvent, CheckIn, Enrolment, OutboxMessage, Registrant
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.domain.timing import WIB
from wrse_bot.services import classes

WATI, DEWI = 9991, 9992  # companions of Beji and of Tlekung
NO_QUIET = {"quiet_start": time(0), "quiet_end": time(0), "dispatch_interval_seconds": 0.2}
NOT_YET = time(23, 59, 59)  # the digest's hour has not come (first part of the day)


async def test_her_companion_passes_on_her_reminder_and_check_in_until_she_links(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    settings = {**NO_QUIET, "admin_ids": frozenset({ADMIN})}
    now = datetime.now(UTC)
    async with start_bot(**settings, digest_at=NOT_YET) as app:
        db = db_of(app)
        await make_companion(app, WATI, BEJI)
        await make_companion(app, DEWI, TLEKUNG)
        wati = emulator.user(WATI)
        code = await register_her(wati)
        async with db.sessions() as s:
            reg = await s.scalar(select(Registrant))
            assert reg is not None
            number = reg.id
        tomorrow = now + timedelta(days=1)
        await make_class(
            db,
            title="Menjahit Dasar",
            place="Balai Desa Beji",
            sessions=[(tomorrow, tomorrow + timedelta(hours=3))],
            deadline=now + timedelta(hours=1),
        )
        listing = await wati.ask(f"/kelaskan {number}")
        confirm = await wati.tap("1. Menjahit Dasar", message=listing)
        assert (
            "terdaftar di kelas <b>Menjahit Dasar</b>"
            in (await wati.tap("Ya, daftarkan", message=confirm)).text
        )
        checkin_id = await she_finished_a_class_a_month_ago(app, -number, now)
        await checkin_tick(app)  # her 30-day check-in falls due

    async with start_bot(
        **settings, digest_at=(now.astimezone(WIB) + timedelta(seconds=1)).time()
    ) as app:
        db = db_of(app)
        digest = await wati.reply(timeout=10)
        assert f"<b>Siti Aminah</b> (No. {number}):" in digest.text
        assert "pengingat kelas <b>Menjahit Dasar</b>" in digest.text
        assert "Balai Desa Beji" in digest.text and "WIB" in digest.text
        assert "cek kabar 30 hari sudah waktunya" in digest.text
        assert digest.button_labels == [
            "✅ Sudah disampaikan: Siti Aminah",
            "📋 Isi cek kabar bersama: Siti Aminah",
        ]
        told = await wati.tap("✅ Sudah disampaikan: Siti Aminah", message=digest)
        assert told.text.startswith("✅ Dicatat: Siti Aminah sudah diberi tahu")
        q1 = await wati.tap("📋 Isi cek kabar bersama: Siti Aminah", message=digest)
        assert "(1/5)" in q1.text and "penghasilan" in q1.text

        async with db.sessions() as s:
            rows = list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
            actions = list(
                await s.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == WATI))
            )
        (sent,) = [r for r in rows if r.kind == "digest"]  # one digest, to her companion only
        assert sent.user_id == WATI and sent.status == "sent"
        assert {r.status for r in rows if r.user_id == -number} == {"diverted"}
        assert all(r.told_at is not None for r in rows if r.digest_id == sent.id)
        assert "digest:told" in actions

        dewi = emulator.user(DEWI)
        hello = await dewi.ask("/start")
        for forged in (f"dg:t:{number}:{sent.id}", f"fo:checkin_via:{checkin_id}"):
            await dewi.press_data(forged, hello.message_id)
            assert "tidak berlaku" in (await dewi.callback_answer()).text

        siti = emulator.user(SITI)
        assert "Selamat datang, Ibu Siti Aminah" in (await siti.ask(f"/start {code}")).text
        soon = now + timedelta(hours=3)
        await make_class(
            db,
            title="Kue Kering",
            skill="memasak",
            sessions=[(soon, soon + timedelta(hours=2))],
            deadline=now + timedelta(hours=1),
        )
        listing = await siti.ask("/kelas")
        (label,) = [b for b in listing.button_labels if b.endswith("Kue Kering")]
        await siti.tap(label)
        await siti.tap("Ikut kelas ini")
        await siti.press("Ya, daftar")
        arrived = [await siti.reply(), await siti.reply()]
        (reminder,) = [m for m in arrived if m.text.startswith("Pengingat kelas")]
        assert "Kue Kering" in reminder.text  # in her own chat

        async with db.sessions() as s:
            places = set(await s.scalars(select(Enrolment.user_id)))
            kinds = list(
                await s.scalars(select(OutboxMessage.kind).where(OutboxMessage.user_id == WATI))
            )
            dewi_rows = list(
                await s.scalars(select(OutboxMessage.id).where(OutboxMessage.user_id == DEWI))
            )
        assert places == {SITI}  # her places are hers now, the placeholder gone
        assert kinds == ["digest"] and dewi_rows == []


async def she_finished_a_class_a_month_ago(app, account: int, now: datetime) -> int:  # type: ignore[no-untyped-def]
    """A class she completed; its 30-day check-in is due now (the tick asks it)."""
    db = db_of(app)
    ago = now - timedelta(days=40)
    cid = await make_class(
        db, title="Tata Boga", sessions=[(ago, ago + timedelta(hours=3))], deadline=ago
    )
    async with db.transaction() as s:
        e = Enrolment(class_id=cid, user_id=account, status="enrolled", completed=True)
        s.add(e)
        await s.flush()
        ci = CheckIn(
            enrolment_id=e.id, user_id=account, class_id=cid, round_days=30,
            due_at=now - timedelta(minutes=1), status="scheduled",
        )  # fmt: skip
        s.add(ci)
        await s.flush()
        return ci.id


async def test_her_companion_takes_the_seat_offered_to_her_from_the_digest(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    settings = {**NO_QUIET, "admin_ids": frozenset({ADMIN})}
    now = datetime.now(UTC)
    async with start_bot(**settings, digest_at=NOT_YET) as app:
        db = db_of(app)
        await make_companion(app, WATI, BEJI)
        await make_companion(app, DEWI, TLEKUNG)
        sari = await make_assisted_woman(db, WATI, BEJI, full_name="Sari Wulandari")
        cid = await make_class(db, title="Menjahit Dasar", capacity=1)
        await make_woman(db, 7401)
        first = await classes.enrol(db, 7401, cid, settings=app.bot_data.runtime.settings)
        assert (await classes.enrol(db, -sari, cid)).outcome == "waitlisted"
        assert first.enrolment_id is not None
        rt = app.bot_data.runtime
        await classes.cancel(db, rt.settings, 7401, first.enrolment_id)  # the seat is hers to take

    async with start_bot(
        **settings, digest_at=(now.astimezone(WIB) + timedelta(seconds=1)).time()
    ) as app:
        db = db_of(app)
        wati = emulator.user(WATI)
        digest = await wati.reply(timeout=10)
        assert (
            "kursi kosong untuknya di kelas <b>Menjahit Dasar</b>, disimpan sampai" in digest.text
        )
        assert digest.button_labels == [
            "✅ Sudah disampaikan: Sari Wulandari",
            "🪑 Ambil kursi: Sari Wulandari",
            "Tolak",
        ]
        async with db.sessions() as s:
            offered = await s.scalar(select(Enrolment).where(Enrolment.user_id == -sari))
            assert offered is not None and offered.status == "offered"

        dewi = emulator.user(DEWI)
        hello = await dewi.ask("/start")
        for forged in (f"dg:a:{offered.id}", f"dg:l:{offered.id}", "dg:x:1"):
            await dewi.press_data(forged, hello.message_id)
            assert "tidak berlaku" in (await dewi.callback_answer()).text

        taken = await wati.tap("🪑 Ambil kursi: Sari Wulandari", message=digest)
        assert "Kursi itu miliknya: Sari Wulandari terdaftar di kelas <b>Menjahit Dasar</b>" in (
            taken.text
        )
        async with db.sessions() as s:
            status = await s.scalar(select(Enrolment.status).where(Enrolment.id == offered.id))
            actions = {
                (e.actor_id, e.action)
                for e in await s.scalars(select(AuditEvent).where(AuditEvent.registrant_id == sari))
            }
        assert status == "enrolled"
        assert (WATI, "class:take_for") in actions and (DEWI, "companion:refused") in actions
