"""Monthly household income as typed in chat ("500rb", "1,5 juta", "limang atus ewu").

Indonesian writes "." for thousands and "," for decimals, and people drop units
or zeros freely, so a reading may have several candidates; anything ambiguous
gets a confirmation in the chat (DOMAIN.md, "Money as typed in chat").
All arithmetic is Decimal: no float ever touches an amount.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from wrse_bot.domain.errors import ProblemError
from wrse_bot.domain.numwords import NotANumberError, evaluate, tokenize
from wrse_bot.domain.text import N_

MAX_MONTHLY_INCOME = 1_000_000_000  # above this it is a typo, not an income
# Below this a unit-less number is read as missing its "ribu" or "juta".
_IMPLAUSIBLY_SMALL = Decimal(10_000)
_THOUSAND = Decimal(1_000)
_MILLION = Decimal(1_000_000)


class MoneyProblem(StrEnum):
    NOT_UNDERSTOOD = "not_understood"
    NEGATIVE = "negative"
    TOO_LARGE = "too_large"


class MoneyError(ProblemError):
    """Why a typed amount is not a plausible monthly income."""

    MESSAGES: ClassVar[Mapping[Any, str]] = {
        MoneyProblem.NEGATIVE: N_(
            "The amount cannot be below zero. Please type it again, for example: 500rb. "
            "If there is no income, type 0."
        ),
        MoneyProblem.TOO_LARGE: N_(
            "That amount looks too large for one month. Please check it and type it again, "
            "for example: 1,5 juta."
        ),
        MoneyProblem.NOT_UNDERSTOOD: N_(
            "Please type the amount in numbers, for example: 500rb or 1,5 juta."
        ),
    }


@dataclass(frozen=True)
class MoneyReading:
    """``amount`` is the most likely value; ``candidates`` lists every reading, best first."""

    amount: int
    candidates: tuple[int, ...]

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


_NO_INCOME = re.compile(
    r"^(?:nol|kosong|"
    r"(?:tidak|tdk|tak|gak|ga|gk|nggak|ngga|enggak|engga|belum|blm|ora|mboten|dereng)\s+"
    r"(?:ada|punya|ono|ana|enek|wonten|gadhah|duwe)"
    r"(?:\s+(?:penghasilan|pendapatan|pemasukan|gaji|income))?)$"
)
_LEADING_HEDGES = re.compile(
    r"^(?:sekitar|sekitaran|kira-kira|kira2|kurang lebih|kurleb|kisaran|rata-rata|rata2|"
    r"cuma|cuman|hanya|mung|±|\+/-|\+-)\s*"
)
_PER_MONTH = re.compile(
    r"\s*(?:(?:/|per|tiap|setiap|tiap-tiap|saben)\s*(?:bulan|bln|bl|wulan|sasi|month)"
    r"|perbulan|perbln|sebulan(?:nya)?|sewulan|sakwulan|sesasi|a month|monthly)\s*\.?$"
)
_CURRENCY = re.compile(r"(?<![^\W\d_])(?:rp|idr)\.?|rupiah")
_TRAILING_DASH = re.compile(r"[,.]?-+$")  # "Rp500.000,-"
_MINUS = re.compile(r"^(?:-|\u2212|minus\b)")


def parse_money(text: str) -> MoneyReading:
    """Read a monthly household income; raise ``MoneyError`` if it is not a plausible amount.

    Units ("rb", "jt", "yuta"...), "Rp", number words, "per bulan" and "tidak ada" are
    understood. An amount with a unit or all its digits is read as typed, never
    ambiguous ("500.000", "2 juta"). Ambiguous readings, likely value first:

    - a unit-less number below Rp 10.000 is taken to lack its unit: below 10 it
      means juta, otherwise ribu. "2" -> (2.000.000, 2); "500" -> (500.000, 500);
      "1.500" -> (1.500.000, 1.500); "lima ratus" -> (500.000, 500);
    - a unit-less decimal below 10 means juta, the second reading is ribu:
      "1,5" -> (1.500.000, 1.500);
    - a small number after "juta" is usually its ribu: "1 juta 200" and
      "sejuta limang atus" -> (1.200.000, 1.000.200) and (1.500.000, 1.000.500).

    A candidate that is not a whole Rupiah or above Rp 1.000.000.000 is dropped;
    if the likely one is, the answer is rejected.
    """
    cleaned = _clean(text)
    if _NO_INCOME.match(cleaned):
        return MoneyReading(0, (0,))
    if _MINUS.match(cleaned):
        raise MoneyError(MoneyProblem.NEGATIVE)
    try:
        reading = evaluate(tokenize(cleaned))
    except NotANumberError:
        raise MoneyError(MoneyProblem.NOT_UNDERSTOOD) from None

    if reading.last_unit is None:
        candidates = _unitless_candidates(reading.rest)
    elif reading.rest == 0 or reading.rest >= _THOUSAND or reading.last_unit < _MILLION:
        candidates = [reading.value]
    else:  # "1 juta 200": the speaker almost always means 200 ribu
        candidates = [reading.total + reading.rest * reading.last_unit / _THOUSAND, reading.value]

    likely = candidates[0]
    if likely != likely.to_integral_value():
        raise MoneyError(MoneyProblem.NOT_UNDERSTOOD)
    if likely > MAX_MONTHLY_INCOME:
        raise MoneyError(MoneyProblem.TOO_LARGE)
    whole = [int(c) for c in candidates if c == c.to_integral_value() and c <= MAX_MONTHLY_INCOME]
    kept = tuple(dict.fromkeys(whole))  # de-duplicated, order kept
    return MoneyReading(kept[0], kept)


def _unitless_candidates(value: Decimal) -> list[Decimal]:
    """Readings of a number typed without a unit; see ``parse_money``."""
    if value == 0 or value >= _IMPLAUSIBLY_SMALL:
        return [value]
    if value < 10:
        second = value if value == value.to_integral_value() else value * _THOUSAND
        return [value * _MILLION, second]
    return [value * _THOUSAND, value]


def _clean(text: str) -> str:
    """Lower-case and strip what carries no amount: currency, hedges, "per bulan"."""
    cleaned = unicodedata.normalize("NFKC", text).lower()
    cleaned = " ".join(cleaned.split())
    cleaned = _LEADING_HEDGES.sub("", cleaned)
    cleaned = _PER_MONTH.sub("", cleaned)
    cleaned = _CURRENCY.sub(" ", cleaned)
    cleaned = " ".join(cleaned.split())
    cleaned = _TRAILING_DASH.sub("", cleaned)
    return cleaned.strip(" .,!")
