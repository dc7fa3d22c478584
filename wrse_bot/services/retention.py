"""Retention is enforced, not only promised (issue 8 §7).

The consent text promises to keep her data ``WRSE_RETENTION_YEARS`` years and
then delete it (UU PDP: state a period, delete when it ends). A daily job
(bot.py) runs :func:`enforce_retention`, which erases, exactly as /hapus_data
does (services/erasure.py):

* registrations whose period has ended, counted from when she gave consent
  (or, without a recorded consent time, from when she registered);
* unfinished forms untouched for ``WRSE_DRAFT_RETENTION_DAYS`` (a form may
  hold a NIK): a new registration's form is erased with all that is hers, a
  form that edits a registration is dropped and the registration stays;
* rows an older version of the bot left after /hapus_data (enrolments or
  check-ins of someone with no registration and no form at all).

Each woman is erased in her own transaction, so one failure cannot undo the
others; each run writes one audit event with the counts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, union

from wrse_bot import clock
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, AuditEvent, CheckIn, Enrolment, Registrant
from wrse_bot.domain.statuses import RegistrantStatus
from wrse_bot.forms.intake import NAME as INTAKE
from wrse_bot.services.erasure import erase

log = logging.getLogger(__name__)

AUDIT_ACTION = "retention_run"


@dataclass
class RetentionReport:
    """One run, in counts only."""

    registrations: int = 0  # erased: their retention period ended
    drafts: int = 0  # unfinished forms erased (new registrations)
    edit_drafts: int = 0  # forms editing a kept registration, dropped
    leftovers: int = 0  # people whose rows outlived an older erasure
    seats_offered: int = 0  # seats they held, now offered to the next woman waiting


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar moment ``years`` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


async def _ids(db: Database, stmt: object) -> list[int]:
    async with db.sessions() as s:
        return [int(v) for v in (await s.scalars(stmt)).all()]  # type: ignore[call-overload]


async def enforce_retention(
    db: Database, settings: Settings, *, now: datetime | None = None
) -> RetentionReport:
    """Erase what is past its time (see the module docstring); audit-log the run."""
    at = now or clock.now()
    report = RetentionReport()
    live = Registrant.status != RegistrantStatus.DELETED
    registered_since = func.coalesce(Registrant.consent_at, Registrant.created_at)
    expired = await _ids(
        db,
        select(Registrant.user_id)
        .where(
            live,
            Registrant.user_id.is_not(None),
            registered_since < years_before(at, settings.retention_years),
        )
        .order_by(Registrant.id),
    )
    stale = ActiveForm.updated_at < at - timedelta(days=settings.draft_retention_days)
    has_live = select(Registrant.id).where(Registrant.user_id == ActiveForm.user_id, live).exists()
    stale_new = await _ids(
        db,
        select(ActiveForm.user_id)
        .where(ActiveForm.form == INTAKE, stale, ~has_live)
        .order_by("user_id"),
    )
    people = union(select(Enrolment.user_id), select(CheckIn.user_id)).subquery()
    leftovers = await _ids(
        db,
        select(people.c.user_id)
        .where(
            ~select(Registrant.id).where(Registrant.user_id == people.c.user_id).exists(),
            ~select(ActiveForm.user_id)
            .where(ActiveForm.user_id == people.c.user_id, ActiveForm.form == INTAKE)
            .exists(),
        )
        .order_by(people.c.user_id),
    )
    found = ((expired, "registrations"), (stale_new, "drafts"), (leftovers, "leftovers"))
    for user_ids, field in found:
        for user_id in user_ids:
            offered = await _erase_one(db, settings, user_id, at)
            if offered is not None:
                setattr(report, field, getattr(report, field) + 1)
                report.seats_offered += offered
    async with db.transaction() as s:
        # Any form left untouched as long (a change to a registration that stays
        # among them): only the form goes, with its answers.
        forms = await s.execute(
            delete(ActiveForm).where(stale).execution_options(synchronize_session=False)
        )
        report.edit_drafts = int(forms.rowcount or 0)  # type: ignore[attr-defined]
        s.add(AuditEvent(actor_id=None, action=AUDIT_ACTION, detail=json.dumps(asdict(report))))
    return report


async def _erase_one(db: Database, settings: Settings, user_id: int, at: datetime) -> int | None:
    """Erase one person in her own transaction; seats offered, or None on failure."""
    try:
        async with db.transaction() as s:
            erased = await erase(s, settings, user_id, reason="retention", now=at)
            return len(erased.offered)
    except Exception as exc:  # one bad row must not stop the others; the next run retries
        log.error("retention: erasing one person failed (%s)", type(exc).__name__)
        return None
