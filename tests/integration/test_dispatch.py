"""The outbox dispatcher against real databases (SQLite and PostgreSQL), with a
stub Bot that records what it was asked to send and answers like Telegram
(403, 400, 429, network trouble) when told to."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from tests.conftest import make_settings
from wrse_bot.clock import now
from wrse_bot.db.models import (
    Broadcast,
    Enrolment,
    OutboxMessage,
    Registrant,
    RoleGrant,
    TrainingClass,
    User,
)
from wrse_bot.forms.engine import Answer
from wrse_bot.forms.model import REVIEW
from wrse_bot.runtime import Runtime
from wrse_bot.scheduler import Dispatcher, dispatch_once
from wrse_bot.services import dispatch
from wrse_bot.services.broadcast import Audience, recipients_query, track_progress
from wrse_bot.services.forms import Status
from wrse_bot.services.outbox import enqueue
from wrse_bot.telegram.sender import Sender


class StubBot:
    """Records sends; ``fail[chat_id]``: exceptions raised, one per attempt, in turn."""

    def __init__(self, delay: float = 0.0) -> None:
        self.sent: list[tuple[int, str]] = []
        self.calls: list[dict[str, Any]] = []
        self.edits: list[tuple[int, int, str]] = []
        self.fail: dict[int, list[Exception]] = {}
        self.delay = delay

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        errors = self.fail.get(chat_id)
        if errors:
            raise errors.pop(0)
        self.sent.append((chat_id, text))
        self.calls.append({"chat_id": chat_id, "text": text, **kwargs})

    async def edit_message_text(self, text: str, *, chat_id: int, message_id: int) -> None:
        self.edits.append((chat_id, message_id, text))


def fast(bot: StubBot) -> Sender:
    """The real sender; the stub bot has no rate limiter, so nothing waits."""
    return Sender(bot)  # type: ignore[arg-type]


@pytest.fixture
async def runtime(db_url: str) -> AsyncIterator[Runtime]:
    rt = Runtime.build(make_settings(db_url, dispatch_batch_size=10, dispatch_max_attempts=3))
    yield rt
    await rt.db.dispose()


async def add_rows(rt: Runtime, n: int, *, first_user: int = 5000, **kwargs: Any) -> None:
    async with rt.db.transaction() as s:
        for i in range(n):
            await enqueue(s, user_id=first_user + i, text=f"Halo {i}", kind="notice", **kwargs)


async def rows(rt: Runtime) -> list[OutboxMessage]:
    async with rt.db.sessions() as s:
        return list((await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def make_due_now(rt: Runtime) -> None:
    """As if the backoff had passed."""
    async with rt.db.transaction() as s:
        await s.execute(update(OutboxMessage).values(due_at=now() - timedelta(seconds=1)))


# ---- claiming and marking -----------------------------------------------------------


async def test_due_rows_are_sent_once_and_marked_sent(runtime: Runtime) -> None:
    await add_rows(runtime, 25)
    bot = StubBot()

    stats = await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]

    assert stats.sent == 25  # three batches of 10 in one drain
    assert sorted(chat for chat, _ in bot.sent) == list(range(5000, 5025))
    assert all(r.status == "sent" and r.sent_at is not None for r in await rows(runtime))
    assert all(r.claimed_until is None for r in await rows(runtime))

    again = await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    assert again.sent == 0 and len(bot.sent) == 25


async def test_a_row_not_yet_due_waits(runtime: Runtime) -> None:
    await add_rows(runtime, 1, due_at=now() + timedelta(hours=1))
    bot = StubBot()
    await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    assert bot.sent == []
    assert (await rows(runtime))[0].status == "pending"


async def test_a_row_is_marked_sent_exactly_once(runtime: Runtime) -> None:
    await add_rows(runtime, 1)
    row = (await rows(runtime))[0]
    assert await dispatch.mark_sent(runtime.db, row.id) is True
    assert await dispatch.mark_sent(runtime.db, row.id) is False
    assert await dispatch.mark_failed(runtime.db, row.id, "late") is False
    assert (await rows(runtime))[0].status == "sent"


async def test_a_claimed_row_is_not_claimed_again_while_its_lease_holds(runtime: Runtime) -> None:
    await add_rows(runtime, 3)
    first = await dispatch.claim_batch(runtime.db, 10)
    second = await dispatch.claim_batch(runtime.db, 10)
    assert len(first.to_send) == 3 and second.to_send == []

    # A dispatcher that died holding them: once the lease runs out they are due again.
    async with runtime.db.transaction() as s:
        await s.execute(update(OutboxMessage).values(claimed_until=now() - timedelta(seconds=1)))
    assert len((await dispatch.claim_batch(runtime.db, 10)).to_send) == 3


async def test_two_dispatchers_racing_send_every_row_exactly_once(
    db_url: str, runtime: Runtime
) -> None:
    await add_rows(runtime, 200)
    # A second process: its own engine and connection pool on the same database.
    other = Runtime.build(runtime.settings)
    assert other.db is not runtime.db
    bot_a, bot_b = StubBot(delay=0.002), StubBot(delay=0.002)
    try:
        a, b = await asyncio.gather(
            dispatch_once(runtime, bot_a, sender=fast(bot_a)),  # type: ignore[arg-type]
            dispatch_once(other, bot_b, sender=fast(bot_b)),  # type: ignore[arg-type]
        )
    finally:
        await other.db.dispose()

    per_chat = Counter(chat for chat, _ in bot_a.sent + bot_b.sent)
    assert sorted(per_chat) == list(range(5000, 5200))
    assert set(per_chat.values()) == {1}
    assert a.sent + b.sent == 200
    assert a.sent > 0 and b.sent > 0  # both really worked
    assert {r.status for r in await rows(runtime)} == {"sent"}


# ---- what is not sent, and why ------------------------------------------------------


async def test_an_expired_row_is_skipped_with_its_reason(runtime: Runtime) -> None:
    await add_rows(runtime, 1, expires_at=now() - timedelta(minutes=1))
    bot = StubBot()
    stats = await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    row = (await rows(runtime))[0]
    assert bot.sent == [] and stats.skipped == 1
    assert row.status == "skipped" and row.last_error == dispatch.EXPIRED_REASON


async def test_network_trouble_retries_with_growing_backoff_then_fails(runtime: Runtime) -> None:
    await add_rows(runtime, 1)
    bot = StubBot()
    bot.fail[5000] = [NetworkError("connection reset")]

    await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    row = (await rows(runtime))[0]
    assert row.status == "pending" and row.attempts == 1
    assert "connection reset" in row.last_error
    assert timedelta(seconds=4) < row.due_at - now() <= dispatch.BACKOFF_BASE

    await make_due_now(runtime)
    bot.fail[5000] = [TimedOut()]
    await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    row = (await rows(runtime))[0]
    assert row.status == "pending" and row.attempts == 2
    assert timedelta(seconds=9) < row.due_at - now() <= 2 * dispatch.BACKOFF_BASE

    await make_due_now(runtime)  # the third attempt is the last (dispatch_max_attempts=3)
    bot.fail[5000] = [NetworkError("connection reset")]
    await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    row = (await rows(runtime))[0]
    assert row.status == "failed" and row.attempts == 3
    assert "gave up after 3 attempts" in row.last_error
    assert bot.sent == []


async def test_a_403_marks_her_unreachable_and_later_sends_skip_her(runtime: Runtime) -> None:
    async with runtime.db.transaction() as s:
        s.add(User(id=5000))
    await add_rows(runtime, 1)
    bot = StubBot()
    bot.fail[5000] = [Forbidden("Forbidden: bot was blocked by the user")]

    stats = await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    assert stats.blocked == 1
    row = (await rows(runtime))[0]
    assert row.status == "blocked" and "blocked by the user" in row.last_error
    async with runtime.db.sessions() as s:
        assert (await s.get(User, 5000)).unreachable is True

    await add_rows(runtime, 1)
    await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    later = (await rows(runtime))[1]
    assert later.status == "blocked" and later.last_error == dispatch.UNREACHABLE_REASON
    assert bot.sent == []  # not even tried


async def test_a_400_fails_the_row_and_keeps_the_error(runtime: Runtime) -> None:
    await add_rows(runtime, 2)
    bot = StubBot()
    bot.fail[5000] = [BadRequest("Message text is empty")]
    stats = await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    first, second = await rows(runtime)
    assert stats.failed == 1 and stats.sent == 1
    assert first.status == "failed" and "Message text is empty" in first.last_error
    assert second.status == "sent"


async def test_a_429_that_outlasts_the_rate_limiter_loses_nothing(runtime: Runtime) -> None:
    await add_rows(runtime, 1)
    bot = StubBot()
    bot.fail[5000] = [RetryAfter(1)]

    stats = await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    row = (await rows(runtime))[0]
    assert stats.deferred == 1
    assert row.status == "pending" and row.attempts == 0  # Telegram's pace, not her failure
    assert row.due_at > now()

    await make_due_now(runtime)
    await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    assert (await rows(runtime))[0].status == "sent" and len(bot.sent) == 1


async def test_keyboard_and_parse_mode_reach_telegram(runtime: Runtime) -> None:
    markup = {"inline_keyboard": [[{"text": "Ambil", "callback_data": "x:1"}]]}
    async with runtime.db.transaction() as s:
        await enqueue(
            s, user_id=5000, text="<b>Kursi</b>", kind="notice", reply_markup=markup,
            parse_mode="HTML",
        )  # fmt: skip
    bot = StubBot()
    await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    call = bot.calls[0]
    assert call["parse_mode"] == "HTML"
    assert isinstance(call["reply_markup"], InlineKeyboardMarkup)
    assert call["reply_markup"].to_dict() == markup


async def test_a_stopping_dispatcher_gives_back_what_it_did_not_send(runtime: Runtime) -> None:
    await add_rows(runtime, 5)
    bot = StubBot()
    dispatcher = Dispatcher(
        runtime,
        bot,  # type: ignore[arg-type]
        sender=fast(bot),
        stopping=lambda: len(bot.sent) >= 2,
    )
    stats = await dispatcher.run()
    assert stats.sent == 2 and stats.released == 3
    left = [r for r in await rows(runtime) if r.status == "pending"]
    assert len(left) == 3 and all(r.claimed_until is None for r in left)  # due again at once

    await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    assert sorted(c for c, _ in bot.sent) == list(range(5000, 5005))


# ---- broadcasts: progress and the final report --------------------------------------


async def test_a_finished_broadcast_edits_its_progress_and_reports_once(runtime: Runtime) -> None:
    async with runtime.db.transaction() as s:
        b = Broadcast(
            created_by=42,
            audience={"kind": "all"},
            text="Kelas menjahit dibuka",
            total=3,
            progress_chat_id=42,
            progress_message_id=7,
        )
        s.add(b)
        await s.flush()
        for uid in (5000, 5001, 5002):
            await enqueue(
                s, user_id=uid, text=b.text, kind="broadcast", broadcast_id=b.id,
                dedupe_key=f"broadcast:{b.id}:{uid}",
            )  # fmt: skip
    bot = StubBot()
    bot.fail[5002] = [Forbidden("Forbidden: bot was blocked by the user")]

    await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]

    async with runtime.db.sessions() as s:
        done = await s.get(Broadcast, b.id)
    assert done.status == "done" and done.finished_at is not None
    assert bot.edits[-1][:2] == (42, 7)
    assert "Terkirim 2 / 3" in bot.edits[-1][2]
    report = [text for chat, text in bot.sent if chat == 42]
    assert len(report) == 1
    assert "Terkirim: 2" in report[0] and "Memblokir bot: 1" in report[0]

    await dispatch_once(runtime, bot, sender=fast(bot))  # type: ignore[arg-type]
    assert len([1 for chat, _ in bot.sent if chat == 42]) == 1


# ---- queuing a broadcast: audiences on both databases -------------------------------


async def seed_women(rt: Runtime) -> None:
    """Five women: who is in which audience is the point of the tests below."""
    women = [
        # id, kecamatan, interests, verdict, announcements, unreachable
        (6001, "35.79.03", ["menjahit", "kue_kering"], "eligible", True, False),
        (6002, "35.79.03", ["memasak"], "eligible", True, False),
        (6003, "35.79.02", ["kue_kering"], "eligible", False, False),  # /berhenti
        (6004, "35.79.02", ["menjahit"], "eligible", True, True),  # blocked the bot
        (6005, "35.79.03", ["menjahit"], "needs_review", True, False),
    ]
    async with rt.db.transaction() as s:
        s.add_all(User(id=w[0], announcements=w[4], unreachable=w[5]) for w in women)
        await s.flush()
        s.add_all(
            Registrant(
                user_id=uid, status="active", verdict=verdict, kecamatan_code=kec,
                interests=interests,
            )
            for uid, kec, interests, verdict, _, _ in women
        )  # fmt: skip
        cls = TrainingClass(
            skill="menjahit", title="Menjahit Dasar", place="Balai Desa Beji",
            kecamatan_code="35.79.03", trainer="Bu Rina", capacity=2,
            enrol_deadline=now() + timedelta(days=3),
        )  # fmt: skip
        s.add(cls)
        await s.flush()
        s.add_all(
            [
                Enrolment(class_id=cls.id, user_id=6003, status="enrolled"),
                Enrolment(class_id=cls.id, user_id=6004, status="enrolled"),
                Enrolment(class_id=cls.id, user_id=6001, status="enrolled"),
                Enrolment(class_id=cls.id, user_id=6002, status="waitlisted"),
                Enrolment(class_id=cls.id, user_id=6005, status="cancelled"),
            ]
        )


async def audience_ids(rt: Runtime, audience: Audience) -> set[int]:
    async with rt.db.sessions() as s:
        return set((await s.scalars(recipients_query(audience))).all())


async def test_each_audience_reaches_exactly_whom_it_says(runtime: Runtime) -> None:
    await seed_women(runtime)
    class_id = 1
    assert await audience_ids(runtime, Audience("all")) == {6001, 6002}
    assert await audience_ids(runtime, Audience("kecamatan", "35.79.03")) == {6001, 6002}
    assert await audience_ids(runtime, Audience("kecamatan", "35.79.02")) == set()
    assert await audience_ids(runtime, Audience("interest", "kue_kering")) == {6001}
    assert await audience_ids(runtime, Audience("interest", "memasak")) == {6002}
    # Her own class reaches her after /berhenti too; not once she blocked the bot.
    assert await audience_ids(runtime, Audience("enrolled", class_id)) == {6001, 6003}
    assert await audience_ids(runtime, Audience("waitlisted", class_id)) == {6002}


async def test_sending_queues_one_row_per_woman_once(runtime: Runtime) -> None:
    await seed_women(runtime)
    async with runtime.db.transaction() as s:
        s.add(RoleGrant(user_id=42, role="staff", granted_by=1))
    forms = runtime.forms  # the real path: the form, its preview, then "Kirim"
    view = await forms.open(42, "broadcast", update_id=770)
    for code in ("enr", "c1"):
        view = await forms.handle(42, None, Answer("choice", code, view.rev))
    view = await forms.handle(42, None, Answer("text", "Bawa gunting"))
    assert view.step == REVIEW and view.state.answers["_count"] == 2

    done = await forms.handle(42, 777, Answer("choice", "submit", view.rev))
    again = await forms.handle(42, 777, Answer("choice", "submit", view.rev))
    (sent,) = done.notices
    await track_progress(runtime.db, sent.broadcast_id, 42, 9)

    assert sent.status == "sent" and sent.total == 2 and again.status == Status.NONE
    queued = await rows(runtime)
    assert sorted(r.user_id for r in queued) == [6001, 6003]
    assert {r.dedupe_key for r in queued} == {
        f"broadcast:{sent.broadcast_id}:6001",
        f"broadcast:{sent.broadcast_id}:6003",
    }
    assert all(r.kind == "broadcast" and r.class_id == 1 for r in queued)
    assert all(r.status == "pending" for r in queued)
    # Framed: the sender first, the class it is about last (/berhenti does not stop it).
    assert all(
        r.text.startswith("📢 Pengumuman Dinas Sosial Kota Batu\n\nBawa gunting\n\n")
        for r in queued
    )
    async with runtime.db.sessions() as s:
        b = await s.get(Broadcast, sent.broadcast_id)
        assert b.total == 2 and b.status == "sending" and b.progress_message_id == 9
        assert await forms.active(42) is None
