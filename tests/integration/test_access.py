"""Invitations against a real database (SQLite and PostgreSQL): a one-time
code grants its role once, however many people open it at the same moment;
and an officer's decision on a card is taken once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select, update

from tests.conftest import make_settings
from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Invite, Registrant, RoleGrant, StaffFlag
from wrse_bot.services.access import AccessService
from wrse_bot.services.roles import Role
from wrse_bot.services.verification import VerificationService, preset_reason

ADMIN = 1


async def _count(db: Database, model: type) -> int:
    async with db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_two_people_opening_one_invitation_at_once_get_one_grant(db_url: str) -> None:
    settings = make_settings(db_url, admin_ids=frozenset({ADMIN}))
    db = Database(db_url)
    try:
        access = AccessService(db, settings)
        for attempt in range(5):
            created = await access.create_invite(ADMIN, Role.STAFF, None)
            assert created is not None
            people = [100 + attempt * 10 + i for i in range(4)]
            results = await asyncio.gather(
                *(access.accept_invite(uid, created.code, None) for uid in people)
            )
            assert Counter(r.status for r in results) == {"granted": 1, "used": 3}
        assert await _count(db, RoleGrant) == 5
    finally:
        await db.dispose()


async def test_a_double_tap_on_the_link_grants_once(db_url: str) -> None:
    settings = make_settings(db_url, admin_ids=frozenset({ADMIN}))
    db = Database(db_url)
    try:
        access = AccessService(db, settings)
        created = await access.create_invite(ADMIN, Role.COORDINATOR, None)
        assert created is not None
        results = await asyncio.gather(
            access.accept_invite(7, created.code, 501), access.accept_invite(7, created.code, 502)
        )
        assert sorted(r.status for r in results) == ["already", "granted"]
        assert {r.role for r in results} == {Role.COORDINATOR}
        assert await _count(db, RoleGrant) == 1
    finally:
        await db.dispose()


async def test_an_expired_or_unknown_code_grants_nothing(db_url: str) -> None:
    settings = make_settings(db_url, admin_ids=frozenset({ADMIN}))
    db = Database(db_url)
    try:
        access = AccessService(db, settings)
        created = await access.create_invite(ADMIN, Role.STAFF, None)
        assert created is not None
        async with db.transaction() as s:
            await s.execute(update(Invite).values(expires_at=now() - timedelta(seconds=1)))
        assert (await access.accept_invite(8, created.code, None)).status == "expired"
        assert (await access.accept_invite(8, "no-such-code-000000", None)).status == "unknown"
        assert await _count(db, RoleGrant) == 0
    finally:
        await db.dispose()


async def test_two_officers_deciding_one_card_at_once_decide_once(db_url: str) -> None:
    settings = make_settings(db_url)
    db = Database(db_url)
    try:
        async with db.transaction() as s:
            reg = Registrant(full_name="Siti", verdict="needs_review", monthly_income="0")
            s.add(reg)
            await s.flush()
            flag = StaffFlag(kind="needs_review", registrant_id=reg.id)
            s.add(flag)
            await s.flush()
            flag_id = flag.id
        verify = VerificationService(db, settings)
        results = await asyncio.gather(
            verify.decide(11, flag_id, "approve", None),
            verify.decide(12, flag_id, "reject", None, preset_reason(0)),
        )
        assert sorted(r.status for r in results) == ["already", "done"]
        winner = next(r for r in results if r.status == "done")
        async with db.sessions() as s:
            verdict = await s.scalar(select(Registrant.verdict))
        assert verdict == ("eligible" if winner.decision == "approve" else "not_eligible")
    finally:
        await db.dispose()
