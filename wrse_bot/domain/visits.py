"""A companion's home visits (issue 11): when a woman needs one, and the obstacles a
visit notes, in the study's two kinds: from inside herself and from outside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from wrse_bot.domain.text import N_

INTERNAL = "internal"
EXTERNAL = "external"
OBSTACLE_NONE = "tidak_ada"
# code -> (label, kind)
VISIT_OBSTACLES: dict[str, tuple[str, str]] = {
    "kesehatan": (N_("Health"), INTERNAL),
    "percaya_diri": (N_("Confidence"), INTERNAL),
    "keterampilan": (N_("Skills"), INTERNAL),
    "waktu": (N_("Time"), INTERNAL),
    "anak_keluarga": (N_("Children and family"), EXTERNAL),
    "tetangga": (N_("Neighbours"), EXTERNAL),
    "pasar": (N_("Market and buyers"), EXTERNAL),
    "modal": (N_("Capital"), EXTERNAL),
    "pemerintah": (N_("Government and paperwork"), EXTERNAL),
}
OBSTACLE_KINDS = {INTERNAL: N_("From inside (herself)"), EXTERNAL: N_("From outside")}

NO_CONTACT_DAYS = 30

# Why she needs a visit, in the order the caseload names them.
NO_CONTACT = "no_contact"
FOLLOW_UP = "follow_up"
INCOME_FELL = "income_fell"
UNANSWERED = "unanswered"
VISIT_REASONS: dict[str, str] = {
    NO_CONTACT: N_("no contact for 30 days"),
    FOLLOW_UP: N_("a follow-up is open"),
    INCOME_FELL: N_("her income fell"),
    UNANSWERED: N_("a check-in is unanswered"),
}


@dataclass(frozen=True)
class Contact:
    """What the caseload knows of her, for the rule below."""

    last_visit: date | None
    last_answer: date | None  # the last check-in she (or her companion) answered
    open_follow_ups: int
    income_fell: bool  # at her last answered check-in
    unanswered: bool  # a check-in asked and not answered


def visit_reasons(c: Contact, today: date) -> tuple[str, ...]:
    """Why she needs a visit (empty: she does not, for now)."""
    reasons = []
    contacts = [d for d in (c.last_visit, c.last_answer) if d is not None]
    if not contacts or today - max(contacts) > timedelta(days=NO_CONTACT_DAYS):
        reasons.append(NO_CONTACT)
    if c.open_follow_ups:
        reasons.append(FOLLOW_UP)
    if c.income_fell:
        reasons.append(INCOME_FELL)
    if c.unanswered:
        reasons.append(UNANSWERED)
    return tuple(reasons)
