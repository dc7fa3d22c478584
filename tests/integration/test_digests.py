"""The companions' daily digest (issue 11) against SQLite and PostgreSQL: at
its hour, once a day per companion, from the outbox rows of the women without
Telegram of her desa (due ones, and those falling due before tomorrow's
digest); what no longer holds is left out; "Sudah disampaikan" is recorded
once, and only by the companion whose digest listed her."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import time
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import make_settings
from tests.factories import make_assisted_woman, make_class, wib
from wrse_bot.db.models import (
    AuditEvent,
    CheckIn,
    CompanionArea,
    Enrolment,
    OutboxMessage,
    RoleGrant,
)
from wrse_bot.runtime import Runtime
from wrse_bot.services import classes
from wrse_bot.services.digests import compose_due, record_told
from wrse_bot.services.outbox import enqueue

WATI, DEWI, RATNA = 9981, 9982, 9983
BEJI, TLEKUNG = "35.79.03.2002", "35.79.03.2004"
ENROLLED_AT = wib(2030, 12, 1, 10)  # Sunday; the class meets Tuesday 3 and Thursday 5, 09.00
MORNING = wib(2030, 12, 2, 7, 30)  # Monday, after the digest hour (07.00)


@pytest.fixture
async def runtime(db_url: str) -> AsyncIterator[Runtime]:
    rt = Runtime.build(
        make_settings(db_url, digest_at=time(7), quiet_start=time(20), quiet_end=time(7))
    )
    async with rt.db.transaction() as s:
        for who, village in ((WATI, BEJI), (DEWI, TLEKUNG), (RATNA, BEJI)):
            s.add(RoleGrant(user_id=who, role="companion"))
            s.add(CompanionArea(user_id=who, village_code=village, assigned_at=ENROLLED_AT))
    yield rt
    await rt.db.dispose()


async def owed(s: Any, account: int, text: str, kind: str, **kwargs: Any) -> None:
    """A message for her, due since she was enrolled."""
    await enqueue(s, user_id=account, text=text, kind=kind, due_at=ENROLLED_AT, **kwargs)


async def digests(rt: Runtime) -> list[OutboxMessage]:
    async with rt.db.sessions() as s:
        return list(
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "digest")
                .order_by(OutboxMessage.id)
            )
        )


async def hers(rt: Runtime, account: int) -> list[OutboxMessage]:
    async with rt.db.sessions() as s:
        return list(
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.user_id == account)
                .order_by(OutboxMessage.due_at)
            )
        )


async def test_one_digest_a_day_for_her_companion_with_what_falls_due_before_the_next(
    runtime: Runtime,
) -> None:
    db, settings = runtime.db, runtime.settings
    sari = await make_assisted_woman(db, WATI, BEJI, full_name="Sari Wulandari")
    cid = await make_class(db, title="Menjahit Dasar", place="Balai Desa Beji")
    await classes.enrol(db, -sari, cid, settings=settings, now=ENROLLED_AT)

    assert (
        await compose_due(db, settings, at=wib(2030, 12, 2, 6, 59))
    ).queued == 0  # quiet, before its hour
    assert (await compose_due(db, settings, at=MORNING)).queued == 1
    assert (await compose_due(db, settings, at=wib(2030, 12, 2, 9))).queued == 0  # once a day

    (digest,) = await digests(runtime)
    assert digest.user_id == WATI and digest.dedupe_key == f"digest:{WATI}:20301202"
    assert f"<b>Sari Wulandari</b> (No. {sari})" in digest.text
    assert (
        "pengingat kelas <b>Menjahit Dasar</b>: Selasa, 3 Desember 2030, 09.00–12.00 WIB"
        in digest.text
    )
    assert "Kamis" not in digest.text  # Thursday's reminders fall due after tomorrow's digest
    labels = [b["text"] for row in digest.reply_markup["inline_keyboard"] for b in row]
    assert labels == ["✅ Sudah disampaikan: Sari Wulandari"]
    listed = [(r.status, r.digest_id) for r in await hers(runtime, -sari)]
    assert listed[0] == ("diverted", digest.id)  # Monday 16.00, the day before
    assert all(status == "pending" and d is None for status, d in listed[1:])


async def test_she_was_told_is_recorded_once_and_only_by_her_companion(runtime: Runtime) -> None:
    db, settings = runtime.db, runtime.settings
    sari = await make_assisted_woman(db, WATI, BEJI)
    cid = await make_class(db)
    await classes.enrol(db, -sari, cid, settings=settings, now=ENROLLED_AT)
    await compose_due(db, settings, at=MORNING)
    (digest,) = await digests(runtime)

    assert (await record_told(db, DEWI, sari, digest.id, update_id=None)).outcome == "refused"
    assert (await record_told(db, RATNA, sari, digest.id, update_id=None)).outcome == "refused"
    told = await record_told(db, WATI, sari, digest.id, update_id=None)
    assert told.outcome == "recorded" and told.name == "Sari Wulandari"
    again = await record_told(db, WATI, sari, digest.id, update_id=None)
    assert again.outcome == "already" and again.at == told.at
    async with db.sessions() as s:
        events = [
            (e.actor_id, e.action, e.detail)
            for e in await s.scalars(select(AuditEvent).where(AuditEvent.registrant_id == sari))
        ]
    assert (WATI, "digest:told", f"#{digest.id}") in events
    assert (DEWI, "companion:refused", "digest:told") in events
    assert (RATNA, "companion:refused", "digest:told") in events  # not her digest
    assert [r.told_at is not None for r in await hers(runtime, -sari) if r.digest_id] == [True]


async def test_what_no_longer_holds_is_not_shown_and_nothing_due_means_no_digest(
    runtime: Runtime,
) -> None:
    db, settings = runtime.db, runtime.settings
    sari = await make_assisted_woman(db, WATI, BEJI)
    cid = await make_class(db)
    async with db.transaction() as s:
        lapsed = Enrolment(class_id=cid, user_id=-sari, status="cancelled")
        s.add(lapsed)
        await s.flush()
        ci = CheckIn(
            enrolment_id=lapsed.id,
            user_id=-sari,
            class_id=cid,
            round_days=30,
            due_at=ENROLLED_AT,
            status="answered",
        )
        s.add(ci)
        await s.flush()
        began = wib(2030, 12, 2, 7)  # a session that began before the digest
        await enqueue(
            s, user_id=-sari, text="r", kind="reminder", due_at=ENROLLED_AT, expires_at=began
        )
        await enqueue(
            s,
            user_id=-sari,
            text="o",
            kind="notice",
            due_at=ENROLLED_AT,
            dedupe_key=f"class-offer:{lapsed.id}",
        )
        await owed(s, -sari, "c", "checkin", dedupe_key=f"checkin:{ci.id}:ask")

    assert (await compose_due(db, settings, at=MORNING)).queued == 0
    assert await digests(runtime) == []
    assert {r.status for r in await hers(runtime, -sari)} == {"skipped"}


async def test_an_offer_and_a_due_check_in_come_with_their_buttons(runtime: Runtime) -> None:
    db, settings = runtime.db, runtime.settings
    sari = await make_assisted_woman(db, WATI, BEJI, full_name="Sari")
    cid = await make_class(db, title="Kue Kering")
    async with db.transaction() as s:
        offered = Enrolment(
            class_id=cid, user_id=-sari, status="offered", offered_until=wib(2030, 12, 2, 18)
        )
        s.add(offered)
        await s.flush()
        ci = CheckIn(
            enrolment_id=offered.id,
            user_id=-sari,
            class_id=cid,
            round_days=90,
            due_at=ENROLLED_AT,
            asked_at=ENROLLED_AT,
            status="asked",
        )
        s.add(ci)
        await s.flush()
        await owed(s, -sari, "o", "notice", dedupe_key=f"class-offer:{offered.id}")
        await owed(s, -sari, "c", "checkin", dedupe_key=f"checkin:{ci.id}:ask")
        await owed(s, -sari, "Pendaftaran <b>Ibu</b> diperiksa", "notice")

    assert (await compose_due(db, settings, at=MORNING)).queued == 1
    (digest,) = await digests(runtime)
    assert "kursi kosong untuknya di kelas <b>Kue Kering</b>" in digest.text
    assert "cek kabar 90 hari sudah waktunya" in digest.text
    assert "pesan untuknya: Pendaftaran Ibu diperiksa" in digest.text
    data = [b["callback_data"] for row in digest.reply_markup["inline_keyboard"] for b in row]
    assert data == [
        f"dg:t:{sari}:{digest.id}",
        f"dg:a:{offered.id}",
        f"dg:l:{offered.id}",
        f"fo:checkin_via:{ci.id}",
    ]


async def test_the_companion_who_registered_her_gets_it_while_she_accompanies_her_desa(
    runtime: Runtime,
) -> None:
    db, settings = runtime.db, runtime.settings
    by_ratna = await make_assisted_woman(db, RATNA, BEJI, full_name="Ani", code="AAAA-BBBB")
    by_other = await make_assisted_woman(db, 4242, BEJI, full_name="Rina", code="CCCC-DDDD")
    async with db.transaction() as s:
        for who in (by_ratna, by_other):
            await enqueue(s, user_id=-who, text="Halo", kind="notice", due_at=ENROLLED_AT)
    assert (await compose_due(db, settings, at=MORNING)).queued == 2
    got = {d.user_id: d.text for d in await digests(runtime)}
    assert "Ani" in got[RATNA] and "Rina" not in got[RATNA]
    assert "Rina" in got[WATI]  # not a companion: the first assigned to Beji
    assert DEWI not in got


async def test_two_dispatchers_composing_at_once_make_one_digest(runtime: Runtime) -> None:
    db, settings = runtime.db, runtime.settings
    sari = await make_assisted_woman(db, WATI, BEJI)
    async with db.transaction() as s:
        await owed(s, -sari, "Halo", "notice")
    results = await asyncio.gather(
        compose_due(db, settings, at=MORNING), compose_due(db, settings, at=MORNING)
    )
    assert sorted(r.queued for r in results) == [0, 1]
    assert len(await digests(runtime)) == 1
