"""/ekspor: the programme's data for the office, as an XLSX workbook (openpyxl)
or CSV files in one ZIP: a sheet per table (SHEETS), plus a summary sheet with
the /laporan figures of the whole programme, where a figure over too few women
reads "< 5" (domain/disclosure.py).

Personal rows are masked (domain/masking.py) unless the coordinator asked for
full data and confirmed. Every export is audit-logged with who, when and what
(format, masked or full, row counts), as UU PDP asks for personal data. Free
text is written as text, never as a formula (``neutralised``). Rows are read
with their encrypted columns still encrypted; decrypting, masking and building
the file happen in a worker thread (``asyncio.to_thread``) so the bot keeps
answering others meanwhile. Headers are stable field names; times are WIB.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import WIB, now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    Aid,
    Assessment,
    Attendance,
    CheckIn,
    ClassSession,
    Enrolment,
    Registrant,
    TrainingClass,
    Visit,
)
from wrse_bot.db.types import EncryptedType
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.domain.masking import age_band, income_range, initials
from wrse_bot.domain.obstacles import BRACKET_RUPIAH
from wrse_bot.domain.people import display_phone, mask_phone
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import RegistrantStatus
from wrse_bot.services.reports import PublishedReport, ReportFilter, build_report, publish
from wrse_bot.services.roles import audit
from wrse_bot.services.updates import claim_update

FORMATS = ("xlsx", "csv")
SUMMARY = "summary"
CONFIRM_TTL_SECONDS = 600
_PARTITION = 1000

# Each sheet's (header, column) pairs. Columns of an EncryptedType are read raw
# (type_coerce to Text) and decoded in the worker thread by that same type, so whatever
# the ORM encrypts (and however its keys rotate) reads back here as it does elsewhere.
_COLUMNS: dict[str, tuple[tuple[str, Any], ...]] = {
    "registrants": (
        ("id", Registrant.id),
        ("created_at_wib", Registrant.created_at),
        ("full_name", Registrant.full_name),
        ("nik", Registrant.nik),
        ("sex", Registrant.sex),
        ("birth_date", Registrant.birth_date),
        ("kecamatan", Registrant.kecamatan_code),
        ("desa_kelurahan", Registrant.village_code),
        ("address", Registrant.address),
        ("marital_status", Registrant.marital_status),
        ("main_earner", Registrant.main_earner),
        ("dependents", Registrant.dependents),
        ("monthly_income", Registrant.monthly_income),
        ("income_bracket_100k", Registrant.income_bracket),
        ("education", Registrant.education),
        ("occupation", Registrant.occupation),
        ("occupation_other", Registrant.occupation_other),
        ("interests", Registrant.interests),
        ("phone", Registrant.phone),
        ("verdict", Registrant.verdict),
        ("status", Registrant.status),
        ("duplicate_of_id", Registrant.duplicate_of_id),
        ("nik_mismatch", Registrant.nik_mismatch),
        ("consent_version", Registrant.consent_version),
        ("consent_at_wib", Registrant.consent_at),
        ("deleted_at_wib", Registrant.deleted_at),
    ),
    "decisions": (
        ("id", Assessment.id),
        ("registrant_id", Assessment.registrant_id),
        ("verdict", Assessment.verdict),
        ("ruleset_version", Assessment.ruleset_version),
        ("assessed_on", Assessment.assessed_on),
        ("created_at_wib", Assessment.created_at),
    ),
    "enrolments": (
        ("id", Enrolment.id),
        ("class_id", Enrolment.class_id),
        ("class_title", TrainingClass.title),
        ("skill", TrainingClass.skill),
        ("class_kecamatan", TrainingClass.kecamatan_code),
        ("registrant_id", Registrant.id),
        ("status", Enrolment.status),
        ("completed", Enrolment.completed),
        ("created_at_wib", Enrolment.created_at),
    ),
    "attendance": (
        ("session_id", Attendance.session_id),
        ("session_starts_at_wib", ClassSession.starts_at),
        ("class_id", ClassSession.class_id),
        ("enrolment_id", Attendance.enrolment_id),
        ("registrant_id", Registrant.id),
        ("present", Attendance.present),
        ("marked_at_wib", Attendance.marked_at),
    ),
    "checkins": (
        ("id", CheckIn.id),
        ("enrolment_id", CheckIn.enrolment_id),
        ("registrant_id", Registrant.id),
        ("class_id", CheckIn.class_id),
        ("round_days", CheckIn.round_days),
        ("due_at_wib", CheckIn.due_at),
        ("status", CheckIn.status),
        ("answered_at_wib", CheckIn.answered_at),
        ("income", CheckIn.income),
        ("income_bracket_100k", CheckIn.income_bracket),
        ("income_change", CheckIn.income_change),
        ("business_started", CheckIn.business_started),
        ("business_kind", CheckIn.business_kind),
        ("help_received", CheckIn.help_received),
        ("obstacle", CheckIn.obstacle),
        ("obstacle_other", CheckIn.obstacle_other),
        ("wants_contact", CheckIn.wants_contact),
        ("via_companion", CheckIn.via_companion),
    ),
    "aid": (
        ("id", Aid.id),
        ("registrant_id", Aid.registrant_id),
        ("kecamatan", Registrant.kecamatan_code),
        ("kind", Aid.kind),
        ("kind_other", Aid.kind_other),
        ("value_rupiah", Aid.value),
        ("given_on", Aid.given_on),
        ("source", Aid.source),
        ("class_id", Aid.class_id),
        ("repeat_reason", Aid.repeat_reason),
        ("recorded_at_wib", Aid.recorded_at),
    ),
    # A companion's home visits (issue 11): what was said and agreed is full data only.
    "visits": (
        ("id", Visit.id),
        ("registrant_id", Visit.registrant_id),
        ("kecamatan", Registrant.kecamatan_code),
        ("desa_kelurahan", Registrant.village_code),
        ("companion_id", Visit.companion_id),
        ("visited_on", Visit.visited_on),
        ("talked", Visit.talked),
        ("obstacles", Visit.obstacles),
        ("next_step", Visit.next_step),
        ("next_on", Visit.next_on),
    ),
}
SHEETS = tuple(_COLUMNS)
_not_erased = Registrant.status != RegistrantStatus.DELETED


@dataclass(frozen=True)
class Table:
    name: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]  # as read: encrypted columns still encrypted
    # Per column: the encrypted type's decoder, or None for a plain column.
    decoders: tuple[Callable[[Any, Any], Any] | None, ...] = ()


@dataclass(frozen=True)
class ExportFile:
    filename: str
    data: bytes
    counts: dict[str, int]


def _encrypted(col: Any) -> EncryptedType | None:
    kind = getattr(col, "type", None)
    return kind if isinstance(kind, EncryptedType) else None


_HERS = {"decisions": Assessment, "aid": Aid, "visits": Visit}  # rows of one registration


def _query(name: str, q: Any) -> Any:
    """The rest of a sheet's query. An erased registration (/hapus_data,
    retention) is only a count in /laporan now: it is not a row of any sheet."""
    if name == "registrants":
        return q.where(_not_erased).order_by(Registrant.id)
    if name in _HERS:
        row = _HERS[name]
        her = Registrant.id == row.registrant_id
        return q.join(Registrant, her).where(_not_erased).order_by(row.id)
    if name == "checkins":
        return q.outerjoin(Registrant, Registrant.user_id == CheckIn.user_id).order_by(CheckIn.id)
    her = Registrant.user_id == Enrolment.user_id
    if name == "enrolments":
        return (
            q.join(TrainingClass, TrainingClass.id == Enrolment.class_id)
            .outerjoin(Registrant, her)
            .order_by(Enrolment.id)
        )
    return (  # attendance
        q.join(ClassSession, ClassSession.id == Attendance.session_id)
        .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
        .outerjoin(Registrant, her)
        .order_by(ClassSession.starts_at, Attendance.enrolment_id)
    )


async def _read(s: AsyncSession, name: str) -> Table:
    columns = _COLUMNS[name]
    raw = (type_coerce(c, Text) if _encrypted(c) is not None else c for _, c in columns)
    stmt = _query(name, select(*raw)).execution_options(yield_per=_PARTITION)
    rows: list[tuple[Any, ...]] = []
    async for part in (await s.stream(stmt)).partitions(_PARTITION):
        rows.extend(tuple(r) for r in part)
    kinds = [_encrypted(c) for _, c in columns]
    decoders = tuple(k.process_result_value if k is not None else None for k in kinds)
    return Table(name, tuple(h for h, _ in columns), rows, decoders)


async def read_tables(db: Database) -> list[Table]:
    """All the tables, in SHEETS order (encrypted values not yet decrypted)."""
    async with db.sessions() as s:
        return [await _read(s, name) for name in SHEETS]


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
        *((f"visit_obstacles_{k}", value(v)) for k, v in r.visits.kinds.items()),
    ]
    for c in r.visits.companions:
        who = f"companion_{c.companion_id}"
        rows += [
            (f"{who}_caseload", value(c.caseload)),
            (f"{who}_not_contacted_30d", value(c.not_contacted)),
            (f"{who}_follow_ups_open", value(c.open)),
            (f"{who}_follow_ups_resolved", value(c.resolved)),
            *((f"{who}_visits_{m}", value(v)) for m, v in c.visits_by_month.items()),
        ]
    return Table(SUMMARY, ("figure", "value"), rows)


# ---- in the worker thread -------------------------------------------------------------


# Masked mode (domain/masking.py): each personal column either changes (new
# header, new value) or is left out (None). The rest is the same in both modes.
_MASKED: dict[str, tuple[str, Callable[[Any, date], Any]] | None] = {
    "full_name": ("initials", lambda v, _: initials(v)),
    "nik": ("nik_given", lambda v, _: bool(v)),
    "birth_date": ("age_band", lambda v, today: age_band(_as_date(v), today)),
    "address": None,
    "phone": ("phone", lambda v, _: mask_phone(v)),
    "monthly_income": ("monthly_income_range", lambda v, _: _income_range(v)),
    "income": ("income_range", lambda v, _: _income_range(v)),
    "repeat_reason": None,  # words about her situation: full data only
    "talked": None,  # a visit's words: full data only
    "next_step": None,
}
_PLACES = frozenset({"kecamatan", "desa_kelurahan", "class_kecamatan"})
_INCOMES = frozenset({"monthly_income", "income"})
# OWASP "CSV injection": a cell starting with one of these is a formula (or
# becomes one) in Excel, LibreOffice and Google Sheets. An address can start
# with "=". A leading apostrophe makes it plain text in all of them.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """Free text made safe for a spreadsheet: "=1+1" -> "'=1+1"."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _income_range(value: Any) -> Any:
    return income_range(int(value)) if str(value).isdigit() else None


def _cell(header: str, value: Any, decode: Any, *, masked: bool, places: Any, today: date) -> Any:
    if value is None:
        return None
    if decode is not None:
        value = decode(value, None)
        if value is None:
            return None
    if masked and header in _MASKED:
        rule = _MASKED[header]
        value = rule[1](value, today) if rule is not None else None
    elif header in _INCOMES and isinstance(value, str) and value.isdigit():
        value = int(value)
    elif header == "phone":
        value = display_phone(value)  # the 08... form people write; no "+" to neutralise
    elif header in _PLACES:
        value = places.get(value).name if value in places else value
    if isinstance(value, datetime):
        # Excel has no time zones: the office's local time, stated in the header.
        return value.astimezone(WIB).replace(tzinfo=None)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, bool | int | float | date) or value is None:
        return value
    return neutralised(str(value))


def _prepared(
    table: Table, masked: bool, today: date | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows as written: decrypted, masked if asked, text neutralised."""
    places = load_places()
    today = today or now().astimezone(WIB).date()
    decoders = table.decoders or (None,) * len(table.headers)
    keep = [
        i for i, h in enumerate(table.headers) if not (masked and h in _MASKED and not _MASKED[h])
    ]
    names = [table.headers[i] for i in keep]
    headers = [rule[0] if masked and (rule := _MASKED.get(h)) else h for h in names]
    rows = [
        [
            _cell(h, row[i], decoders[i], masked=masked, places=places, today=today)
            for h, i in zip(names, keep, strict=True)
        ]
        for row in table.rows
    ]
    return headers, rows


def build_xlsx(tables: Sequence[Table], *, masked: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def cell(ws: Any, value: Any, **style: Any) -> Any:
        made = WriteOnlyCell(ws, value=value)
        for name, v in style.items():
            setattr(made, name, v)
        return made

    for table in tables:
        ws = wb.create_sheet(table.name)
        ws.freeze_panes = "A2"
        headers, rows = _prepared(table, masked)
        ws.append([cell(ws, h, font=bold) for h in headers])
        for row in rows:
            # Every text cell is a string cell, never a formula or an error code ("#N/A").
            ws.append([cell(ws, v, data_type="s") if isinstance(v, str) else v for v in row])
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
            headers, rows = _prepared(table, masked)
            writer.writerow(headers)
            for row in rows:
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
        mode = "masked" if masked else "full"
        detail = {"format": fmt, "nik": mode, "mode": mode, "rows": counts}
        audit(s, actor, "export", detail=json.dumps(detail, sort_keys=True))
    name = "wrse-" + at.astimezone(WIB).strftime("%Y%m%d-%H%M") + ("" if masked else "-lengkap")
    return ExportFile(name + (".xlsx" if fmt == "xlsx" else "-csv.zip"), data, counts)


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
