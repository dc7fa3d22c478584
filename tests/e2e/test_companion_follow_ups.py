"""Follow-ups go to the companion of her desa first (issue 11): she is told,
her caseload marks the woman, and her visit note resolves it; a coordinator
sees who holds each and may take one over. The real bot against the emulator."""

from __future__ import annotations

from sqlalchemy import select

from tests.e2e.conftest import RunningBot
from tests.e2e.test_companions import ADMIN, BEJI, db_of, make_companion
from tests.factories_reports import JUNREJO, Seeder
from wrse_bot.db.models import AuditEvent, FollowUp, RoleGrant
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.services.follow_up import open_follow_up

WATI, LIA = 9701, 9702  # the companion of Beji, a coordinator


async def seed(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Citra of Beji finished a class; her income fell at the 30-day check-in."""
    async with db_of(app).transaction() as s:
        seeder = Seeder(s)
        citra = await seeder.woman(name="Citra Lestari", kecamatan=JUNREJO, bracket=4)
        citra.village_code = BEJI
        k = await seeder.klass()
        e = await seeder.enrol(citra, k, completed=True)
        fell = await seeder.checkin(e, 30, bracket=2, change="fell", business=False)
        s.add(RoleGrant(user_id=LIA, role="coordinator", granted_by=ADMIN))
        await s.flush()
        fu = await open_follow_up(s, fell.id, "income_fell")
        assert fu is not None
        return citra.id, fu.id


async def holder(app, follow_up_id: int) -> tuple[int | None, object]:  # type: ignore[no-untyped-def]
    async with db_of(app).sessions() as s:
        fu = await s.get(FollowUp, follow_up_id)
        assert fu is not None
        return fu.assigned_to, fu.resolved_at


async def test_the_companion_of_her_desa_gets_it_and_her_visit_resolves_it(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN}), dispatch_interval_seconds=0.1) as app:
        await make_companion(app, WATI, BEJI)
        _, fu = await seed(app)
        assert (await holder(app, fu))[0] == WATI
        wati = emulator.user(WATI)
        told = await wati.reply()
        assert "/dampingan" in told.text and "Citra" not in told.text  # no name in a preview

        load = await wati.ask("/dampingan")
        assert "Tindak lanjut terbuka: 1" in load.plain_text
        assert "ada tindak lanjut terbuka" in load.plain_text
        await wati.tap("📝 Catatan kunjungan: Citra Lestari", message=load)
        await wati.tap("Hari ini")
        await wati.ask("Penjualan turun sejak pasar sepi")
        await wati.press("▫️ 🔹 Pasar dan pembeli")
        await wati.reply()
        await wati.tap("Selesai")
        by = await wati.ask("Titip jual di warung desa")
        await wati.tap("Seminggu lagi", message=by)
        saved = await wati.tap("✅ Simpan")
        assert "ditandai selesai" in saved.text
        assert (await holder(app, fu))[1] is not None


async def test_a_coordinator_sees_the_companion_holds_it_and_takes_it_over(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN}), dispatch_interval_seconds=30) as app:
        await make_companion(app, WATI, BEJI)
        _, fu = await seed(app)
        lia = emulator.user(LIA)
        await lia.ask("/tindak_lanjut")
        card = await lia.reply()
        assert f"Ditangani oleh: {WATI}, pendamping desanya" in card.plain_text
        assert card.button_labels == ["🔁 Ambil alih"]
        await lia.press_data(f"tl:r:{fu}", card.message_id)  # not hers to resolve yet
        await lia.callback_answer()
        assert (await holder(app, fu)) == (WATI, None)

        mine = await lia.tap("🔁 Ambil alih", message=card)
        assert "Ditangani oleh: Anda" in mine.plain_text
        assert (await holder(app, fu))[0] == LIA
        async with db_of(app).sessions() as s:
            moved = await s.scalar(
                select(AuditEvent.detail).where(AuditEvent.action == "reassign_follow_up")
            )
        assert moved == f"follow_up:{fu}"

        # A companion is no coordinator: the queue and its buttons are not hers.
        wati = emulator.user(WATI)
        assert "hanya untuk" in (await wati.ask("/tindak_lanjut")).text
        await wati.press_data(f"to:{fu}", card.message_id)
        assert "hanya untuk" in (await wati.callback_answer()).text
        assert (await holder(app, fu))[0] == LIA


async def test_without_a_companion_in_her_desa_it_waits_for_a_coordinator(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN}), dispatch_interval_seconds=30) as app:
        _, fu = await seed(app)
        assert await holder(app, fu) == (None, None)
