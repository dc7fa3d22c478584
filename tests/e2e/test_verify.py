"""/verifikasi, as officers use it: registrations that need a person are
shown one card at a time with what the decision needs; the officer approves
or rejects with a reason, and she is told. Only staff may look, and every
look is audit-logged."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from telegram.ext import Application

from tests.e2e.conftest import RunningBot
from tests.e2e.flows import SITI_NIK, register
from wrse_bot.db.models import (
    Assessment,
    AuditEvent,
    OutboxMessage,
    Registrant,
    RoleGrant,
    StaffFlag,
    User,
)
from wrse_bot.devtools.emulator import BotApiEmulator, FakeUser
from wrse_bot.domain.people import display_phone
from wrse_bot.services.verification import VerificationService

OFFICER = 9101  # an admin: admins can do everything staff can
SECOND_OFFICER = 9102  # staff by grant
COORDINATOR = 9103  # sees numbers in aggregate, calls nobody
# 3 dependents + herself = 4 people; Rp3.500.000 / 4 = Rp875.000 per person,
# between 1.2x and 1.6x the poverty line (Rp671.273): an officer decides.
REVIEW_INCOME = "3,5 juta"


def db_of(app: Application):  # type: ignore[type-arg]
    return app.bot_data.runtime.db


async def scalar(app: Application, stmt):  # type: ignore[type-arg]
    async with db_of(app).sessions() as s:
        return await s.scalar(stmt)


@pytest.fixture
async def office(start_bot: RunningBot) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    async with start_bot(admin_ids=frozenset({OFFICER}), dispatch_interval_seconds=0.1) as app:
        async with db_of(app).transaction() as s:
            s.add(RoleGrant(user_id=SECOND_OFFICER, role="staff", granted_by=OFFICER))
        yield app


async def woman_in_review(emulator: BotApiEmulator, uid: int = 3001) -> FakeUser:
    siti = emulator.user(uid)
    verdict = await register(siti, income=REVIEW_INCOME)
    assert "Petugas perlu memeriksa" in verdict.text
    siti.mark_read()
    return siti


async def test_an_officer_sees_a_registration_needing_review_with_what_the_decision_needs(
    emulator: BotApiEmulator, office: Application
) -> None:
    await woman_in_review(emulator)
    card = await emulator.user(OFFICER).ask("/verifikasi")
    assert "Perlu keputusan petugas" in card.text
    assert "Siti Aminah" in card.text
    assert SITI_NIK not in card.text and "************0001" in card.text  # masked
    assert "Rp3.500.000 per bulan" in card.text
    assert "Junrejo" in card.text and "Beji" in card.text
    assert "Cerai mati" in card.text
    assert "❔" in card.text  # the rule that needs a person, with its reason
    assert card.button_labels == ["✅ Setujui", "❌ Tolak", "⏭ Lewati"]


async def test_a_card_masks_the_nik_shows_the_phone_to_officers_and_cannot_be_forwarded(
    emulator: BotApiEmulator, office: Application
) -> None:
    siti = await woman_in_review(emulator)
    officer = emulator.user(SECOND_OFFICER)  # staff: they call women
    card = await officer.ask("/verifikasi")
    assert "NIK: ************0001" in card.plain_text and SITI_NIK not in card.text
    assert f"HP: {display_phone(siti.phone)}" in card.plain_text
    assert card.protect_content  # Telegram forbids forwarding and saving it
    shown = await officer.tap("❌ Tolak")
    assert shown.protect_content  # an edit keeps the protection


async def test_who_does_not_call_women_gets_the_card_without_her_phone(
    emulator: BotApiEmulator, office: Application
) -> None:
    siti = await woman_in_review(emulator)
    async with db_of(office).transaction() as s:
        s.add(RoleGrant(user_id=COORDINATOR, role="coordinator", granted_by=OFFICER))
    runtime = office.bot_data.runtime
    service = VerificationService(runtime.db, runtime.settings)
    for_coordinator = await service.card(COORDINATOR)
    for_officer = await service.card(SECOND_OFFICER)
    assert for_coordinator is not None and for_coordinator.person is not None
    assert for_officer is not None and for_officer.person is not None
    assert for_coordinator.person.phone is None
    assert for_officer.person.phone == display_phone(siti.phone)
    assert for_officer.person.nik == "************0001"


async def test_looking_at_a_card_is_audit_logged(
    emulator: BotApiEmulator, office: Application
) -> None:
    await woman_in_review(emulator)
    await emulator.user(OFFICER).ask("/verifikasi")
    reg_id = await scalar(office, select(Registrant.id))
    viewed = await scalar(
        office,
        select(AuditEvent).where(
            AuditEvent.action == "view_registration", AuditEvent.registrant_id == reg_id
        ),
    )
    assert viewed is not None and viewed.actor_id == OFFICER


async def test_approving_makes_her_eligible_and_she_is_told(
    emulator: BotApiEmulator, office: Application
) -> None:
    siti = await woman_in_review(emulator)
    officer = emulator.user(OFFICER)
    await officer.ask("/verifikasi")
    outcome = await officer.tap("✅ Setujui")
    assert "Disetujui: Siti Aminah" in outcome.text and not outcome.buttons
    assert "Tidak ada lagi" in (await officer.reply()).text

    reg = await scalar(office, select(Registrant))
    assert reg.verdict == "eligible" and reg.status == "active"
    decision = await scalar(office, select(Assessment).order_by(Assessment.id.desc()))
    assert decision.ruleset_version == "staff-decision" and decision.verdict == "eligible"
    assert (
        await scalar(
            office,
            select(func.count()).select_from(StaffFlag).where(StaffFlag.resolved_at.is_(None)),
        )
        == 0
    )
    notice = await scalar(office, select(OutboxMessage).where(OutboxMessage.user_id == siti.id))
    assert notice.kind == "notice" and "memenuhi syarat" in notice.text

    delivered = await siti.reply()
    assert "Kabar baik" in delivered.text and "memenuhi syarat program WRSE" in delivered.text


async def test_rejecting_with_a_preset_reason_tells_her_why(
    emulator: BotApiEmulator, office: Application
) -> None:
    siti = await woman_in_review(emulator)
    officer = emulator.user(OFFICER)
    await officer.ask("/verifikasi")
    reasons = await officer.tap("❌ Tolak")
    assert "✏️ Tulis alasan" in reasons.button_labels
    outcome = await officer.tap("Penghasilan keluarga di atas batas program.")
    assert "Ditolak: Siti Aminah" in outcome.text

    reg = await scalar(office, select(Registrant))
    assert reg.verdict == "not_eligible"
    decision = await scalar(office, select(Assessment).order_by(Assessment.id.desc()))
    assert decision.ruleset_version == "staff-decision"
    assert decision.results[0]["message"] == "Household income is above the programme's limit."

    told = await siti.reply()
    assert "belum memenuhi syarat" in told.text
    assert "Penghasilan keluarga di atas batas program." in told.text
    # Her own data page shows the officer's reason too.
    mine = await siti.ask("/data_saya")
    assert "Penghasilan keluarga di atas batas program." in mine.text


async def test_rejecting_with_a_typed_reason(emulator: BotApiEmulator, office: Application) -> None:
    siti = await woman_in_review(emulator)
    officer = emulator.user(OFFICER)
    await officer.ask("/verifikasi")
    await officer.tap("❌ Tolak")
    prompt = await officer.tap("✏️ Tulis alasan")
    assert "ketik alasan" in prompt.text
    too_short = await officer.ask("no")
    assert "3 sampai 200" in too_short.text
    outcome = await officer.ask("Suami masih bekerja tetap di pabrik")
    assert "Ditolak: Siti Aminah" in outcome.text
    assert "Suami masih bekerja tetap di pabrik" in outcome.text

    assert await scalar(office, select(Registrant.verdict)) == "not_eligible"
    told = await siti.reply()
    assert "Catatan petugas: Suami masih bekerja tetap di pabrik" in told.text


async def test_a_second_officer_is_told_the_card_was_already_decided(
    emulator: BotApiEmulator, office: Application
) -> None:
    await woman_in_review(emulator)
    first, second = emulator.user(OFFICER), emulator.user(SECOND_OFFICER)
    await first.ask("/verifikasi")
    seen_by_second = await second.ask("/verifikasi")
    await first.tap("✅ Setujui")

    await second.press("❌ Tolak", message=seen_by_second)
    answer = await second.callback_answer()
    assert "Sudah diputuskan oleh petugas lain" in answer.text
    await second.press("✅ Setujui", message=seen_by_second)
    assert "Sudah diputuskan oleh petugas lain" in (await second.callback_answer()).text
    assert await scalar(office, select(Registrant.verdict)) == "eligible"
    decisions = await scalar(
        office,
        select(func.count())
        .select_from(Assessment)
        .where(Assessment.ruleset_version == "staff-decision"),
    )
    assert decisions == 1


async def test_a_woman_cannot_open_the_queue_or_forge_its_buttons(
    emulator: BotApiEmulator, office: Application
) -> None:
    siti = await woman_in_review(emulator)
    card = await emulator.user(OFFICER).ask("/verifikasi")
    flag_id = await scalar(office, select(StaffFlag.id))

    refusal = await siti.ask("/verifikasi")
    assert "hanya untuk petugas" in refusal.text
    assert SITI_NIK not in refusal.text
    mine = await siti.ask("/start")
    for data in (f"vf:ap:{flag_id}", f"vf:sh:{flag_id}", f"vf:rs:{flag_id}:0"):
        await siti.press_data(data, mine.message_id)
        answer = await siti.callback_answer()
        assert "hanya untuk petugas" in answer.text and answer.show_alert
    assert card.text not in [m.text for m in siti.history]

    assert await scalar(office, select(Registrant.verdict)) == "needs_review"
    assert await scalar(office, select(StaffFlag.resolved_at)) is None
    assert await scalar(office, select(func.count()).select_from(OutboxMessage)) == 0
    denied = await scalar(
        office,
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.actor_id == siti.id, AuditEvent.action.like("denied:%")),
    )
    assert denied == 4


async def test_a_help_request_is_closed_with_already_contacted(
    emulator: BotApiEmulator, office: Application
) -> None:
    async with db_of(office).transaction() as s:
        s.add(User(id=3005))
        await s.flush()
        s.add(StaffFlag(kind="help_requested", user_id=3005, detail="intake step: nik"))
    officer = emulator.user(OFFICER)
    card = await officer.ask("/verifikasi")
    assert "Minta bantuan petugas" in card.text and "3005" in card.text
    assert "belum selesai mendaftar" in card.text
    assert card.button_labels == ["✅ Sudah dihubungi", "⏭ Lewati"]
    done = await officer.tap("✅ Sudah dihubungi")
    assert "sudah dihubungi" in done.text
    assert await scalar(office, select(StaffFlag.resolved_at)) is not None


async def test_skip_shows_the_next_card(emulator: BotApiEmulator, office: Application) -> None:
    async with db_of(office).transaction() as s:
        for uid in (3006, 3007):
            s.add(User(id=uid))
            await s.flush()
            s.add(StaffFlag(kind="help_requested", user_id=uid))
    officer = emulator.user(OFFICER)
    first = await officer.ask("/verifikasi")
    assert "3006" in first.text and "2 dalam antrean" in first.text
    second = await officer.tap("⏭ Lewati")
    assert "3007" in second.text
    last = await officer.tap("⏭ Lewati")
    assert "Tidak ada lagi" in last.text
    assert (
        await scalar(
            office,
            select(func.count()).select_from(StaffFlag).where(StaffFlag.resolved_at.is_(None)),
        )
        == 2
    )


async def test_a_possible_duplicate_nik_shows_both_people_and_cannot_be_approved(
    emulator: BotApiEmulator, office: Application
) -> None:
    await register(emulator.user(3008))
    other = emulator.user(3009)
    held = await register(other, name="Sri Wahyuni")
    assert "Petugas perlu memeriksa" in held.text  # she is not told the NIK is taken
    other.mark_read()

    officer = emulator.user(OFFICER)
    card = await officer.ask("/verifikasi")
    assert "Kemungkinan NIK ganda" in card.text
    assert "Sri Wahyuni" in card.text and "Siti Aminah" in card.text
    assert "✅ Setujui" not in card.button_labels
    flag_id = await scalar(office, select(StaffFlag.id).where(StaffFlag.kind == "duplicate_nik"))
    await officer.press_data(f"vf:ap:{flag_id}", card.message_id)
    assert "tidak berlaku" in (await officer.callback_answer()).text
    assert await scalar(office, select(StaffFlag.resolved_at)) is None

    await officer.tap("❌ Tolak")
    await officer.tap("NIK ini sudah terdaftar atas nama orang lain.")
    second = await scalar(office, select(Registrant).where(Registrant.user_id == 3009))
    assert second.status == "rejected" and second.verdict == "not_eligible"
    first = await scalar(office, select(Registrant).where(Registrant.user_id == 3008))
    assert first.verdict == "eligible" and first.duplicate_of_id is None  # untouched
    assert "NIK ini sudah terdaftar" in (await other.reply()).text


async def test_a_reason_written_mid_broadcast_pauses_it_and_offers_it_back(
    emulator: BotApiEmulator, office: Application
) -> None:
    """One form open at a time: the second pauses the first, which is offered back
    (was: the reason was refused while a broadcast was open)."""
    await woman_in_review(emulator)
    officer = emulator.user(OFFICER)
    await officer.ask("/siaran")
    await officer.tap("Semua yang memenuhi syarat")
    await officer.ask("/verifikasi")
    await officer.tap("❌ Tolak")
    prompt = await officer.tap("✏️ Tulis alasan")
    assert "Isian siaran tetap tersimpan" in prompt.text and "ketik alasan" in prompt.text

    outcome = await officer.ask("Suami masih bekerja tetap di pabrik")
    assert "Ditolak: Siti Aminah" in outcome.text
    assert "Tidak ada lagi yang perlu diperiksa" in (await officer.reply()).text
    offer = await officer.reply()
    assert "Isian siaran belum selesai" in offer.text
    back = await officer.tap("▶️ Lanjutkan: siaran", message=offer)
    assert "Silakan ketik pesannya" in back.text  # where she was
    assert "Pratinjau siaran" in (await officer.ask("Kelas baru dibuka")).text
