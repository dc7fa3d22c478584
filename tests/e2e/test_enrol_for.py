"""A companion enrols a woman of her desa who has no Telegram in a class
(/kelaskan, issue 11): the same rules as her own enrolment (eligibility, exact
capacity, the waitlist), her desa checked at every tap; a companion of another
desa, or a forged button, is refused and audit-logged. The real bot against
the Bot API emulator."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.e2e.conftest import RunningBot
from tests.e2e.test_companions import ADMIN, BEJI, TLEKUNG, db_of, make_companion
from tests.factories import make_assisted_woman, make_class, wib
from wrse_bot.db.models import AuditEvent, Enrolment, OutboxMessage
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.domain.eligibility import Verdict

WATI, DEWI = 9961, 9962  # companions of Beji and of Tlekung


async def test_a_companion_enrols_her_and_the_next_one_waits_in_line(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        db = db_of(app)
        await make_companion(app, WATI, BEJI)
        sari = await make_assisted_woman(db, WATI, BEJI, full_name="Sari Wulandari")
        rina = await make_assisted_woman(db, WATI, BEJI, full_name="Rina", code="JKLM-NPQR")
        cid = await make_class(db, title="Menjahit Dasar", capacity=1)
        wati = emulator.user(WATI)

        load = await wati.ask("/dampingan")
        assert "🎓 Kelas untuknya: Sari Wulandari" in load.button_labels
        listing = await wati.tap("🎓 Kelas untuknya: Sari Wulandari", message=load)
        assert f"Kelas untuk Sari Wulandari</b> (No. {sari})" in listing.text
        confirm = await wati.tap("1. Menjahit Dasar", message=listing)
        assert "Daftarkan Sari Wulandari ke kelas <b>Menjahit Dasar</b>?" in confirm.text
        done = await wati.tap("Ya, daftarkan", message=confirm)
        assert "✅ Sari Wulandari terdaftar di kelas <b>Menjahit Dasar</b>" in done.text

        second = await wati.ask(f"/kelaskan {rina}")
        confirm = await wati.tap("1. Menjahit Dasar", message=second)
        waiting = await wati.tap("Ya, daftarkan", message=confirm)
        assert "daftar tunggu, nomor 1" in waiting.text

        async with db.sessions() as s:
            places = {
                e.user_id: e.status
                for e in await s.scalars(select(Enrolment).where(Enrolment.class_id == cid))
            }
            reminders = list(
                await s.scalars(
                    select(OutboxMessage.user_id).where(OutboxMessage.kind == "reminder")
                )
            )
            actions = list(
                await s.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == WATI))
            )
        assert places == {-sari: "enrolled", -rina: "waitlisted"}  # their placeholder accounts
        assert reminders and set(reminders) == {-sari}
        assert actions.count("class:enrol_for") == 2


async def test_the_same_rules_as_her_own_enrolment(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        db = db_of(app)
        await make_companion(app, WATI, BEJI)
        ani = await make_assisted_woman(
            db, WATI, BEJI, full_name="Ani", verdict=Verdict.NOT_ELIGIBLE
        )
        await make_class(db, title="Menjahit Dasar")
        wati = emulator.user(WATI)
        listing = await wati.ask(f"/kelaskan {ani}")
        refused = await wati.tap("1. Menjahit Dasar", message=listing)
        assert "Ani belum bisa ikut kelas" in refused.text
        assert "Ketik /kelaskan dan nomornya" in (await wati.ask("/kelaskan")).text
        async with db.sessions() as s:
            assert await s.scalar(select(Enrolment.id)) is None


async def test_a_companion_of_another_desa_is_refused_and_forged_buttons_change_nothing(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        db = db_of(app)
        await make_companion(app, WATI, BEJI)
        await make_companion(app, DEWI, TLEKUNG)
        sari = await make_assisted_woman(db, WATI, BEJI)
        cid = await make_class(db, title="Menjahit Dasar")
        dewi = emulator.user(DEWI)
        told = await dewi.ask(f"/kelaskan {sari}")
        assert f"Nomor {sari} bukan ibu dari desa Anda" in told.text
        for forged in (f"kf:y:{sari}:{cid}", f"kf:v:{sari}:{cid}", f"kf:s:{sari}"):
            await dewi.press_data(forged, told.message_id)
            assert "tidak berlaku" in (await dewi.callback_answer()).text
        woman = emulator.user(7301)  # not a companion at all
        hello = await woman.ask("/start")
        await woman.press_data(f"kf:y:{sari}:{cid}", hello.message_id)
        assert "hanya untuk" in (await woman.callback_answer()).text
        async with db.sessions() as s:
            assert await s.scalar(select(Enrolment.id)) is None
            refused = list(
                await s.scalars(
                    select(AuditEvent.detail).where(
                        AuditEvent.actor_id == DEWI, AuditEvent.action == "companion:refused"
                    )
                )
            )
        assert refused == ["kelaskan", "kelaskan:y", "kelaskan:v", "kelaskan:s"]


async def test_a_companion_asking_for_classes_is_shown_how_she_enrols_her_women(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    """/kelas is the women's command; a companion has no registration of her own,
    so she is told how she enrols the women she accompanies, not to register."""
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        await make_companion(app, WATI, BEJI)
        await make_class(db_of(app), title="Menjahit Dasar")
        told = await emulator.user(WATI).ask("/kelas")
        assert "/kelaskan" in told.text and "/dampingan" in told.text
        assert "mendaftar dulu" not in told.text and told.button_labels == []


async def test_her_classes_come_in_pages_of_six(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        db = db_of(app)
        await make_companion(app, WATI, BEJI)
        sari = await make_assisted_woman(db, WATI, BEJI, full_name="Sari Wulandari")
        for n in range(7):
            start = wib(2030, 12, 1 + n, 9)
            await make_class(
                db, title=f"Kelas {n + 1}", sessions=[(start, start + timedelta(hours=2))]
            )
        wati = emulator.user(WATI)
        first = await wati.ask(f"/kelaskan {sari}")
        assert first.button_labels == [*(f"{n}. Kelas {n}" for n in range(1, 7)), "Berikutnya ➡️"]
        second = await wati.tap("Berikutnya ➡️", message=first)
        assert second.kind == "edit" and "Kelas 7" in second.text
        assert second.button_labels == ["7. Kelas 7", "⬅️ Sebelumnya"]
        back = await wati.tap("⬅️ Sebelumnya", message=second)
        assert back.kind == "edit" and back.button_labels == first.button_labels
