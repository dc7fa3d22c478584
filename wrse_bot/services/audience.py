"""Who the bot may still write to (issue 9, "Withdrawn consent stops all
processing"): one rule, used by every query that picks women to message.

A woman may be written to while she has a registration whose consent stands.
/hapus_data withdraws consent and erases her (services/erasure.py), so her
rows are gone; this rule also covers rows that outlived an erasure (a
registration marked deleted by an older version of the bot, or a job that
read her rows a moment before she withdrew).

Check-ins, class notices, seat offers, reminders and class broadcasts filter
with :func:`consenting`; the check-in tick, which reads her registration's
status beside each row, asks :func:`may_contact`. General broadcasts ask for
an active registration, which implies it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists
from sqlalchemy.orm import aliased

from wrse_bot.db.models import Registrant
from wrse_bot.domain.statuses import RegistrantStatus

# Registration statuses after which nothing more is sent: consent withdrawn.
WITHDRAWN = frozenset({RegistrantStatus.DELETED})


def may_contact(registration_status: str | None) -> bool:
    """For a row already joined to her registration (None: she has none)."""
    return registration_status is not None and registration_status not in WITHDRAWN


def consenting(user_id: Any) -> ColumnElement[bool]:
    """SQL: the Telegram user in ``user_id`` (a column) has a registration
    whose consent stands. Its own alias, so it also works in a query that
    joins registrants already."""
    reg = aliased(Registrant)
    return exists().where(reg.user_id == user_id, reg.status.not_in(WITHDRAWN))
