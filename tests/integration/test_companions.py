"""A companion's desa, on SQLite and PostgreSQL: assigning them per kecamatan,
the women living there (their desa is encrypted, so it is compared after
decryption), and a look at a woman of another desa refused and audit-logged."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from tests.conftest import make_settings
from tests.factories import make_woman
from wrse_bot.db.engine import Database
from wrse_bot.db.models import AuditEvent, RoleGrant
from wrse_bot.runtime import Runtime
from wrse_bot.services.companions import (
    REFUSED,
    areas_of,
    companions,
    may_see,
    set_areas,
    women_of,
)

ADMIN, WATI = 1, 8801
BEJI, TLEKUNG, TEMAS = "35.79.03.2002", "35.79.03.2004", "35.79.01.1001"


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    Runtime.build(make_settings(db_url))  # the encryption key
    database = Database(db_url)
    async with database.transaction() as s:
        s.add(RoleGrant(user_id=WATI, role="companion"))
    yield database
    await database.dispose()


async def test_desa_are_set_per_kecamatan_and_the_others_stay(db: Database) -> None:
    async with db.transaction() as s:
        await set_areas(s, ADMIN, WATI, "35.79.01", [TEMAS, BEJI])  # Beji is not in Batu
        mine = await set_areas(s, ADMIN, WATI, "35.79.03", [BEJI, TLEKUNG])
    assert mine == {TEMAS, BEJI, TLEKUNG}
    async with db.transaction() as s:
        assert await set_areas(s, ADMIN, WATI, "35.79.03", [TLEKUNG]) == {TEMAS, TLEKUNG}
    async with db.sessions() as s:
        assert await companions(s) == [(WATI, frozenset({TEMAS, TLEKUNG}))]
        audits = list(await s.scalars(select(AuditEvent.detail).order_by(AuditEvent.id)))
    assert audits[-1] == f"{WATI} 35.79.03: {TLEKUNG}"


async def test_she_sees_the_women_of_her_desa_only(db: Database) -> None:
    beji = await make_woman(db, 101, village_code=BEJI)
    tlekung = await make_woman(db, 102, village_code=TLEKUNG)
    gone = await make_woman(db, 103, village_code=BEJI, status="deleted")
    nowhere = await make_woman(db, 104)
    async with db.transaction() as s:
        await set_areas(s, ADMIN, WATI, "35.79.03", [BEJI])
    async with db.transaction() as s:
        assert await women_of(s, WATI) == [beji]
        assert await may_see(s, WATI, beji, what="test")
        for other in (tlekung, gone, nowhere, 99_999):
            assert not await may_see(s, WATI, other, what="test")
        assert await women_of(s, 8802) == []  # no desa, no women
    async with db.sessions() as s:
        refused = list(
            await s.scalars(select(AuditEvent.registrant_id).where(AuditEvent.action == REFUSED))
        )
        assert await areas_of(s, WATI) == {BEJI}
    assert refused == [tlekung, gone, nowhere, 99_999]
