"""Erasure: everything that is hers goes; only anonymous counts remain.

Issue 8 §2 and §7. The one function both /hapus_data (services/my_data.py)
and the retention job (services/retention.py) call, in the caller's
transaction:

* her places: she leaves every class and waitlist through the cancellation
  code (``classes.leave_all``), so a seat she held is offered to the first
  woman waiting, with the usual hold;
* rows that exist only about her are deleted: enrolments with their
  attendance and RSVPs, check-ins with their follow-ups (and notes), her
  outbox rows (pending reminders, notices, check-in questions), her form
  (her ``active_forms``, her registration in progress among them), her consent rows
  and her ``users`` row;
* rows shared with others keep only what is not hers: a broadcast's outbox
  row stays (so the broadcast's tally is right) without her id or text, staff
  flags lose her id and their detail (and leave the queue), audit events she
  caused lose her id, assessments lose their reasons (which quote income);
* her registration row stays for the counts in /laporan: verdict,
  kecamatan, month, status "deleted". Every other column is cleared,
  including columns added later: what is kept is listed (``_KEEP``), not
  what is removed, so a new personal column cannot be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Table, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.models import (
    ActiveForm,
    Aid,
    Assessment,
    Attendance,
    AuditEvent,
    CheckIn,
    Consent,
    Enrolment,
    FollowUp,
    OutboxMessage,
    Registrant,
    SessionRsvp,
    StaffFlag,
    User,
    Visit,
)
from wrse_bot.domain.statuses import OutboxStatus, RegistrantStatus
from wrse_bot.forms.intake import NAME as INTAKE
from wrse_bot.services import classes

Reason = Literal["by_subject", "retention"]

# Broadcast deliveries keep their row (and so the broadcast's tally) under
# this placeholder recipient: Telegram never gives an account the id 0.
NOBODY = 0
ERASED = "cancelled: her data was erased"

# Columns that survive, per table; every other column is cleared (NULL, or
# the value in ``_FIXED``). The primary key always stays.
_KEEP: dict[str, frozenset[str]] = {
    # verdict, kecamatan and month: what /laporan counts. consent_* is the
    # anonymous proof that consent was once given (UU PDP Ps. 24).
    "registrants": frozenset(
        {"status", "verdict", "kecamatan_code", "created_at", "updated_at", "deleted_at"}
        | {"consent_version", "consent_at"}
    ),
    "assessments": frozenset(
        {"registrant_id", "verdict", "ruleset_version", "assessed_on", "created_at"}
    ),
    "staff_flags": frozenset({"kind", "registrant_id", "created_at", "resolved_at"}),
    "outbox": frozenset(
        {"kind", "status", "due_at", "expires_at", "claimed_until", "sent_at", "attempts"}
        | {"broadcast_id", "class_id", "session_id", "parse_mode", "last_error"}
    ),
}


@dataclass
class Erasure:
    """What one erasure did (counts only: nothing here identifies her)."""

    had_data: bool = False  # a live registration or a form in progress
    offered: list[int] = field(default_factory=list)  # enrolment ids now offered a seat


def _cleared(table: Table, fixed: dict[str, Any]) -> dict[str, Any]:
    """Values that clear every column of ``table`` not kept: NULL, or ``fixed``. A NOT
    NULL column without a fixed value is a schema change erasure was not taught: fail."""
    keep = _KEEP[table.name]
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key or (column.name in keep and column.name not in fixed):
            continue
        if column.name in fixed:
            values[column.name] = fixed[column.name]
        elif column.nullable:
            values[column.name] = None
        else:
            raise RuntimeError(f"erasure does not know what {table.name}.{column.name} becomes")
    return values


async def _clear(s: AsyncSession, model: Any, where: Any, **fixed: Any) -> None:
    """Every column of ``model``'s rows ``where`` that is not kept: NULL, or ``fixed``."""
    values = _cleared(model.__table__, fixed)
    await s.execute(
        update(model).where(where).values(values).execution_options(synchronize_session=False)
    )


async def erase(
    s: AsyncSession,
    settings: Settings,
    user_id: int,
    *,
    reason: Reason,
    now: datetime | None = None,
) -> Erasure:
    """Erase everything of the woman with Telegram id ``user_id`` (see the
    module docstring), in the caller's transaction, and audit-log it."""
    at = now or clock_now()
    result = Erasure()
    # Lock order as in services/classes.py: her user row, then class rows.
    await s.execute(select(User.id).where(User.id == user_id).with_for_update())
    reg_id, reg_status = (
        await s.execute(
            select(Registrant.id, Registrant.status).where(Registrant.user_id == user_id)
        )
    ).first() or (None, None)
    has_draft = await s.scalar(
        select(func.count())
        .select_from(ActiveForm)
        .where(ActiveForm.user_id == user_id, ActiveForm.form == INTAKE)
    )
    result.had_data = bool(has_draft) or (
        reg_id is not None and reg_status != RegistrantStatus.DELETED
    )

    # Her seats pass on, as a cancellation would.
    result.offered = await classes.leave_all(s, settings, user_id, now=at)

    enrolments = select(Enrolment.id).where(Enrolment.user_id == user_id)
    checkins = select(CheckIn.id).where(
        or_(CheckIn.user_id == user_id, CheckIn.enrolment_id.in_(enrolments))
    )
    await s.execute(delete(FollowUp).where(FollowUp.checkin_id.in_(checkins)))
    await s.execute(delete(CheckIn).where(CheckIn.id.in_(checkins)))
    await s.execute(delete(SessionRsvp).where(SessionRsvp.enrolment_id.in_(enrolments)))
    await s.execute(delete(Attendance).where(Attendance.enrolment_id.in_(enrolments)))
    await s.execute(delete(Enrolment).where(Enrolment.user_id == user_id))

    # Messages: hers go; a broadcast delivery stays, without her.
    await s.execute(
        delete(OutboxMessage).where(
            OutboxMessage.user_id == user_id, OutboxMessage.broadcast_id.is_(None)
        )
    )
    pending = OutboxMessage.status == OutboxStatus.PENDING
    await _clear(
        s,
        OutboxMessage,
        OutboxMessage.user_id == user_id,
        user_id=NOBODY,
        text="",
        status=case((pending, OutboxStatus.CANCELLED), else_=OutboxMessage.status),
        last_error=case((pending, ERASED), else_=OutboxMessage.last_error),
    )
    flags = StaffFlag.user_id == user_id
    if reg_id is not None:
        flags = flags | (StaffFlag.registrant_id == reg_id)
        await _clear(s, Assessment, Assessment.registrant_id == reg_id)
        await _clear(
            s,
            Registrant,
            Registrant.id == reg_id,
            status=RegistrantStatus.DELETED,
            deleted_at=func.coalesce(Registrant.deleted_at, at),
            nik_mismatch=False,
            interests=[],
            updated_at=at,
        )
    await _clear(s, StaffFlag, flags, resolved_at=func.coalesce(StaffFlag.resolved_at, at))
    await s.execute(update(AuditEvent).where(AuditEvent.actor_id == user_id).values(actor_id=None))
    await s.execute(delete(ActiveForm).where(ActiveForm.user_id == user_id))
    if reg_id is not None:
        # Aid stays counted with her anonymous registration row; her words go.
        await s.execute(
            update(Aid)
            .where(Aid.registrant_id == reg_id)
            .values(kind_other=None, repeat_reason=None, recorded_by=None)
        )
        # So do her companion's visits: counted by month and obstacle, without a word of them.
        await s.execute(
            update(Visit).where(Visit.registrant_id == reg_id).values(talked=None, next_step=None)
        )
    await s.execute(delete(Consent).where(Consent.user_id == user_id))
    await s.execute(delete(User).where(User.id == user_id))
    s.add(AuditEvent(actor_id=None, action=f"data_deleted_{reason}", registrant_id=reg_id))
    await s.flush()
    return result
