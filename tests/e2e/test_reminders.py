"""Session reminders through the real bot over HTTP: a reminder firing seconds
before a session, her "Hadir" reaching /peserta, quiet hours holding a message,
a restart in the middle of dispatch, and two dispatchers on one PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from telegram.ext import Application

from bot import build_application
from tests.conftest import make_settings
from tests.e2e.conftest import RunningBot, bot_settings
from tests.factories import make_class, make_woman
from wrse_bot.db.engine import Database
from wrse_bot.db.models import OutboxMessage, SessionRsvp
from wrse_bot.devtools.emulator import BotApiEmulator, BotMessage, FakeUser
from wrse_bot.domain.timing import WIB, QuietHours
from wrse_bot.runtime import Runtime
from wrse_bot.scheduler import Dispatcher, dispatch_once
from wrse_bot.services import classes
from wrse_bot.telegram.sender import Sender

FAST = {"dispatch_interval_seconds": 0.2}
OFFICER = 4900
REMINDER = "Pengingat kelas"


def db_of(app: Application) -> Database:  # type: ignore[type-arg]
    return app.bot_data.runtime.db


def is_reminder(message: BotMessage) -> bool:
    return message.text.startswith(REMINDER)


async def replies(user: FakeUser, n: int, timeout: float = 5.0) -> list[BotMessage]:  # noqa: ASYNC109
    return [await user.reply(timeout) for _ in range(n)]


async def reminder_rows(db: Database) -> list[OutboxMessage]:
    async with db.sessions() as s:
        return list(
            await s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "reminder")
                .order_by(OutboxMessage.due_at)
            )
        )


async def test_a_reminder_fires_seconds_before_the_session_and_her_answer_reaches_peserta(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    settings = {**FAST, "reminder_before_seconds": [3], "admin_ids": frozenset({OFFICER})}
    async with start_bot(**settings) as app:
        db = db_of(app)
        soon = datetime.now(UTC) + timedelta(seconds=8)
        await make_class(
            db,
            title="Kue Kering Kilat",
            skill="memasak",
            place="Balai Desa Beji",
            sessions=[(soon, soon + timedelta(hours=2))],
            deadline=soon - timedelta(seconds=2),
        )
        await make_woman(db, 2001)
        siti = emulator.user(2001)
        listing = await siti.ask("/kelas")
        (label,) = [b for b in listing.button_labels if b.endswith("Kue Kering Kilat")]
        await siti.tap(label)
        await siti.tap("Ikut kelas ini")
        await siti.press("Ya, daftar")

        # Her enrolment is confirmed. The day-before moment had passed, so that one
        # reminder comes at once (in either order with the confirmation) ...
        first_two = await replies(siti, 2)
        assert sum(is_reminder(m) for m in first_two) == 1
        # ... and the one 3 seconds before the session fires on time.
        reminder = await siti.reply(timeout=10)
        assert is_reminder(reminder), reminder
        assert "Kue Kering Kilat" in reminder.text and "Balai Desa Beji" in reminder.text
        assert "WIB" in reminder.text and "Apakah Ibu bisa hadir?" in reminder.text
        assert reminder.button_labels == ["✅ Hadir", "Tidak bisa hadir"]
        arrived = datetime.now(UTC)
        rows = await reminder_rows(db)
        assert rows[-1].due_at == soon - timedelta(seconds=3) <= arrived < soon

        thanks = await siti.tap("✅ Hadir", message=reminder)
        assert thanks.plain_text.startswith("Terima kasih, Ibu. Kami catat Ibu akan hadir")
        assert [r.status for r in await reminder_rows(db)] == ["sent", "sent"]
        async with db.sessions() as s:
            assert (await s.scalar(select(SessionRsvp.coming))) is True

        officer = emulator.user(OFFICER)
        pick = await officer.ask("/peserta")
        (title,) = [b for b in pick.button_labels if "Kue Kering Kilat" in b]
        roster = await officer.tap(title)
        assert "1. Siti Aminah" in roster.plain_text and "✅ Hadir" in roster.plain_text


async def test_a_forged_answer_button_is_refused_and_changes_nothing(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(**FAST) as app:
        await make_woman(db_of(app), 2002)
        ani = emulator.user(2002)
        start = await ani.ask("/start")
        for forged in ("rv:999:1:y", "rv:1:1:maybe"):
            await ani.press_data(forged, start.message_id)
            answer = await ani.callback_answer()
            assert answer.text == "Tombol ini sudah tidak berlaku." and answer.show_alert
        async with db_of(app).sessions() as s:
            assert await s.scalar(select(func.count()).select_from(SessionRsvp)) == 0


async def test_quiet_hours_hold_a_message_until_they_end(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    # Quiet hours that began an hour ago and end 4 seconds from now.
    local = datetime.now(WIB)
    quiet = QuietHours(
        start=(local - timedelta(hours=1)).time().replace(microsecond=0),
        end=(local + timedelta(seconds=4)).time().replace(microsecond=0),
    )
    async with start_bot(**FAST, quiet_start=quiet.start, quiet_end=quiet.end) as app:
        runtime = app.bot_data.runtime
        await make_woman(runtime.db, 2003)
        dewi = emulator.user(2003)
        async with runtime.db.transaction() as s:
            s.add(OutboxMessage(kind="notice", user_id=2003, text="Kelas besok dimulai pukul 9."))

        await dispatch_once(runtime, app.bot)  # (or the bot's own tick got there first)

        async with runtime.db.sessions() as s:
            row = await s.scalar(select(OutboxMessage))
        morning = quiet.next_allowed(datetime.now(UTC))
        assert row is not None and row.status == "pending"
        assert row.due_at == morning  # held until quiet hours end
        await dewi.no_reply(within=1.0)

        message = await dewi.reply(timeout=10)
        assert message.text == "Kelas besok dimulai pukul 9."
        assert datetime.now(UTC) >= morning  # sent once quiet hours were over


async def many_due_reminders(database_url: str, women: range) -> int:
    """Every woman in ``women`` enrolled a while ago in a class that begins in 30
    minutes; her reminder an hour before is overdue and goes out at once."""
    runtime = Runtime.build(make_settings(database_url, reminder_before_seconds=[3600]))
    try:
        soon = datetime.now(UTC) + timedelta(minutes=30)
        cid = await make_class(
            runtime.db,
            capacity=len(women),
            sessions=[(soon, soon + timedelta(hours=2))],
            deadline=soon - timedelta(minutes=5),
        )
        for uid in women:
            await make_woman(runtime.db, uid)
            result = await classes.enrol(runtime.db, uid, cid, settings=runtime.settings)
            assert result.outcome == "enrolled"
        rows = await reminder_rows(runtime.db)
        assert len(rows) == len(women) and {r.status for r in rows} == {"pending"}
        return cid
    finally:
        await runtime.db.dispose()


async def test_a_restart_in_the_middle_of_dispatch_loses_and_duplicates_nothing(
    emulator: BotApiEmulator, start_bot: RunningBot, sqlite_url: str
) -> None:
    women = range(3001, 3061)
    for uid in women:
        emulator.user(uid)
    await many_due_reminders(sqlite_url, women)
    seen = 0

    async def delivered(count: int) -> None:
        nonlocal seen
        while seen < count:
            pos, _ = await emulator.wait_sent(is_reminder, after=seen, timeout=15)
            seen = pos + 1

    async with start_bot(**FAST):
        await delivered(10)  # stopped while the rest are still being sent
    first_run = sum(is_reminder(m) for m in emulator.sent)
    assert 10 <= first_run < len(women)

    async with start_bot(**FAST):
        while sum(is_reminder(m) for m in emulator.sent) < len(women):
            await emulator.wait_sent(is_reminder, after=len(emulator.sent), timeout=15)

    per_chat = Counter(m.chat_id for m in emulator.sent if is_reminder(m))
    assert sorted(per_chat) == list(women) and set(per_chat.values()) == {1}
    db = Database(sqlite_url)  # the bot has stopped: every send it made is recorded
    try:
        assert {r.status for r in await reminder_rows(db)} == {"sent"}
    finally:
        await db.dispose()


async def test_two_dispatchers_on_postgresql_send_each_reminder_exactly_once(
    emulator: BotApiEmulator, pg_url: str
) -> None:
    women = range(3101, 3221)
    for uid in women:
        emulator.user(uid)
    await many_due_reminders(pg_url, women)
    # Two processes: each its own Application, Bot and connection pool, one database.
    apps = [
        build_application(
            Runtime.build(bot_settings(pg_url, emulator, send_rate=0, dispatch_batch_size=10))
        )
        for _ in range(2)
    ]
    for app in apps:
        await app.bot.initialize()
    try:
        dispatchers = [
            Dispatcher(
                app.bot_data.runtime,
                app.bot,
                sender=Sender(app.bot),
            )
            for app in apps
        ]
        a, b = await asyncio.gather(*(d.run() for d in dispatchers))
    finally:
        for app in apps:
            await app.bot.shutdown()
            await app.bot_data.runtime.db.dispose()

    per_chat = Counter(m.chat_id for m in emulator.sent if is_reminder(m))
    assert sorted(per_chat) == list(women) and set(per_chat.values()) == {1}
    assert a.sent + b.sent == len(women) and a.sent > 0 and b.sent > 0
