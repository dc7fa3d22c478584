"""Session reminders against real databases (SQLite and PostgreSQL): what
enrolment queues, what cancelling and moving change, her answer, and how the
dispatcher treats reminders in quiet hours and after downtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import make_settings
from tests.factories import make_class, make_woman, wib
from tests.integration.test_dispatch import StubBot, fast
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ClassSession, OutboxMessage, Registrant
from wrse_bot.domain.schedule import Span
from wrse_bot.domain.timing import QuietHours
from wrse_bot.runtime import Runtime
from wrse_bot.scheduler import dispatch_once
from wrse_bot.services import classes, dispatch, reminders
from wrse_bot.services.class_changes import (
    ClassChange,
    cancel_class,
    edit_class,
    reschedule_session,
)
from wrse_bot.services.class_views import roster

NOW = wib(2030, 11, 20, 10)  # well before the default sessions (3 and 5 December 2030)
TUE, THU = wib(2030, 12, 3, 9), wib(2030, 12, 5, 9)
QUIET = QuietHours()  # 20.00-07.00 WIB


@pytest.fixture
async def runtime(db_url: str) -> AsyncIterator[Runtime]:
    rt = Runtime.build(make_settings(db_url))
    yield rt
    await rt.db.dispose()


@pytest.fixture
def db(runtime: Runtime) -> Database:
    return runtime.db


@pytest.fixture
def settings(runtime: Runtime) -> Settings:
    return runtime.settings


async def enrolled(
    db: Database, settings: Settings, uid: int, cid: int, now: datetime = NOW
) -> int:
    if not await _has_woman(db, uid):
        await make_woman(db, uid)
    result = await classes.enrol(db, uid, cid, now=now, settings=settings)
    assert result.outcome in ("enrolled", "waitlisted"), result
    assert result.enrolment_id is not None
    return result.enrolment_id


async def _has_woman(db: Database, uid: int) -> bool:
    async with db.sessions() as s:
        return await s.scalar(select(Registrant.id).where(Registrant.user_id == uid)) is not None


async def outbox(db: Database, **where: object) -> list[OutboxMessage]:
    async with db.sessions() as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.due_at, OutboxMessage.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(OutboxMessage, name) == value)
        return list(await s.scalars(stmt))


async def pending_reminders(db: Database, uid: int | None = None) -> list[OutboxMessage]:
    rows = await outbox(db, kind="reminder", status="pending")
    return [r for r in rows if uid is None or r.user_id == uid]


async def session_ids(db: Database, cid: int) -> list[int]:
    async with db.sessions() as s:
        return list(
            await s.scalars(
                select(ClassSession.id)
                .where(ClassSession.class_id == cid)
                .order_by(ClassSession.starts_at)
            )
        )


# ---- what enrolment queues -------------------------------------------------------------


async def test_enrolment_queues_the_day_before_at_four_and_two_hours_before_each_session(
    db: Database, settings: Settings
) -> None:
    cid = await make_class(db, title="Menjahit Dasar", place="Balai Desa Beji")
    eid = await enrolled(db, settings, 7001, cid)
    tue, thu = await session_ids(db, cid)

    rows = await pending_reminders(db)

    assert [r.due_at for r in rows] == [
        wib(2030, 12, 2, 16),
        wib(2030, 12, 3, 7),
        wib(2030, 12, 4, 16),
        wib(2030, 12, 5, 7),
    ]
    assert [r.expires_at for r in rows] == [TUE, TUE, THU, THU]  # never after the session
    assert [r.session_id for r in rows] == [tue, tue, thu, thu]
    assert {r.class_id for r in rows} == {cid} and {r.user_id for r in rows} == {7001}
    assert rows[0].dedupe_key == f"reminder:{eid}:{tue}:20301202T090000Z"
    first = rows[0]
    assert "Menjahit Dasar" in first.text and "Balai Desa Beji" in first.text
    assert "Selasa, 3 Desember 2030, 09.00–12.00 WIB" in first.text
    buttons = first.reply_markup["inline_keyboard"][0]  # type: ignore[index]
    assert [b["text"] for b in buttons] == ["✅ Hadir", "Tidak bisa hadir"]
    assert [b["callback_data"] for b in buttons] == [f"rv:{eid}:{tue}:y", f"rv:{eid}:{tue}:n"]


async def test_offsets_come_from_settings_in_seconds(db: Database, runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"reminder_before_seconds": [30, 5]})
    cid = await make_class(db, sessions=[(TUE, TUE + timedelta(hours=3))])
    await enrolled(db, settings, 7001, cid)
    due = [r.due_at for r in await pending_reminders(db)]
    assert due == [wib(2030, 12, 2, 16), TUE - timedelta(seconds=30), TUE - timedelta(seconds=5)]


async def test_enrolling_late_sends_only_the_nearest_passed_reminder_at_once(
    db: Database, settings: Settings
) -> None:
    cid = await make_class(db, sessions=[(TUE, TUE + timedelta(hours=3))], deadline=TUE)
    late = wib(2030, 12, 3, 7, 30)  # after 16.00 the day before and after 07.00
    await enrolled(db, settings, 7001, cid, now=late)
    rows = await pending_reminders(db)
    assert [r.due_at for r in rows] == [late]  # one, not one per passed moment
    assert rows[0].expires_at == TUE


async def test_a_waitlisted_woman_gets_no_reminder_until_she_takes_the_seat(
    db: Database, settings: Settings
) -> None:
    cid = await make_class(db, capacity=1)
    siti = await enrolled(db, settings, 7001, cid)
    ani = await enrolled(db, settings, 7002, cid)
    assert await pending_reminders(db, 7002) == []

    await classes.cancel(db, settings, 7001, siti, now=NOW)  # the seat is offered to Ani
    assert await pending_reminders(db, 7002) == []
    taken = await classes.take_offer(db, settings, 7002, ani, now=NOW)

    assert taken.outcome == "taken"
    assert len(await pending_reminders(db, 7002)) == 4


# ---- cancelling and moving ---------------------------------------------------------------


async def test_cancelling_withdraws_her_pending_reminders_with_the_reason(
    db: Database, settings: Settings
) -> None:
    cid = await make_class(db)
    eid = await enrolled(db, settings, 7001, cid)
    await enrolled(db, settings, 7002, cid)
    sent = (await pending_reminders(db, 7001))[0]
    assert await dispatch.mark_sent(db, sent.id)

    await classes.cancel(db, settings, 7001, eid, now=NOW)

    assert await pending_reminders(db, 7001) == []
    hers = await outbox(db, kind="reminder", user_id=7001)
    assert [r.status for r in hers] == ["sent", "cancelled", "cancelled", "cancelled"]
    assert {r.last_error for r in hers[1:]} == {reminders.CANCELLED_ENROLMENT}
    assert len(await pending_reminders(db, 7002)) == 4  # the others keep theirs


async def test_coming_back_after_cancelling_plans_her_reminders_again(
    db: Database, settings: Settings
) -> None:
    cid = await make_class(db)
    eid = await enrolled(db, settings, 7001, cid)
    await classes.cancel(db, settings, 7001, eid, now=NOW)
    await enrolled(db, settings, 7001, cid)
    assert len(await pending_reminders(db, 7001)) == 4


async def test_losing_an_offered_seat_leaves_no_reminder_behind(
    db: Database, settings: Settings
) -> None:
    cid = await make_class(db, capacity=1)
    first = await enrolled(db, settings, 7001, cid)
    await enrolled(db, settings, 7002, cid)
    await classes.cancel(db, settings, 7001, first, now=NOW)
    await classes.expire_holds(db, settings, NOW + timedelta(days=2))  # Ani let it lapse
    assert await pending_reminders(db) == []


async def test_a_cancelled_class_withdraws_every_reminder(db: Database, settings: Settings) -> None:
    cid = await make_class(db)
    await enrolled(db, settings, 7001, cid)
    await enrolled(db, settings, 7002, cid)
    async with db.transaction() as s:
        await cancel_class(s, cid, actor_id=1)
    assert await pending_reminders(db) == []
    assert {r.status for r in await outbox(db, kind="reminder")} == {"cancelled"}


async def test_moving_a_session_plans_its_reminders_from_the_new_time(
    db: Database, settings: Settings
) -> None:
    cid = await make_class(db)
    await enrolled(db, settings, 7001, cid)
    await enrolled(db, settings, 7002, cid)
    tue, thu = await session_ids(db, cid)
    new_start = wib(2030, 12, 4, 13)

    async with db.transaction() as s:
        await reschedule_session(
            s,
            tue,
            Span(new_start, new_start + timedelta(hours=3)),
            actor_id=1,
            now=NOW,
            settings=settings,
        )

    moved = [r for r in await pending_reminders(db) if r.session_id == tue]
    assert sorted({r.due_at for r in moved}) == [wib(2030, 12, 3, 16), wib(2030, 12, 4, 11)]
    assert {r.expires_at for r in moved} == {new_start} and len(moved) == 4
    assert "Rabu, 4 Desember 2030, 13.00–16.00 WIB" in moved[0].text
    old = [r for r in await outbox(db, session_id=tue) if r.kind == "reminder"]
    withdrawn = [r for r in old if r.status == "cancelled"]
    assert len(withdrawn) == 4 and {r.last_error for r in withdrawn} == {reminders.MOVED_SESSION}
    untouched = [r for r in await pending_reminders(db) if r.session_id == thu]
    assert len(untouched) == 4 and {r.due_at for r in untouched} == {
        wib(2030, 12, 4, 16),
        wib(2030, 12, 5, 7),
    }


async def test_a_new_place_rewrites_the_reminders_not_yet_sent(
    db: Database, settings: Settings
) -> None:
    cid = await make_class(db, place="Balai Desa Beji")
    await enrolled(db, settings, 7001, cid)
    first = (await pending_reminders(db))[0]
    assert await dispatch.mark_sent(db, first.id)

    async with db.transaction() as s:
        await edit_class(
            s, cid, ClassChange(place="Balai Kota Among Tani"), actor_id=1, settings=settings
        )

    rows = await pending_reminders(db)
    assert len(rows) == 3  # the one already sent is not sent again
    assert all("Balai Kota Among Tani" in r.text for r in rows)


# ---- her answer ----------------------------------------------------------------------------


async def test_her_answer_is_recorded_can_change_and_shows_in_the_roster(
    db: Database, settings: Settings
) -> None:
    cid = await make_class(db)
    eid = await enrolled(db, settings, 7001, cid)
    tue, thu = await session_ids(db, cid)

    first = await reminders.answer(db, 7001, eid, tue, True, update_id=1, now=NOW)
    again = await reminders.answer(db, 7001, eid, tue, True, update_id=1, now=NOW)
    changed = await reminders.answer(db, 7001, eid, thu, True, now=NOW)
    changed = await reminders.answer(db, 7001, eid, thu, False, now=NOW)

    assert first.outcome == "recorded" and first.coming is True and first.title
    assert again.outcome == "duplicate_update"
    assert changed.outcome == "recorded" and changed.coming is False
    async with db.transaction() as s:
        seen = await roster(s, cid, actor_id=1)
    assert seen is not None
    assert seen.groups["enrolled"][0].rsvps == ((TUE, True), (THU, False))


async def test_a_forged_or_late_answer_changes_nothing(db: Database, settings: Settings) -> None:
    cid = await make_class(db)
    other = await make_class(db, title="Batik Tulis", skill="membatik")
    eid = await enrolled(db, settings, 7001, cid)
    tue, _ = await session_ids(db, cid)
    (foreign,) = (await session_ids(db, other))[:1]

    assert (await reminders.answer(db, 7002, eid, tue, True, now=NOW)).outcome == "not_yours"
    assert (await reminders.answer(db, 7001, eid, foreign, True, now=NOW)).outcome == "not_found"
    assert (await reminders.answer(db, 7001, 999, tue, True, now=NOW)).outcome == "not_found"
    late = await reminders.answer(db, 7001, eid, tue, True, now=TUE)
    assert late.outcome == "started"
    await classes.cancel(db, settings, 7001, eid, now=NOW)
    gone = await reminders.answer(db, 7001, eid, tue, True, now=NOW)
    assert gone.outcome == "not_enrolled"
    async with db.transaction() as s:
        seen = await roster(s, cid, actor_id=1)
    assert seen is not None and all(not line.rsvps for g in seen.groups.values() for line in g)


def test_callback_data_is_parsed_strictly() -> None:
    assert reminders.parse_callback("rv:12:34:y") == (12, 34, True)
    assert reminders.parse_callback("rv:12:34:n") == (12, 34, False)
    for bad in ("rv:12:34", "rv:12:34:x", "rv:a:34:y", "rv:12:34:y:1", "k:12:34:y", ""):
        assert reminders.parse_callback(bad) is None


# ---- the dispatcher: quiet hours and downtime -------------------------------------------------


async def queue(db: Database, *, kind: str, due: datetime, expires: datetime | None) -> int:
    async with db.transaction() as s:
        row = OutboxMessage(
            kind=kind, user_id=7001, text=kind, due_at=due, expires_at=expires, status="pending"
        )
        s.add(row)
        await s.flush()
        return row.id


async def row(db: Database, row_id: int) -> OutboxMessage:
    async with db.sessions() as s:
        found = await s.get(OutboxMessage, row_id)
        assert found is not None
        return found


async def test_in_quiet_hours_a_due_message_waits_for_seven_in_the_morning(db: Database) -> None:
    night = wib(2030, 12, 2, 22)
    notice = await queue(db, kind="notice", due=night - timedelta(minutes=5), expires=None)
    reminder = await queue(
        db, kind="reminder", due=night - timedelta(minutes=1), expires=wib(2030, 12, 3, 9)
    )

    batch = await dispatch.claim_batch(db, 10, quiet=QUIET, at=night)

    assert batch.to_send == [] and batch.held == 2
    for rid in (notice, reminder):
        held = await row(db, rid)
        assert held.status == "pending" and held.due_at == wib(2030, 12, 3, 7)

    # Not seen again at night; claimed once the morning comes.
    later = await dispatch.claim_batch(db, 10, quiet=QUIET, at=night + timedelta(hours=1))
    assert later.held == 0 and later.to_send == []
    morning = await dispatch.claim_batch(db, 10, quiet=QUIET, at=wib(2030, 12, 3, 7, 0))
    assert sorted(c.id for c in morning.to_send) == sorted([notice, reminder])


async def test_in_quiet_hours_a_reminder_that_would_arrive_after_its_session_goes_now(
    db: Database,
) -> None:
    night = wib(2030, 12, 3, 4, 30)
    early = await queue(db, kind="reminder", due=night, expires=wib(2030, 12, 3, 6, 30))
    batch = await dispatch.claim_batch(db, 10, quiet=QUIET, at=night)
    assert [c.id for c in batch.to_send] == [early] and batch.held == 0


async def test_after_downtime_a_reminder_still_in_time_is_sent_late_and_a_stale_one_skipped(
    runtime: Runtime, db: Database, settings: Settings
) -> None:
    # She enrolled yesterday; the bot was down until now, past every reminder moment.
    # One session began 10 minutes ago, the other begins in 30 minutes.
    real_now = datetime.now(UTC)
    began, ahead = real_now - timedelta(minutes=10), real_now + timedelta(minutes=30)
    cid = await make_class(
        db,
        sessions=[(began, began + timedelta(hours=2)), (ahead, ahead + timedelta(hours=2))],
        deadline=real_now - timedelta(hours=20),
    )
    hourly = settings.model_copy(update={"reminder_before_seconds": [3600]})
    await enrolled(db, hourly, 7001, cid, now=real_now - timedelta(days=1))
    first, second = await session_ids(db, cid)
    bot = StubBot()

    stats = await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]

    stale = await outbox(db, kind="reminder", session_id=first)
    late = await outbox(db, kind="reminder", session_id=second)
    assert stale and {r.status for r in stale} == {"skipped"}
    assert {r.last_error for r in stale} == {dispatch.EXPIRED_REASON}  # the reason is kept
    assert late and {r.status for r in late} == {"sent"}
    assert stats.sent == len(late) == len(bot.sent) and stats.skipped == len(stale)
