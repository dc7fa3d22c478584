"""What women report at a check-in (DOMAIN.md "Who we serve": income, business, help
received, what held her back), as stored codes with labels translated when shown."""

from __future__ import annotations

from enum import StrEnum

from wrse_bot.domain.text import N_

# Her biggest obstacle; "lainnya" comes with her own words (CheckIn.obstacle_other).
OBSTACLE_OTHER = "lainnya"
OBSTACLES: dict[str, str] = {
    "modal": N_("Capital"),
    "pemasaran": N_("Marketing"),
    "waktu": N_("Time / caring for children"),
    "kesehatan": N_("Health"),
    "alat": N_("Tools"),
    OBSTACLE_OTHER: N_("Something else"),
}

# Business starter help she received; "tidak_ada" means none.
HELP_NONE = "tidak_ada"
HELP_KINDS: dict[str, str] = {
    "mesin_jahit": N_("Sewing machine"),
    "gerobak": N_("Cart (gerobak)"),
    "etalase": N_("Display case (etalase)"),
    "modal_usaha": N_("Business capital"),
    HELP_NONE: N_("No help"),
}


class IncomeChange(StrEnum):
    """CheckIn.income_change: her income last month against her income at intake."""

    ROSE = "rose"
    SAME = "same"
    FELL = "fell"


INCOME_CHANGES: dict[str, str] = {
    IncomeChange.ROSE: N_("Rose"),
    IncomeChange.SAME: N_("About the same"),
    IncomeChange.FELL: N_("Fell"),
}

# Check-in rounds, days after completing a class (the default offsets).
ROUNDS: tuple[int, ...] = (30, 90, 180)


class FollowUpReason(StrEnum):
    """FollowUp.reason: why a check-in needs a person, in the queue's order of urgency."""

    INCOME_FELL = "income_fell"
    WANTS_CONTACT = "wants_contact"  # she asked to be contacted
    NO_RESPONSE = "no_response"  # no answer after the second asking


FOLLOW_UP_REASONS: dict[str, str] = {
    FollowUpReason.INCOME_FELL: N_("Income fell"),
    FollowUpReason.WANTS_CONTACT: N_("Asked to be contacted"),
    FollowUpReason.NO_RESPONSE: N_("No response"),
}

# Incomes are aggregated in whole Rp100.000s (Registrant/CheckIn.income_bracket).
BRACKET_RUPIAH = 100_000


def income_bracket(rupiah: int) -> int:
    """The reporting bracket of a monthly income: whole Rp100.000s."""
    return max(rupiah, 0) // BRACKET_RUPIAH
