"""Aid in the report, on SQLite and PostgreSQL: counted and summed by kind,
kecamatan and month under the report's filters (period, kecamatan, class or
skill); a cell over fewer than five women shows neither its count nor its
total."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from tests.conftest import make_settings
from tests.factories import make_class, make_woman
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Aid, CheckIn, Enrolment
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.runtime import Runtime
from wrse_bot.services.reports import ReportFilter, ShownCell, build_report, publish

BATU, JUNREJO = "35.79.01", "35.79.03"
AT = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    Runtime.build(make_settings(db_url))  # the encryption key
    database = Database(db_url)
    yield database
    await database.dispose()


async def aid(db: Database, reg: int, kind: str, value: int, on: date) -> None:
    async with db.transaction() as s:
        s.add(Aid(registrant_id=reg, kind=kind, value=value, given_on=on, source="APBD"))


async def six_women_helped(db: Database) -> None:
    """Five in Junrejo got a sewing machine in November; one in Batu got two carts."""
    for uid in range(5):
        reg = await make_woman(db, 6000 + uid, kecamatan_code=JUNREJO)
        await aid(db, reg, "mesin_jahit", 1_500_000, date(2026, 11, 3))
    batu = await make_woman(db, 6010, kecamatan_code=BATU)
    await aid(db, batu, "gerobak", 2_000_000, date(2026, 10, 1))
    await aid(db, batu, "gerobak", 500_000, date(2025, 3, 1))


async def test_aid_is_counted_and_summed_by_kind_kecamatan_and_month(db: Database) -> None:
    await six_women_helped(db)
    report = publish(await build_report(db, ReportFilter(), at=AT), min_group=5)
    assert report.aid.by_kind["mesin_jahit"] == ShownCell(5, 7_500_000)
    assert report.aid.by_kecamatan[JUNREJO] == ShownCell(5, 7_500_000)
    assert report.aid.by_month["2026-11"] == ShownCell(5, 7_500_000)


async def test_a_cell_over_fewer_than_five_women_shows_neither_count_nor_total(
    db: Database,
) -> None:
    await six_women_helped(db)
    report = publish(await build_report(db, ReportFilter(), at=AT), min_group=5)
    assert report.aid.by_kind["gerobak"] == ShownCell(Withheld(5), Withheld(5))
    assert report.aid.by_kecamatan[BATU] == ShownCell(Withheld(5), Withheld(5))


async def test_the_report_filters_apply_to_aid(db: Database) -> None:
    await six_women_helped(db)
    batu = await build_report(db, ReportFilter(kecamatan=BATU), at=AT)
    assert list(batu.aid.by_kind) == ["gerobak"] and batu.aid.by_kind["gerobak"].aids == 2
    this_year = await build_report(db, ReportFilter(period="y"), at=AT)
    assert this_year.aid.by_kind["gerobak"].total == 2_000_000  # the 2025 cart is outside


async def test_the_class_and_skill_filters_count_the_aid_of_the_women_of_those_classes(
    db: Database,
) -> None:
    """Of the six, two Junrejo women have a place in a sewing class, and the Batu
    woman in a cooking class."""
    await six_women_helped(db)
    sewing = await make_class(db, skill="menjahit", title="Menjahit Dasar")
    cooking = await make_class(db, skill="memasak", title="Memasak")
    async with db.transaction() as s:
        for uid, cid in ((6000, sewing), (6001, sewing), (6010, cooking)):
            s.add(Enrolment(class_id=cid, user_id=uid, status="enrolled"))
    by_class = await build_report(db, ReportFilter(class_id=sewing), at=AT)
    assert list(by_class.aid.by_kind) == ["mesin_jahit"]
    assert (
        by_class.aid.by_kind["mesin_jahit"].aids,
        len(by_class.aid.by_kind["mesin_jahit"].women),
    ) == (2, 2)
    by_skill = await build_report(db, ReportFilter(skill="memasak"), at=AT)
    assert list(by_skill.aid.by_kind) == ["gerobak"] and by_skill.aid.by_kind["gerobak"].aids == 2
    nobody = await build_report(db, ReportFilter(skill="membatik"), at=AT)
    assert not nobody.aid.by_kind


async def test_income_change_is_set_against_the_aid_received_before_the_check_in(
    db: Database,
) -> None:
    """Five women with a sewing machine, five without: at 90 days four of the
    first rose and one of the others; aid given after her answer does not count."""
    cid = await make_class(db)
    for uid in range(10):
        reg = await make_woman(db, 6100 + uid, kecamatan_code=JUNREJO)
        if uid < 5 or uid == 9:  # the tenth got hers after she answered
            on = date(2026, 6, 1) if uid < 5 else date(2026, 12, 1)
            await aid(db, reg, "mesin_jahit", 1_500_000, on)
        async with db.transaction() as s:
            enrolment = Enrolment(class_id=cid, user_id=6100 + uid, status="enrolled")
            s.add(enrolment)
            await s.flush()
            s.add(
                CheckIn(
                    enrolment_id=enrolment.id,
                    user_id=6100 + uid,
                    class_id=cid,
                    round_days=90,
                    due_at=AT,
                    status="answered",
                    answered_at=datetime(2026, 9, 1, tzinfo=UTC),
                    income_change="rose" if uid in (0, 1, 2, 3, 5) else "same",
                )
            )
    report = publish(await build_report(db, ReportFilter(), at=AT), min_group=5)
    effects = {e.kind: e for e in report.aid.effects if e.round_days == 90}
    assert effects["mesin_jahit"].women == 5 and effects["mesin_jahit"].rose_share == 0.8
    assert effects[""].women == 5 and effects[""].rose_share == 0.2
