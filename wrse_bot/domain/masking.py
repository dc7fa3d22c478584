"""How a woman appears in a *masked* export: recognisable to nobody outside the office.

The masked file may travel further than the full one, so it holds nothing an
identity could be rebuilt from (UU PDP): no NIK digits at all (its last four with
the kecamatan and birth date rebuild it), initials, a five-year age band, the
phone as on a shared screen, income as its Rp100.000 range.
"""

from __future__ import annotations

from datetime import date

from wrse_bot.domain.eligibility import age_on
from wrse_bot.domain.obstacles import BRACKET_RUPIAH, income_bracket

AGE_BAND_YEARS = 5


def initials(name: str) -> str:
    """ "Siti Nur'aini" -> "S. N."; hyphenated parts count as one word."""
    return " ".join(f"{word[0].upper()}." for word in name.split() if word[0].isalpha())


def age_band(birth: date, on: date) -> str:
    """Her age on ``on`` as a five-year band, the way BPS groups ages: 42 -> "40-44"."""
    low = age_on(birth, on) // AGE_BAND_YEARS * AGE_BAND_YEARS
    return f"{low}-{low + AGE_BAND_YEARS - 1}"


def income_range(rupiah: int) -> str:
    """A monthly income as its reporting bracket: 350.000 -> "300000-399999"."""
    low = income_bracket(rupiah) * BRACKET_RUPIAH
    return f"{low}-{low + BRACKET_RUPIAH - 1}"
