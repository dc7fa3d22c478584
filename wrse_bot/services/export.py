"""/ekspor: the programme's data as a spreadsheet for the office.

An XLSX workbook (openpyxl) with five sheets, registrants, decisions,
enrolments, attendance and checkins, or the same five tables as CSV files in
one ZIP; plus a summary sheet (summary.csv) with the /laporan figures of the
whole programme, where a figure over too few women reads "< 5"
(domain/disclosure.py). NIKs are masked (``mask_nik``) unless the coordinator asked for full
data and confirmed; every export is audit-logged with who, when and what
(format, masked or full, row counts), as UU PDP asks for personal data.

Rows are read from the database with their encrypted columns still encrypted;
decrypting, masking and building the file happen in a worker thread
(``asyncio.to_thread``) so the bot keeps answering others meanwhile.
Column headers are stable field names (for filters, pivots and scripts);
times are WIB.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot import crypto
from wrse_bot.clock import WIB, now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    Assessment,
    Attendance,
    CheckIn,
    ClassSession,
    Enrolment,
    Registrant,
    TrainingClass,
)
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.domain.nik import mask_nik
from wrse_bot.domain.obstacles import BRACKET_RUPIAH
from wrse_bot.domain.places import load_places
from wrse_bot.services.reports import PublishedReport, ReportFilter, build_report, publish
from wrse_bot.services.roles import audit
from wrse_bot.services.updates import claim_update

FORMATS = ("xlsx", "csv")
SHEETS = ("registrants", "decisions", "enrolments", "attendance", "checkins")
SUMMARY = "summary"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MIME = "application/zip"
CONFIRM_TTL_SECONDS = 600
_PARTITION = 1000

# (header, column): encrypted columns are read raw (type_coerce to Text) and
# decrypted in the worker thread; their headers are listed in _ENCRYPTED.
_REGISTRANTS = (
    ("id", Registrant.id),
    ("created_at_wib", Registrant.created_at),
    ("full_name", Registrant.full_name),
    ("nik", type_coerce(Registrant.nik, Text)),
    ("sex", Registrant.sex),
    ("birth_date", Registrant.birth_date),
    ("kecamatan", Registrant.kecamatan_code),
    ("desa_kelurahan", Registrant.village_code),
    ("address", Registrant.address),
    ("marital_status", Registrant.marital_status),
    ("main_earner", Registrant.main_earner),
    ("dependents", Registrant.dependents),
    ("monthly_income", type_coerce(Registrant.monthly_income, Text)),
    ("income_bracket_100k", Registrant.income_bracket),
    ("education", Registrant.education),
    ("occupation", Registrant.occupation),
    ("occupation_other", Registrant.occupation_other),
    ("interests", Registrant.interests),
    ("phone", type_coerce(Registrant.phone, Text)),
    ("verdict", Registrant.verdict),
    ("status", Registrant.status),
    ("duplicate_of_id", Registrant.duplicate_of_id),
    ("nik_mismatch", Registrant.nik_mismatch),
    ("consent_version", Registrant.consent_version),
    ("consent_at_wib", Registrant.consent_at),
    ("deleted_at_wib", Registrant.deleted_at),
)
_DECISIONS = (
    ("id", Assessment.id),
    ("registrant_id", Assessment.registrant_id),
    ("verdict", Assessment.verdict),
    ("ruleset_version", Assessment.ruleset_version),
    ("assessed_on", Assessment.assessed_on),
    ("created_at_wib", Assessment.created_at),
)
_ENROLMENTS = (
    ("id", Enrolment.id),
    ("class_id", Enrolment.class_id),
    ("class_title", TrainingClass.title),
    ("skill", TrainingClass.skill),
    ("class_kecamatan", TrainingClass.kecamatan_code),
    ("registrant_id", Registrant.id),
    ("status", Enrolment.status),
    ("completed", Enrolment.completed),
    ("created_at_wib", Enrolment.created_at),
)
_ATTENDANCE = (
    ("session_id", Attendance.session_id),
    ("session_starts_at_wib", ClassSession.starts_at),
    ("class_id", ClassSession.class_id),
    ("enrolment_id", Attendance.enrolment_id),
    ("registrant_id", Registrant.id),
    ("present", Attendance.present),
    ("marked_at_wib", Attendance.marked_at),
)
_CHECKINS = (
    ("id", CheckIn.id),
    ("enrolment_id", CheckIn.enrolment_id),
    ("registrant_id", Registrant.id),
    ("class_id", CheckIn.class_id),
    ("round_days", CheckIn.round_days),
    ("due_at_wib", CheckIn.due_at),
    ("status", CheckIn.status),
    ("answered_at_wib", CheckIn.answered_at),
    ("income", type_coerce(CheckIn.income, Text)),
    ("income_bracket_100k", CheckIn.income_bracket),
    ("income_change", CheckIn.income_change),
    ("business_started", CheckIn.business_started),
    ("business_kind", CheckIn.business_kind),
    ("help_received", CheckIn.help_received),
    ("obstacle", CheckIn.obstacle),
    ("obstacle_other", CheckIn.obstacle_other),
    ("wants_contact", CheckIn.wants_contact),
)
_ENCRYPTED = frozenset({"nik", "monthly_income", "phone", "income"})


@dataclass(frozen=True)
class Table:
    name: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]  # as read: encrypted columns still encrypted


@dataclass(frozen=True)
class ExportFile:
    filename: str
    data: bytes
    mime_type: str
    format: str
    masked: bool
    counts: dict[str, int]


def _select(columns: Sequence[tuple[str, Any]]) -> Any:
    return select(*(col for _, col in columns))


async def _read(s: AsyncSession, name: str, columns: Sequence[tuple[str, Any]], stmt: Any) -> Table:
    rows: list[tuple[Any, ...]] = []
    result = await s.stream(stmt.execution_options(yield_per=_PARTITION))
    async for part in result.partitions(_PARTITION):
        rows.extend(tuple(r) for r in part)
    return Table(name, tuple(h for h, _ in columns), rows)


async def read_tables(db: Database) -> list[Table]:
    """All five tables, in SHEETS order (encrypted values not yet decrypted)."""
    async with db.sessions() as s:
        return [
            await _read(
                s, "registrants", _REGISTRANTS, _select(_REGISTRANTS).order_by(Registrant.id)
            ),
            await _read(s, "decisions", _DECISIONS, _select(_DECISIONS).order_by(Assessment.id)),
            await _read(
                s,
                "enrolments",
                _ENROLMENTS,
                _select(_ENROLMENTS)
                .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
                .outerjoin(Registrant, Registrant.user_id == Enrolment.user_id)
                .order_by(Enrolment.id),
            ),
            await _read(
                s,
                "attendance",
                _ATTENDANCE,
                _select(_ATTENDANCE)
                .join(ClassSession, ClassSession.id == Attendance.session_id)
                .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
                .outerjoin(Registrant, Registrant.user_id == Enrolment.user_id)
                .order_by(ClassSession.starts_at, Attendance.enrolment_id),
            ),
            await _read(
                s,
                "checkins",
                _CHECKINS,
                _select(_CHECKINS)
                .outerjoin(Registrant, Registrant.user_id == CheckIn.user_id)
                .order_by(CheckIn.id),
            ),
        ]


def summary_table(r: PublishedReport) -> Table:
    """The report's figures as (figure, value) rows; withheld ones as "< 5".
    Medians are Rupiah (± Rp100.000), shares fractions of 1."""

    def value(v: object, scale: float = 1) -> object:
        if isinstance(v, Withheld):
            return str(v)
        if isinstance(v, float):
            return round(v * scale, 4) if scale == 1 else round(v * scale)
        return v

    rows: list[tuple[Any, ...]] = [
        ("generated_at_wib", r.generated_at),
        ("min_group", r.min_group),
        ("registrations", value(r.registrations)),
        *((f"verdict_{k or 'unknown'}", value(v)) for k, v in r.by_verdict.items()),
        *((f"kecamatan_{k or 'unknown'}", value(v)) for k, v in r.by_kecamatan.items()),
        ("intake_median_income", value(r.intake_median, BRACKET_RUPIAH)),
        *((f"enrolments_{k}", value(v)) for k, v in r.enrolments.items()),
        ("attendance_present", value(r.attendance_present)),
        ("attendance_marked", value(r.attendance_marked)),
        ("attendance_rate", value(r.attendance_rate)),
        ("women_completed", value(r.women_completed)),
    ]
    for rs in r.rounds:
        d = rs.round_days
        rows += [
            (f"checkin_{d}d_asked", value(rs.asked)),
            (f"checkin_{d}d_answered", value(rs.answered)),
            (f"checkin_{d}d_response_rate", value(rs.response_rate)),
            (f"checkin_{d}d_income_pairs", value(rs.pairs)),
            (f"checkin_{d}d_median_income_before", value(rs.median_before, BRACKET_RUPIAH)),
            (f"checkin_{d}d_median_income_after", value(rs.median_after, BRACKET_RUPIAH)),
            (f"checkin_{d}d_income_rose_share", value(rs.rose_share)),
        ]
    rows += [
        ("women_answered_checkin", value(r.women_answered)),
        ("women_started_business", value(r.women_business)),
        ("business_share", value(r.business_share)),
        *((f"obstacle_{k}", value(v)) for k, v in r.obstacles.items()),
        *((f"funnel_{stage}", value(v)) for stage, v in r.funnel),
    ]
    return Table(SUMMARY, ("figure", "value"), rows)


# ---- in the worker thread -------------------------------------------------------------


def _cell(header: str, value: Any, *, masked: bool, places: Any) -> Any:
    if value is None:
        return None
    if header in _ENCRYPTED:
        value = crypto.protector().decrypt(value)
        if header == "nik" and masked:
            return mask_nik(value)
        if header in ("monthly_income", "income") and value.isdigit():
            return int(value)
        return value
    if header in ("kecamatan", "desa_kelurahan", "class_kecamatan"):
        return places.get(value).name if value in places else value
    if isinstance(value, datetime):
        # Excel has no time zones: the office's local time, stated in the header.
        return value.astimezone(WIB).replace(tzinfo=None)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool | int | float | str | date):
        return value
    return str(value)


def _prepared(table: Table, masked: bool) -> list[list[Any]]:
    places = load_places()
    return [
        [_cell(h, v, masked=masked, places=places) for h, v in zip(table.headers, row, strict=True)]
        for row in table.rows
    ]


def build_xlsx(tables: Sequence[Table], *, masked: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        ws = wb.create_sheet(table.name)
        ws.freeze_panes = "A2"
        header = []
        for h in table.headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in _prepared(table, masked):
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return value


def build_csv_zip(tables: Sequence[Table], *, masked: bool) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for table in tables:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(table.headers)
            for row in _prepared(table, masked):
                writer.writerow([_csv_value(v) for v in row])
            # A BOM so Excel opens UTF-8 names (ñ, é) correctly.
            zf.writestr(f"{table.name}.csv", "\ufeff" + text.getvalue())
    return buf.getvalue()


# ---- the use case ------------------------------------------------------------------------


async def export(
    db: Database,
    actor: int,
    fmt: str,
    *,
    masked: bool,
    update_id: int | None,
    min_group: int = 5,
) -> ExportFile | None:
    """Build the export and audit it; None when this update was already handled."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    tables = await read_tables(db)
    counts = {t.name: len(t.rows) for t in tables}
    summary = summary_table(publish(await build_report(db, ReportFilter()), min_group))
    build = build_xlsx if fmt == "xlsx" else build_csv_zip
    data = await asyncio.to_thread(build, [*tables, summary], masked=masked)
    at = now()
    async with db.transaction() as s:
        if not await claim_update(s, update_id):
            return None
        detail = {"format": fmt, "nik": "masked" if masked else "full", "rows": counts}
        audit(s, actor, "export", detail=json.dumps(detail, sort_keys=True))
    stamp = at.astimezone(WIB).strftime("%Y%m%d-%H%M")
    suffix = "" if masked else "-lengkap"
    if fmt == "xlsx":
        return ExportFile(f"wrse-{stamp}{suffix}.xlsx", data, XLSX_MIME, fmt, masked, counts)
    return ExportFile(f"wrse-{stamp}{suffix}-csv.zip", data, ZIP_MIME, fmt, masked, counts)


# ---- the "Data lengkap" confirmation --------------------------------------------------------


def _confirm_key(secret: str) -> bytes:
    return hashlib.sha256(b"wrse-export-confirm:" + secret.encode()).digest()


def full_data_token(secret: str, actor: int, fmt: str, issued: int) -> str:
    """A short signature in the confirm button: only the confirmation step issues it,
    only to this coordinator, for this format, for CONFIRM_TTL_SECONDS."""
    msg = f"{actor}:{fmt}:{issued}".encode()
    return hmac.new(_confirm_key(secret), msg, hashlib.sha256).hexdigest()[:16]


def check_full_data_token(
    secret: str, actor: int, fmt: str, issued: int, token: str, *, at: datetime | None = None
) -> bool:
    age = (at or now()).timestamp() - issued
    if not 0 <= age <= CONFIRM_TTL_SECONDS:
        return False
    return hmac.compare_digest(full_data_token(secret, actor, fmt, issued), token)
