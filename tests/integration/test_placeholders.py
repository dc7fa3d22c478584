"""A woman without Telegram owns a placeholder account until she links her own
(issue 11): the dispatcher never sends to it (her rows are diverted to her
companion's digest), and ``/start <code>`` moves, in one transaction, her
places, check-ins, waiting forms and undelivered messages onto her own account
and removes the placeholder. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import make_settings
from tests.factories import make_assisted_woman, make_class
from wrse_bot.clock import now
from wrse_bot.db.models import ActiveForm, CheckIn, Enrolment, OutboxMessage, Registrant, User
from wrse_bot.runtime import Runtime
from wrse_bot.scheduler import dispatch_once
from wrse_bot.services import classes
from wrse_bot.services.assisted import link_account
from wrse_bot.services.forms import offer
from wrse_bot.services.outbox import enqueue
from wrse_bot.telegram.sender import Sender

WATI, SARI = 9971, 9972
BEJI = "35.79.03.2002"


class StubBot:
    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> None:
        self.sent.append(chat_id)


@pytest.fixture
async def runtime(db_url: str) -> AsyncIterator[Runtime]:
    rt = Runtime.build(
        make_settings(
            db_url, reminder_before_seconds=[3600], quiet_start=time(0), quiet_end=time(0)
        )
    )
    yield rt
    await rt.db.dispose()


async def test_the_dispatcher_never_sends_to_a_placeholder_and_diverts_her_rows(
    runtime: Runtime,
) -> None:
    sari = await make_assisted_woman(runtime.db, WATI, BEJI)
    async with runtime.db.transaction() as s:
        await enqueue(s, user_id=-sari, text="Pengingat", kind="reminder")
        await enqueue(s, user_id=5001, text="Halo", kind="notice")
    bot = StubBot()
    stats = await dispatch_once(runtime, bot, sender=Sender(bot))  # type: ignore[arg-type]
    assert bot.sent == [5001]
    assert stats.diverted == 1
    async with runtime.db.sessions() as s:
        status = await s.scalar(select(OutboxMessage.status).where(OutboxMessage.user_id == -sari))
    assert status == "diverted"


async def test_linking_moves_everything_onto_her_own_account_in_one_go(runtime: Runtime) -> None:
    db = runtime.db
    sari = await make_assisted_woman(db, WATI, BEJI, code="ABCD-EFGH")
    placeholder = -sari
    cid = await make_class(db, title="Menjahit Dasar")
    enrolled = await classes.enrol(db, placeholder, cid, settings=runtime.settings)
    assert enrolled.outcome == "enrolled"
    async with db.transaction() as s:
        e = await s.scalar(select(Enrolment))
        assert e is not None
        ci = CheckIn(
            enrolment_id=e.id, user_id=placeholder, class_id=cid, round_days=30,
            due_at=now(), asked_at=now(), status="asked",
        )  # fmt: skip
        s.add(ci)
        await s.flush()
        await offer(s, placeholder, "checkin", ci.id)
        # One already listed in a digest (stays with her companion), one diverted, not yet listed.
        await enqueue(s, user_id=placeholder, text="lama", kind="notice", dedupe_key="old")
        await enqueue(s, user_id=placeholder, text="baru", kind="notice", dedupe_key="new")
        old = await s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "old"))
        new = await s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "new"))
        assert old is not None and new is not None
        old.status, old.digest_id = "diverted", 1
        new.status = "diverted"
    pending_before = await _count(runtime, placeholder, "pending")

    result = await link_account(db, SARI, "abcdefgh", update_id=None)

    assert result.status == "linked"
    async with db.sessions() as s:
        reg = await s.get(Registrant, sari)
        assert reg is not None and reg.user_id == SARI
        assert await s.get(User, placeholder) is None
        assert (await s.scalar(select(Enrolment.user_id))) == SARI
        assert (await s.scalar(select(CheckIn.user_id))) == SARI
        assert (await s.scalar(select(ActiveForm.user_id))) == SARI
        mine = await s.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.user_id, OutboxMessage.status).where(
                OutboxMessage.dedupe_key.in_(("old", "new"))
            )
        )
        assert set(mine.all()) == {("old", placeholder, "diverted"), ("new", SARI, "pending")}
    assert pending_before >= 1  # her reminders
    assert await _count(runtime, SARI, "pending") == pending_before + 1
    assert await _count(runtime, placeholder, "pending") == 0


async def test_a_reminder_after_linking_goes_to_her_own_chat(runtime: Runtime) -> None:
    db = runtime.db
    sari = await make_assisted_woman(db, WATI, BEJI, code="ABCD-EFGH")
    soon = now() + timedelta(minutes=30)
    cid = await make_class(db, sessions=[(soon, soon + timedelta(hours=2))], deadline=soon)
    await classes.enrol(db, -sari, cid, settings=runtime.settings)
    assert (await link_account(db, SARI, "ABCD-EFGH", update_id=None)).status == "linked"
    bot = StubBot()
    await dispatch_once(runtime, bot, sender=Sender(bot))  # type: ignore[arg-type]
    assert bot.sent == [SARI]  # the reminder due at once (an hour before is past)


async def _count(runtime: Runtime, user_id: int, status: str) -> int:
    async with runtime.db.sessions() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.user_id == user_id, OutboxMessage.status == status)
            )
            or 0
        )
