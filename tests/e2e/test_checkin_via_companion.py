"""During a visit a companion may answer a woman's due check-in with her
(issue 11): the same questions, the answers in her check-in marked as given
with the companion; her own "Mulai" then finds it answered. A companion of
another desa is refused, by button or forged data. The real bot against the
Bot API emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.e2e.conftest import RunningBot
from tests.e2e.test_companions import ADMIN, BEJI, TLEKUNG, db_of, make_companion
from tests.factories_reports import JUNREJO, Seeder
from wrse_bot.db.models import AuditEvent, CheckIn
from wrse_bot.devtools.emulator import BotApiEmulator

WATI, DEWI = 9901, 9902  # companions of Beji and of Tlekung


async def seed(app) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Citra of Beji finished a class; her 30-day check-in was asked, not answered."""
    async with db_of(app).transaction() as s:
        seeder = Seeder(s)
        citra = await seeder.woman(name="Citra Lestari", kecamatan=JUNREJO, bracket=5)
        citra.village_code = BEJI
        k = await seeder.klass()
        e = await seeder.enrol(citra, k, completed=True)
        asked = datetime.now(UTC) - timedelta(days=3)
        ci = CheckIn(
            enrolment_id=e.id, user_id=citra.user_id, class_id=k.id, round_days=30,
            due_at=asked, asked_at=asked, status="asked",
        )  # fmt: skip
        s.add(ci)
        await s.flush()
        return int(citra.user_id or 0), ci.id


async def checkin(app, cid: int) -> CheckIn:  # type: ignore[no-untyped-def]
    async with db_of(app).sessions() as s:
        found = await s.get(CheckIn, cid)
        assert found is not None
        return found


async def test_a_companion_answers_her_check_in_with_her(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN}), dispatch_interval_seconds=30) as app:
        await make_companion(app, WATI, BEJI)
        citra, cid = await seed(app)
        wati = emulator.user(WATI)
        load = await wati.ask("/dampingan")
        assert "cek kabar belum dijawab" in load.plain_text
        q1 = await wati.tap("📋 Cek kabar bersamanya: Citra Lestari", message=load)
        assert "(1/5)" in q1.text and "penghasilan" in q1.text
        await wati.ask("300rb")  # less than at intake
        q3 = await wati.tap("Belum")
        assert "(3/5)" in q3.text
        await wati.press("▫️ Mesin jahit")
        await wati.reply()
        await wati.tap("Selesai")
        await wati.tap("Modal")
        thanks = await wati.tap("Tidak")
        assert "ditandai diberikan bersama Anda" in thanks.text

        ci = await checkin(app, cid)
        assert (ci.status, ci.via_companion, ci.income_change) == ("answered", WATI, "fell")
        async with db_of(app).sessions() as s:
            actions = list(
                await s.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == WATI))
            )
        assert "checkin:via_companion" in actions

        her = emulator.user(citra)  # her own "Mulai" later: already answered
        hello = await her.ask("/start")
        await her.press_data(f"fo:checkin:{cid}", hello.message_id)
        assert "sudah selesai" in (await her.callback_answer()).text


async def test_a_companion_of_another_desa_cannot_answer_it(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN}), dispatch_interval_seconds=30) as app:
        await make_companion(app, DEWI, TLEKUNG)
        _, cid = await seed(app)
        dewi = emulator.user(DEWI)
        assert "Citra" not in (await dewi.ask("/dampingan")).plain_text
        hello = await dewi.ask("/start")
        for data in (f"fo:checkin_via:{cid}", "fm:checkin_via:1:300000"):
            await dewi.press_data(data, hello.message_id)
            assert "tidak berlaku" in (await dewi.callback_answer()).text
        ci = await checkin(app, cid)
        assert (ci.status, ci.via_companion, ci.income) == ("asked", None, None)
        async with db_of(app).sessions() as s:
            refused = await s.scalar(
                select(AuditEvent.detail).where(
                    AuditEvent.actor_id == DEWI, AuditEvent.action == "companion:refused"
                )
            )
        assert refused == "checkin_via"
