"""Enrolment rules on a real database: exact capacity under concurrency, the
waitlist in order, held seats passing on, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import make_settings
from tests.factories import make_class, make_woman, wib
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Enrolment, OutboxMessage, TrainingClass
from wrse_bot.domain.classes import Standing
from wrse_bot.services import classes as svc

NOW = wib(2030, 11, 1, 10)  # a month before the default class


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


@pytest.fixture
async def sdb(sqlite_url: str) -> AsyncIterator[Database]:
    """SQLite only, for rules that do not depend on the database engine."""
    database = Database(sqlite_url)
    yield database
    await database.dispose()


async def women(db: Database, count: int, first_id: int = 9000) -> list[int]:
    ids = list(range(first_id, first_id + count))
    for uid in ids:
        await make_woman(db, uid)
    return ids


async def rows(db: Database, class_id: int) -> list[Enrolment]:
    async with db.sessions() as s:
        found = await s.scalars(
            select(Enrolment).where(Enrolment.class_id == class_id).order_by(Enrolment.id)
        )
        return list(found)


async def taken(db: Database, class_id: int) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(TrainingClass.taken).where(TrainingClass.id == class_id)))


async def outbox(db: Database) -> list[OutboxMessage]:
    async with db.sessions() as s:
        return list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# ---- capacity under contention (both databases) ----------------------------------------


async def test_fifty_women_at_once_on_ten_seats_fill_it_exactly_and_queue_the_rest_in_order(
    db: Database,
) -> None:
    cid = await make_class(db, capacity=10)
    ids = await women(db, 50)

    results = await asyncio.gather(*(svc.enrol(db, uid, cid, now=NOW) for uid in ids))

    outcomes = [r.outcome for r in results]
    assert outcomes.count("enrolled") == 10 and outcomes.count("waitlisted") == 40
    assert await taken(db, cid) == 10
    found = await rows(db, cid)
    assert len(found) == 50 and len({e.user_id for e in found}) == 50  # nobody twice
    told = {r.enrolment_id: r.position for r in results if r.outcome == "waitlisted"}
    waiting = [e.id for e in found if e.status == "waitlisted"]
    assert [told[eid] for eid in waiting] == list(range(1, 41))  # id order = positions told


async def test_a_freed_seat_is_offered_to_the_first_waiting_then_the_next_when_she_lets_go(
    db: Database, settings: Settings
) -> None:
    cid = await make_class(db, capacity=1)
    siti, ani, budi = await women(db, 3)
    first = await svc.enrol(db, siti, cid, now=NOW)
    await svc.enrol(db, ani, cid, now=NOW)
    await svc.enrol(db, budi, cid, now=NOW)

    cancelled = await svc.cancel(db, settings, siti, first.enrolment_id, now=NOW)  # type: ignore[arg-type]
    assert cancelled.outcome == "cancelled"
    found = await rows(db, cid)
    assert [e.status for e in found] == ["cancelled", "offered", "waitlisted"]
    assert found[1].offered_until == NOW + timedelta(hours=24)
    assert await taken(db, cid) == 1  # the held seat stays counted

    released = await svc.release_offer(db, settings, ani, found[1].id, now=NOW)
    assert released.outcome == "released"
    assert [e.status for e in await rows(db, cid)] == ["cancelled", "cancelled", "offered"]
    offers = [m for m in await outbox(db) if m.reply_markup]
    assert [m.user_id for m in offers] == [ani, budi]


# ---- rules (SQLite) ---------------------------------------------------------------------


async def test_standing_decides_who_may_enrol(sdb: Database) -> None:
    cid = await make_class(sdb)
    await make_woman(sdb, 1, verdict="needs_review")
    await make_woman(sdb, 2, verdict="not_eligible")
    await make_woman(sdb, 3, verdict=None, status="duplicate_review")
    expected = {
        1: Standing.NEEDS_REVIEW,
        2: Standing.NOT_ELIGIBLE,
        3: Standing.DUPLICATE,
        4: Standing.NOT_REGISTERED,
    }
    for uid, why in expected.items():
        result = await svc.enrol(sdb, uid, cid, now=NOW)
        assert (result.outcome, result.standing) == ("not_allowed", why)
    assert await rows(sdb, cid) == []


async def test_a_class_that_overlaps_hers_is_refused_but_back_to_back_is_fine(
    sdb: Database,
) -> None:
    morning = await make_class(sdb, sessions=[(wib(2030, 12, 3, 9), wib(2030, 12, 3, 12))])
    overlapping = await make_class(
        sdb, title="Kue Kering", sessions=[(wib(2030, 12, 3, 11), wib(2030, 12, 3, 14))]
    )
    afternoon = await make_class(
        sdb, title="Membatik", sessions=[(wib(2030, 12, 3, 12), wib(2030, 12, 3, 15))]
    )
    (siti,) = await women(sdb, 1)
    assert (await svc.enrol(sdb, siti, morning, now=NOW)).outcome == "enrolled"
    clash = await svc.enrol(sdb, siti, overlapping, now=NOW)
    assert clash.outcome == "clash" and clash.clash_with.id == morning  # type: ignore[union-attr]
    assert (await svc.enrol(sdb, siti, afternoon, now=NOW)).outcome == "enrolled"


async def test_past_the_deadline_or_after_the_start_she_cannot_join(sdb: Database) -> None:
    cid = await make_class(sdb, deadline=wib(2030, 11, 30, 23, 59))
    (siti,) = await women(sdb, 1)
    late = await svc.enrol(sdb, siti, cid, now=wib(2030, 12, 1, 8))
    assert late.outcome == "deadline"
    open_late = await make_class(sdb, title="B", deadline=wib(2030, 12, 31))
    started = await svc.enrol(sdb, siti, open_late, now=wib(2030, 12, 3, 10))
    assert started.outcome == "started"
    assert await rows(sdb, cid) == [] and await rows(sdb, open_late) == []


async def test_enrolling_twice_keeps_one_place(sdb: Database) -> None:
    cid = await make_class(sdb)
    (siti,) = await women(sdb, 1)
    first, second = await asyncio.gather(
        svc.enrol(sdb, siti, cid, now=NOW), svc.enrol(sdb, siti, cid, now=NOW)
    )
    assert sorted([first.outcome, second.outcome]) == ["already", "enrolled"]
    assert len(await rows(sdb, cid)) == 1 and await taken(sdb, cid) == 1


async def test_a_redelivered_update_enrols_once(sdb: Database) -> None:
    cid = await make_class(sdb)
    (siti,) = await women(sdb, 1)
    assert (await svc.enrol(sdb, siti, cid, update_id=77, now=NOW)).outcome == "enrolled"
    assert (await svc.enrol(sdb, siti, cid, update_id=77, now=NOW)).outcome == "duplicate_update"


async def test_cancelling_with_nobody_waiting_frees_the_seat(sdb: Database) -> None:
    settings = make_settings("sqlite+aiosqlite://")
    cid = await make_class(sdb, capacity=2)
    (siti,) = await women(sdb, 1)
    place = await svc.enrol(sdb, siti, cid, now=NOW)
    await svc.cancel(sdb, settings, siti, place.enrolment_id, now=NOW)  # type: ignore[arg-type]
    assert await taken(sdb, cid) == 0
    again = await svc.cancel(sdb, settings, siti, place.enrolment_id, now=NOW)  # type: ignore[arg-type]
    assert again.outcome == "already" and await taken(sdb, cid) == 0


async def test_leaving_the_waitlist_frees_no_seat_and_moves_the_others_up(sdb: Database) -> None:
    settings = make_settings("sqlite+aiosqlite://")
    cid = await make_class(sdb, capacity=1)
    siti, ani, budi = await women(sdb, 3)
    for uid in (siti, ani, budi):
        await svc.enrol(sdb, uid, cid, now=NOW)
    ani_place = next(e for e in await rows(sdb, cid) if e.user_id == ani)
    await svc.cancel(sdb, settings, ani, ani_place.id, now=NOW)
    assert await taken(sdb, cid) == 1
    (budi_place,) = await svc.my_places(sdb, budi, now=NOW)
    assert budi_place.position == 1


async def test_rejoining_after_cancelling_queues_at_the_back(sdb: Database) -> None:
    settings = make_settings("sqlite+aiosqlite://")
    cid = await make_class(sdb, capacity=1)
    siti, ani, budi = await women(sdb, 3)
    await svc.enrol(sdb, siti, cid, now=NOW)
    ani_first = await svc.enrol(sdb, ani, cid, now=NOW)
    await svc.enrol(sdb, budi, cid, now=NOW)
    await svc.cancel(sdb, settings, ani, ani_first.enrolment_id, now=NOW)  # type: ignore[arg-type]
    again = await svc.enrol(sdb, ani, cid, now=NOW)
    assert (again.outcome, again.position) == ("waitlisted", 2)


async def test_an_expired_hold_passes_to_the_next_woman_and_then_back_to_free_seats(
    sdb: Database,
) -> None:
    settings = make_settings("sqlite+aiosqlite://", waitlist_hold_hours=2)
    cid = await make_class(sdb, capacity=1)
    siti, ani, budi = await women(sdb, 3)
    first = await svc.enrol(sdb, siti, cid, now=NOW)
    await svc.enrol(sdb, ani, cid, now=NOW)
    await svc.enrol(sdb, budi, cid, now=NOW)
    await svc.cancel(sdb, settings, siti, first.enrolment_id, now=NOW)  # type: ignore[arg-type]

    assert (await svc.expire_holds(sdb, settings, NOW + timedelta(hours=1))).expired == 0
    report = await svc.expire_holds(sdb, settings, NOW + timedelta(hours=2))
    assert report.expired == 1
    found = await rows(sdb, cid)
    assert [e.status for e in found] == ["cancelled", "cancelled", "offered"]
    assert found[2].offered_until == NOW + timedelta(hours=4)
    assert report.offered == [found[2].id]

    await svc.expire_holds(sdb, settings, NOW + timedelta(hours=5))
    assert [e.status for e in await rows(sdb, cid)] == ["cancelled"] * 3
    assert await taken(sdb, cid) == 0
    notices = [(m.user_id, bool(m.reply_markup)) for m in await outbox(sdb)]
    assert notices == [(ani, True), (ani, False), (budi, True), (budi, False)]


async def test_a_hold_never_outlasts_the_start_of_the_class(sdb: Database) -> None:
    settings = make_settings("sqlite+aiosqlite://", waitlist_hold_hours=48)
    cid = await make_class(sdb, capacity=1)
    siti, ani = await women(sdb, 2)
    first = await svc.enrol(sdb, siti, cid, now=NOW)
    await svc.enrol(sdb, ani, cid, now=NOW)
    day_before = wib(2030, 12, 2, 9)
    await svc.cancel(sdb, settings, siti, first.enrolment_id, now=day_before)  # type: ignore[arg-type]
    offered = next(e for e in await rows(sdb, cid) if e.status == "offered")
    assert offered.offered_until == wib(2030, 12, 3, 9)


async def test_taking_a_seat_after_the_hold_ran_out_is_refused_and_it_passes_on(
    sdb: Database,
) -> None:
    settings = make_settings("sqlite+aiosqlite://")
    cid = await make_class(sdb, capacity=1)
    siti, ani, budi = await women(sdb, 3)
    first = await svc.enrol(sdb, siti, cid, now=NOW)
    ani_place = await svc.enrol(sdb, ani, cid, now=NOW)
    await svc.enrol(sdb, budi, cid, now=NOW)
    await svc.cancel(sdb, settings, siti, first.enrolment_id, now=NOW)  # type: ignore[arg-type]
    late = await svc.take_offer(
        sdb,
        settings,
        ani,
        ani_place.enrolment_id,  # type: ignore[arg-type]
        now=NOW + timedelta(hours=25),
    )
    assert late.outcome == "expired"
    assert [e.status for e in await rows(sdb, cid)] == ["cancelled", "cancelled", "offered"]


async def test_another_womans_enrolment_cannot_be_touched(sdb: Database) -> None:
    settings = make_settings("sqlite+aiosqlite://")
    cid = await make_class(sdb, capacity=1)
    siti, ani = await women(sdb, 2)
    place = await svc.enrol(sdb, siti, cid, now=NOW)
    eid = place.enrolment_id
    assert eid is not None
    for action in (svc.cancel, svc.take_offer, svc.release_offer):
        assert (await action(sdb, settings, ani, eid, now=NOW)).outcome == "not_yours"
    assert (await svc.find_place(sdb, ani, eid))[0] == "not_yours"
    assert [e.status for e in await rows(sdb, cid)] == ["enrolled"]


async def test_listing_puts_her_interests_then_her_kecamatan_first(sdb: Database) -> None:
    await make_woman(sdb, 1, interests=["menjahit"], kecamatan_code="35.79.03")
    early = wib(2030, 12, 1)
    late = wib(2030, 12, 20)
    cooking_batu = await make_class(
        sdb,
        skill="memasak",
        kecamatan_code="35.79.01",
        sessions=[(early, early + timedelta(hours=2))],
    )
    batik_junrejo = await make_class(
        sdb, skill="membatik", sessions=[(early, early + timedelta(hours=2))]
    )
    sewing_bumiaji = await make_class(
        sdb, kecamatan_code="35.79.02", sessions=[(late, late + timedelta(hours=2))]
    )
    sewing_junrejo = await make_class(sdb, sessions=[(late, late + timedelta(hours=2))])
    await make_class(sdb, deadline=wib(2030, 10, 1))  # closed: not listed
    await make_class(sdb, status="cancelled")  # not listed

    listing = await svc.list_open(sdb, 1, now=NOW)
    assert [c.id for c in listing.cards] == [
        sewing_junrejo,
        sewing_bumiaji,
        batik_junrejo,
        cooking_batu,
    ]
    assert listing.standing is Standing.ELIGIBLE


async def test_capacity_count_matches_rows_after_a_busy_mix(sdb: Database) -> None:
    """Enrol, cancel, take and let go in any mix: ``taken`` always equals the
    enrolled plus offered rows, and never exceeds capacity."""
    settings = make_settings("sqlite+aiosqlite://")
    cid = await make_class(sdb, capacity=3)
    ids = await women(sdb, 8)
    places = await asyncio.gather(*(svc.enrol(sdb, uid, cid, now=NOW) for uid in ids))
    by_user = {uid: p.enrolment_id for uid, p in zip(ids, places, strict=True)}
    await asyncio.gather(
        *(svc.cancel(sdb, settings, uid, by_user[uid], now=NOW) for uid in ids[:4])  # type: ignore[arg-type]
    )
    for e in await rows(sdb, cid):
        if e.status == "offered":
            await svc.take_offer(sdb, settings, e.user_id, e.id, now=NOW)
    async with sdb.sessions() as s:
        holding = await s.scalar(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.class_id == cid, Enrolment.status.in_(["enrolled", "offered"]))
        )
    assert holding == await taken(sdb, cid) <= 3


async def test_raising_capacity_offers_the_new_seats_to_those_waiting(sdb: Database) -> None:
    settings = make_settings("sqlite+aiosqlite://")
    cid = await make_class(sdb, capacity=1)
    for uid in await women(sdb, 3):
        await svc.enrol(sdb, uid, cid, now=NOW)
    async with sdb.transaction() as s:
        cls = await s.get(TrainingClass, cid)
        assert cls is not None
        cls.capacity = 5
        await s.flush()
        offered = await svc.offer_free_seats(s, settings, cid, now=NOW)
    assert len(offered) == 2
    assert [e.status for e in await rows(sdb, cid)] == ["enrolled", "offered", "offered"]
    assert await taken(sdb, cid) == 3  # the two held seats count; two stay free
