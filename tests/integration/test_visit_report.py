"""Accompaniment in the report, on SQLite and PostgreSQL: per companion her
caseload, visits per month, follow-ups open and resolved, women not contacted
for 30 days; obstacles from visits split inside/outside; the small-group rule
on every figure; the period, kecamatan, class and skill filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.conftest import make_settings
from tests.factories import make_woman
from tests.factories_reports import Seeder
from wrse_bot.db.engine import Database
from wrse_bot.db.models import CompanionArea, Registrant, RoleGrant, Visit
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.runtime import Runtime
from wrse_bot.services.reports import ReportFilter, build_report, publish

WATI, DEWI = 8801, 8802
BEJI, TLEKUNG, TEMAS = "35.79.03.2002", "35.79.03.2004", "35.79.01.1001"
AT = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)  # 7 December 2026, WIB noon


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    Runtime.build(make_settings(db_url))  # the encryption key
    database = Database(db_url)
    yield database
    await database.dispose()


async def seed(db: Database) -> list[int]:
    """Wati accompanies Beji: six women, five visited in November (three of them
    again on 1 December), one never. Dewi accompanies Tlekung: two women, one
    visit. A woman of Temas has no companion."""
    beji = [await make_woman(db, 7000 + i, village_code=BEJI) for i in range(6)]
    tlekung = [await make_woman(db, 7100 + i, village_code=TLEKUNG) for i in range(2)]
    await make_woman(db, 7200, kecamatan_code="35.79.01", village_code=TEMAS)
    async with db.transaction() as s:
        for uid, village in ((WATI, BEJI), (DEWI, TLEKUNG)):
            s.add(RoleGrant(user_id=uid, role="companion"))
            s.add(CompanionArea(user_id=uid, village_code=village))
        for i, reg in enumerate(beji[:5]):
            seen = ["percaya_diri", "tetangga"] if i < 3 else ["kesehatan"]
            s.add(Visit(registrant_id=reg, companion_id=WATI, visited_on=date(2026, 11, 2),
                        obstacles=seen))  # fmt: skip
        for reg in beji[:3]:
            s.add(Visit(registrant_id=reg, companion_id=WATI, visited_on=date(2026, 12, 1),
                        obstacles=["pasar"]))  # fmt: skip
        s.add(Visit(registrant_id=tlekung[0], companion_id=DEWI, visited_on=date(2026, 12, 2),
                    obstacles=["anak_keluarga"]))  # fmt: skip
    return beji


async def test_each_companion_s_work_under_the_small_group_rule(db: Database) -> None:
    await seed(db)
    raw = await build_report(db, ReportFilter(), at=AT)
    wati, dewi = raw.visits.companions
    assert (wati.companion_id, wati.villages, wati.caseload) == (WATI, (BEJI,), 6)
    # Visited on 2 Nov only: more than 30 days before 7 Dec; and the one never visited.
    assert wati.not_contacted == 3
    assert {m: t.n for m, t in wati.visits_by_month.items()} == {"2026-11": 5, "2026-12": 3}
    assert (dewi.caseload, dewi.not_contacted) == (2, 1)

    shown = publish(raw, min_group=5).visits
    w, d = shown.companions
    assert (w.caseload, w.not_contacted) == (6, Withheld(5))
    assert w.visits_by_month == {"2026-11": 5, "2026-12": Withheld(5)}
    assert (d.caseload, d.visits_by_month) == (Withheld(5), {"2026-12": Withheld(5)})
    assert (w.open, w.resolved) == (0, 0)


async def test_obstacles_from_visits_are_split_inside_and_outside(db: Database) -> None:
    await seed(db)
    raw = await build_report(db, ReportFilter(), at=AT)
    assert {k: t.n for k, t in raw.visits.kinds.items()} == {"external": 7, "internal": 5}
    assert raw.visits.obstacles["percaya_diri"].n == 3
    shown = publish(raw, min_group=5).visits
    # Five women behind "inside"; four behind "outside" (seven visits).
    assert shown.kinds == {"external": Withheld(5), "internal": 5}
    assert shown.obstacles["kesehatan"] == Withheld(5)


async def test_the_period_and_kecamatan_filters_apply(db: Database) -> None:
    await seed(db)
    month = await build_report(db, ReportFilter(period="30"), at=AT)  # since 7 November
    assert {k: t.n for k, t in month.visits.kinds.items()} == {"external": 4}
    batu = await build_report(db, ReportFilter(kecamatan="35.79.01"), at=AT)
    assert [c.caseload for c in batu.visits.companions] == [0, 0] and not batu.visits.kinds


async def test_the_class_and_skill_filters_narrow_each_companion_s_figures(db: Database) -> None:
    """Of Wati's six women, three have a place in Menjahit Dasar (Ibu 0, 1, 3) and
    one in Memasak (Ibu 2); Dewi's first woman is in Menjahit too. Wati holds a
    follow-up of each class: the one of Menjahit open, the one of Memasak resolved."""
    beji = await seed(db)
    async with db.transaction() as s:
        seeder = Seeder(s)
        menjahit = await seeder.klass(skill="menjahit", title="Menjahit Dasar")
        memasak = await seeder.klass(skill="memasak", title="Memasak")
        women = [await s.get(Registrant, rid) for rid in beji]
        dewi_s = await s.scalar(select(Registrant).where(Registrant.user_id == 7100))
        for woman in (women[0], women[1], women[3], dewi_s):
            assert woman is not None
            enrolment = await seeder.enrol(woman, menjahit, completed=True)
            if woman is women[0]:
                sewing = await seeder.follow_up(await seeder.checkin(enrolment, 30), "income_fell")
        assert women[2] is not None
        cooking = await seeder.enrol(women[2], memasak, completed=True)
        cooked = await seeder.follow_up(await seeder.checkin(cooking, 30), "income_fell")
        sewing.assigned_to, cooked.assigned_to = WATI, WATI
        cooked.resolved_at = AT

    everyone = (await build_report(db, ReportFilter(), at=AT)).visits.companions[0]
    assert (everyone.caseload, everyone.open.n, everyone.resolved.n) == (6, 1, 1)

    sewing_class = await build_report(db, ReportFilter(class_id=menjahit.id), at=AT)
    wati, dewi = sewing_class.visits.companions
    assert (wati.caseload, dewi.caseload) == (3, 1)
    assert wati.not_contacted == 1  # Ibu 3: visited on 2 November only
    assert {m: t.n for m, t in wati.visits_by_month.items()} == {"2026-11": 3, "2026-12": 2}
    assert (wati.open.n, wati.resolved.n) == (1, 0)  # the Memasak follow-up is not hers here
    kinds = {k: t.n for k, t in sewing_class.visits.kinds.items()}
    assert kinds == {"external": 5, "internal": 3}  # the visits to the women of the class

    cooking_skill = await build_report(db, ReportFilter(skill="memasak"), at=AT)
    wati, dewi = cooking_skill.visits.companions
    assert (wati.caseload, wati.open.n, wati.resolved.n, dewi.caseload) == (1, 0, 1, 0)
    assert {m: t.n for m, t in wati.visits_by_month.items()} == {"2026-11": 1, "2026-12": 1}
