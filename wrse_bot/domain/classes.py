"""Pure rules for joining classes: who may enrol, when a class is open, when
two classes clash, and which classes a woman sees first. No I/O here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from wrse_bot.domain.eligibility import Verdict
from wrse_bot.domain.statuses import ClassStatus, RegistrantStatus

# A session as (starts_at, ends_at), aware datetimes.
Span = tuple[datetime, datetime]


class Standing(StrEnum):
    """Whether she may enrol, and if not, why (each reason has its own advice)."""

    ELIGIBLE = "eligible"
    NOT_REGISTERED = "not_registered"  # advice: register (Daftar)
    NEEDS_REVIEW = "needs_review"  # advice: an officer will contact her
    DUPLICATE = "duplicate"  # possible duplicate NIK: an officer will contact her
    NOT_ELIGIBLE = "not_eligible"  # kind note, other help at the desa office


def standing_of(status: str | None, verdict: str | None) -> Standing:
    """From her registration (``None`` = none): only an ELIGIBLE verdict on an
    active registration may enrol. A staff approval is recorded as verdict
    'eligible', so approved women enrol too (issue 3, "Women: finding...")."""
    if status is None or status == RegistrantStatus.DELETED:
        return Standing.NOT_REGISTERED
    if status == RegistrantStatus.DUPLICATE_REVIEW:
        return Standing.DUPLICATE
    if verdict == Verdict.NOT_ELIGIBLE or status == RegistrantStatus.REJECTED:
        return Standing.NOT_ELIGIBLE
    if verdict == Verdict.ELIGIBLE and status == RegistrantStatus.ACTIVE:
        return Standing.ELIGIBLE
    return Standing.NEEDS_REVIEW


class Opening(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # not published (cancelled, draft) or gone
    DEADLINE = "deadline"  # enrolment deadline passed
    STARTED = "started"  # its first session has begun (or it has none)


def opening(status: str, deadline: datetime, sessions: Sequence[Span], now: datetime) -> Opening:
    if status != ClassStatus.PUBLISHED:
        return Opening.CLOSED
    if now > deadline:
        return Opening.DEADLINE
    if not sessions or min(start for start, _ in sessions) <= now:
        return Opening.STARTED
    return Opening.OPEN


def spans_overlap(a: Span, b: Span) -> bool:
    """Half-open intervals: a class ending at 12.00 does not clash with one at 12.00."""
    return a[0] < b[1] and b[0] < a[1]


def clashes(mine: Iterable[Span], other: Iterable[Span]) -> bool:
    return first_clash(mine, other) is not None


def listing_key(
    *,
    skill: str,
    kecamatan_code: str,
    first_start: datetime,
    class_id: int,
    interests: Iterable[str],
    kecamatan: str | None,
) -> tuple[bool, bool, datetime, int]:
    """Her interests first, then her kecamatan, then the soonest."""
    return (
        skill not in set(interests),
        kecamatan is None or kecamatan_code != kecamatan,
        first_start,
        class_id,
    )


def hold_until(now: datetime, hold_hours: float, first_start: datetime | None) -> datetime:
    """A freed seat is held ``hold_hours`` (setting waitlist_hold_hours, default
    24), but never past the start of the class's first session."""
    until = now + timedelta(hours=hold_hours)
    if first_start is not None and first_start > now:
        return min(until, first_start)
    return until


def first_clash(mine: Iterable[Span], other: Iterable[Span]) -> Span | None:
    """The first session of ``other`` that overlaps one of ``mine`` (to name it)."""
    wanted = list(mine)
    for b in sorted(other):
        if any(spans_overlap(a, b) for a in wanted):
            return b
    return None
