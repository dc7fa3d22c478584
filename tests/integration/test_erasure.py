"""Issue 8 §2, "'Hapus data saya' erases everything that is hers", on SQLite
and PostgreSQL: after /hapus_data no table holds her id, NIK hash, name or
phone; her seat went to the first woman waiting; only counts remain."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import make_settings
from tests.factories import make_class, make_woman, wib
from wrse_bot import crypto
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    ActiveForm,
    Aid,
    AuditEvent,
    Base,
    Broadcast,
    CheckIn,
    ClassSession,
    Consent,
    Enrolment,
    FollowUp,
    OutboxMessage,
    Registrant,
    StaffFlag,
    TrainingClass,
    Visit,
)
from wrse_bot.services import classes, reminders
from wrse_bot.services.attendance import AttendanceService, mark
from wrse_bot.services.class_views import roster
from wrse_bot.services.export import read_tables
from wrse_bot.services.my_data import MyDataService
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.reports import ReportFilter, build_report
from wrse_bot.services.verification import VerificationService

HER = 880_011_223
NAME = "Wulan Sekarsari"
PHONE = "081298765432"
NIK = "3579034107850003"
ADDRESS = "Jl. Melati 3, RT 2 RW 1"
WAITING, OTHER, STAFF = 7002, 7003, 9001


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


async def a_woman_with_a_life_in_the_programme(db: Database, settings: Settings) -> dict[str, int]:
    """Enrolled in a full class (someone waits behind her), waitlisted in
    another, a completed class with an open check-in and a follow-up with a
    note, a reminder answered, flags, a broadcast, a form open to edit."""
    reg_id = await make_woman(db, HER, full_name=NAME)
    for uid in (WAITING, OTHER):
        await make_woman(db, uid, full_name=f"Ibu {uid}")
    async with db.transaction() as s:
        reg = await s.get(Registrant, reg_id)
        reg.nik = NIK
        reg.nik_hash = crypto.protector().nik_hash(NIK)
        reg.phone = PHONE
        reg.address = ADDRESS
        reg.monthly_income = "600000"
        reg.income_bracket = 6
        reg.birth_date = date(1985, 7, 1)
        reg.occupation_other = "jualan jamu"
        s.add(Consent(user_id=HER, text_version="v1", agreed=True))
        s.add(
            ActiveForm(
                user_id=HER,
                form="intake",
                subject=reg_id,
                step="phone",
                answers={"full_name": NAME, "nik": NIK, "phone": PHONE},
            )
        )
        s.add(StaffFlag(kind="nik_mismatch", user_id=HER, registrant_id=reg_id, detail="x"))
        s.add(StaffFlag(kind="help_requested", user_id=HER, detail="intake step: phone"))
        s.add(AuditEvent(actor_id=HER, action="invite_refused", detail="expired"))

    full = await make_class(db, title="Menjahit Dasar", capacity=1)
    assert (await classes.enrol(db, HER, full, settings=settings)).outcome == "enrolled"
    assert (await classes.enrol(db, WAITING, full, settings=settings)).outcome == "waitlisted"
    other = await make_class(
        db,
        title="Membatik",
        capacity=1,
        skill="membatik",
        sessions=[(wib(2030, 12, 10, 9), wib(2030, 12, 10, 12))],
    )
    assert (await classes.enrol(db, OTHER, other, settings=settings)).outcome == "enrolled"
    assert (await classes.enrol(db, HER, other, settings=settings)).outcome == "waitlisted"

    past = await make_class(
        db,
        title="Kue Kering",
        sessions=[(wib(2026, 1, 6, 9), wib(2026, 1, 6, 12))],
        deadline=wib(2026, 1, 1),
    )
    async with db.transaction() as s:
        done = Enrolment(class_id=past, user_id=HER, status="enrolled", completed=True)
        s.add(done)
        await s.flush()
        session_id = await s.scalar(select(ClassSession.id).where(ClassSession.class_id == past))
        await mark(s, session_id, done.id, True, marked_by=STAFF)
        answered = CheckIn(
            enrolment_id=done.id,
            user_id=HER,
            class_id=past,
            round_days=30,
            due_at=wib(2026, 2, 5),
            status="answered",
            income="400000",
            income_bracket=4,
            business_kind="jamu gendong",
            obstacle_other="anak sakit",
            wants_contact=True,
        )
        asked = CheckIn(
            enrolment_id=done.id,
            user_id=HER,
            class_id=past,
            round_days=90,
            due_at=wib(2026, 4, 6),
            status="asked",
            asked_at=datetime.now(UTC),
            income="450000",
        )
        s.add_all([answered, asked])
        await s.flush()
        s.add(FollowUp(checkin_id=answered.id, reason="wants_contact", note=f"{NAME} minta ditelp"))
        broadcast = Broadcast(created_by=STAFF, audience={"kind": "all"}, text="Info", total=1)
        s.add(broadcast)
        await s.flush()
        await enqueue(
            s,
            user_id=HER,
            text="Info",
            kind="broadcast",
            broadcast_id=broadcast.id,
            dedupe_key=f"broadcast:{broadcast.id}:{HER}",
        )
        # Business aid recorded for her, with words about her situation.
        s.add(
            Aid(
                registrant_id=reg_id,
                kind="mesin_jahit",
                value=1_500_000,
                given_on=date(2026, 11, 2),
                source="APBD",
                repeat_reason=f"rumah di {ADDRESS} kebanjiran",
                recorded_by=STAFF,
            )
        )
        # Her companion's note after a home visit.
        s.add(
            Visit(
                registrant_id=reg_id,
                companion_id=STAFF,
                visited_on=date(2026, 11, 3),
                talked=f"utang di warung dekat {ADDRESS}",
                obstacles=["anak_keluarga"],
                next_step="ke puskesmas",
            )
        )
    mine = await classes.my_places(db, HER)
    first = await _first_session(db, full)
    rsvp = await reminders.answer(db, HER, mine[0].enrolment_id, first, True)
    assert rsvp.outcome == "recorded"
    return {"full": full, "other": other, "past": past, "past_session": session_id, "reg": reg_id}


async def _first_session(db: Database, class_id: int) -> int:
    async with db.sessions() as s:
        return int(
            await s.scalar(
                select(ClassSession.id)
                .where(ClassSession.class_id == class_id)
                .order_by(ClassSession.starts_at)
            )
            or 0
        )


def _personal(value: Any) -> str | None:
    """Which of her identifiers ``value`` holds, if any."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "user id" if value == HER else None
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    needles = {
        "user id": str(HER),
        "name": NAME,
        "phone": PHONE[1:],
        "address": ADDRESS,
        "NIK": NIK,
        "NIK hash": crypto.protector().nik_hash(NIK),
    }
    return next((what for what, needle in needles.items() if needle in text), None)


async def scan_every_table(db: Database) -> list[str]:
    """Every column of every table (decrypted where encrypted): what is hers."""
    found = []
    async with db.sessions() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).mappings():
                for column, value in row.items():
                    what = _personal(value)
                    if what is not None:
                        found.append(f"{table.name}.{column}: {what}")
    return found


async def test_hapus_data_erases_everything_that_is_hers(db: Database, settings: Settings) -> None:
    ids = await a_woman_with_a_life_in_the_programme(db, settings)
    assert len(await scan_every_table(db)) > 20  # the scan does see her before

    assert await MyDataService(db, settings).delete(HER, update_id=4242) is True

    assert await scan_every_table(db) == []

    async with db.sessions() as s:
        # The next woman waiting holds her seat, as after a cancellation.
        waiting = await s.scalar(select(Enrolment).where(Enrolment.user_id == WAITING))
        assert waiting.status == "offered" and waiting.offered_until is not None
        offer = await s.scalar(
            select(OutboxMessage).where(
                OutboxMessage.user_id == WAITING, OutboxMessage.dedupe_key.like("class-offer:%")
            )
        )
        assert offer is not None and offer.status == "pending"
        assert (await s.get(TrainingClass, ids["full"])).taken == 1
        # She left the other waitlist; that class is untouched.
        other = (await s.scalars(select(Enrolment).where(Enrolment.class_id == ids["other"]))).all()
        assert [(e.user_id, e.status) for e in other] == [(OTHER, "enrolled")]
        assert (await s.get(TrainingClass, ids["other"])).taken == 1
        # Nothing of hers is left to send, ask or follow up.
        assert (await s.scalars(select(CheckIn))).all() == []
        assert (await s.scalars(select(FollowUp))).all() == []
        outbox = (await s.scalars(select(OutboxMessage))).all()
        assert {m.user_id for m in outbox} <= {WAITING, OTHER, 0}
        assert all(m.status != "pending" for m in outbox if m.user_id == 0)
        flags = (await s.scalars(select(StaffFlag))).all()
        assert all(f.resolved_at is not None and f.detail is None for f in flags)
        # Only anonymous counts remain.
        reg = await s.get(Registrant, ids["reg"])
        assert (reg.status, reg.verdict, reg.kecamatan_code) == ("deleted", "eligible", "35.79.03")
        assert reg.created_at is not None and reg.deleted_at is not None
        # Her aid is still counted, by kind, value and month, with nothing about her.
        aid = await s.scalar(select(Aid))
        assert (aid.registrant_id, aid.kind, aid.value) == (ids["reg"], "mesin_jahit", 1_500_000)
        assert aid.repeat_reason is None and aid.recorded_by is None
        visit = await s.scalar(select(Visit))
        assert (visit.registrant_id, visit.obstacles) == (ids["reg"], ["anak_keluarga"])
        assert visit.talked is None and visit.next_step is None

        # Rosters, attendance sheets, /verifikasi and exports: she is not there.
        for class_id in (ids["full"], ids["other"], ids["past"]):
            listed = await roster(s, class_id, actor_id=STAFF)
            lines = [line for group in listed.groups.values() for line in group]
            assert all(line.name.startswith("Ibu ") for line in lines), class_id
    sheet = await AttendanceService(db, settings).sheet(ids["past_session"])
    assert sheet.marks == ()
    assert await VerificationService(db, settings).card(STAFF) is None
    sheets = {t.name: t for t in await read_tables(db)}
    assert len(sheets["registrants"].rows) == 2  # the two other women
    assert all(ids["reg"] not in row for row in sheets["decisions"].rows)
    assert await classes.my_places(db, HER) == []

    report = await build_report(db, ReportFilter(), at=datetime.now(UTC) + timedelta(minutes=1))
    assert report.registrations == 3
    assert report.by_verdict == {"eligible": 3}
    assert report.by_kecamatan == {"35.79.03": 3}
