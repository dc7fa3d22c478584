"""Business aid (bantuan stimulan) given to one woman (issue 11).

The study behind the product recommends aid to each woman rather than to a
group: capital (modal usaha) and equipment such as a sewing machine, a cart
(gerobak or rombong), a display case (etalase) or cooking tools. The codes
are those of the check-in's "help received", so reports can set her income
after training against the aid she got.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from wrse_bot.domain.text import N_


class AidKind(StrEnum):
    MODAL = "modal_usaha"
    MESIN_JAHIT = "mesin_jahit"
    GEROBAK = "gerobak"
    ETALASE = "etalase"
    PERALATAN_MASAK = "peralatan_masak"
    LAINNYA = "lainnya"  # described in words


AID_KINDS: dict[str, str] = {
    AidKind.MODAL: N_("Business capital"),
    AidKind.MESIN_JAHIT: N_("Sewing machine"),
    AidKind.GEROBAK: N_("Cart (gerobak / rombong)"),
    AidKind.ETALASE: N_("Display case (etalase)"),
    AidKind.PERALATAN_MASAK: N_("Cooking equipment"),
    AidKind.LAINNYA: N_("Other"),
}
MAX_VALUE = 1_000_000_000  # Rp 1 miliar: more is a typing slip, not one woman's aid


def months_between(earlier: date, later: date) -> int:
    """Whole months from ``earlier`` to ``later`` (negative if later is before)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def repeats(kind: str, on: date, earlier: list[tuple[str, date]], window_months: int) -> bool:
    """Whether aid of ``kind`` on ``on`` repeats one she already got of the same
    kind within ``window_months`` (before or after: records may come late).
    "Other" aid is described in words, so it is never a repeat by code."""
    if kind == AidKind.LAINNYA:
        return False
    return any(
        k == kind and abs(months_between(min(d, on), max(d, on))) < window_months
        for k, d in earlier
    )
