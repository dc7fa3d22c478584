"""Reports never single a woman out: the small-group rule, in one place.

Every figure the office publishes (/laporan, its charts, the exports' summary)
passes through here. One over fewer than ``min_group`` women
(WRSE_REPORT_MIN_GROUP) shows as "< 5": with one registrant her "median" income
would be her income (UU PDP). Zero is shown: it describes nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Withheld:
    """A figure not shown because fewer than ``min_group`` women are behind it."""

    min_group: int

    def __str__(self) -> str:
        return f"< {self.min_group}"


def count(n: int, min_group: int) -> int | Withheld:
    """A head count: 0, or ``min_group`` and more, is shown; 1 to min_group - 1 is withheld."""
    return n if n == 0 or n >= min_group else Withheld(min_group)


def over(value: T | None, women: int, min_group: int) -> T | Withheld | None:
    """A statistic (median, rate, share) of ``women`` women: withheld when they are
    too few. None (nothing to compute yet) stays None."""
    if value is None:
        return None
    return value if women >= min_group else Withheld(min_group)


def counts(cells: Mapping[K, int], min_group: int) -> dict[K, int | Withheld]:
    """A breakdown (by verdict, kecamatan, obstacle...), each cell a head count."""
    return {key: count(n, min_group) for key, n in cells.items()}


def part_of(
    part: int, whole: int, min_group: int, *, women: int | None = None
) -> tuple[int | Withheld, int | Withheld, float | Withheld | None]:
    """ "``part`` of ``whole`` (share)", e.g. 4 of 5 present (80%).

    The share is withheld when the women behind ``whole`` (``women``, default
    ``whole``) are too few, and also when ``part`` is withheld, since the share
    times the whole would give it back.
    """
    group = whole if women is None else women
    shown_part, shown_whole = count(part, min_group), count(whole, min_group)
    if group < min_group:
        shown_part = shown_whole = Withheld(min_group) if whole else 0
    share = over(part / whole if whole else None, group, min_group)
    if isinstance(shown_part, Withheld) and share is not None:
        share = Withheld(min_group)
    return shown_part, shown_whole, share
