"""The default WRSE eligibility rules of this product: Permensos No. 08 Tahun 2012
(lampiran) as DOMAIN.md, "Eligibility", reads it, five rules, each met / not met /
needs review:

1. woman (from the NIK); a NIK that shows a man but that she confirms is hers
   needs review (typed for someone else, or a registry error), never "met";
2. age 18-59 inclusive on the day of assessment;
3. heads her household (belum kawin, cerai hidup, cerai mati, ditinggal);
   married and the main earner needs review, married otherwise is not met;
4. main earner;
5. per-capita income at most 1.2 x the poverty line (BPS "hampir miskin"),
   review up to 1.6 x ("rentan"), not met above.

Eligible if all are met, not eligible if any is not, otherwise staff review.
Change ``RULESET_VERSION`` whenever a rule changes: old decisions stay explainable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from wrse_bot.domain.errors import Param
from wrse_bot.domain.nik import Sex
from wrse_bot.domain.text import N_, Money

# v2: a NIK that shows a man and that she confirmed is "review" under rule 1 (v1 said
# "met" after the intake replaced the NIK's sex with hers); reasons say only what she gave.
RULESET_VERSION = "permensos-08-2012/v2"


class Outcome(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    REVIEW = "review"


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_REVIEW = "needs_review"


class MaritalStatus(StrEnum):
    """Status on the family card (Permendagri 118/2017, older cards), plus "ditinggal"."""

    BELUM_KAWIN = "belum_kawin"
    KAWIN_TERCATAT = "kawin_tercatat"
    KAWIN_BELUM_TERCATAT = "kawin_belum_tercatat"
    KAWIN = "kawin"  # older cards do not say whether the marriage is registered
    CERAI_HIDUP = "cerai_hidup"
    CERAI_MATI = "cerai_mati"
    DITINGGAL = "ditinggal"  # ditinggal suami tanpa kejelasan: not on the card


_MARRIED = frozenset(
    {MaritalStatus.KAWIN_TERCATAT, MaritalStatus.KAWIN_BELUM_TERCATAT, MaritalStatus.KAWIN}
)


@dataclass(frozen=True)
class Thresholds:
    """Settings of the rules; the defaults are this product's, see the module docstring."""

    # Garis kemiskinan Kota Batu, BPS, March 2025, Rupiah per person per month
    # (March 2024: Rp 642.778).
    poverty_line: int = 671_273
    near_poor_multiplier: Decimal = Decimal("1.2")  # BPS "hampir miskin"
    vulnerable_multiplier: Decimal = Decimal("1.6")  # BPS "rentan"
    min_age: int = 18
    max_age: int = 59


@dataclass(frozen=True)
class Applicant:
    sex: Sex  # as the NIK shows it
    birth_date: date
    marital_status: MaritalStatus
    main_earner: bool
    dependents: int  # people she supports, not counting herself
    monthly_income: int  # whole household, Rupiah per month
    # The NIK shows a man, and she confirmed the NIK is hers and that she is a woman.
    confirmed_nik_shows_man: bool = False

    def __post_init__(self) -> None:
        if self.dependents < 0 or self.monthly_income < 0:
            raise ValueError("dependents and monthly_income cannot be negative")


@dataclass(frozen=True)
class RuleResult:
    rule: str  # "woman" | "age" | "head_of_household" | "main_earner" | "income"
    outcome: Outcome
    message: str  # N_ msgid
    params: dict[str, Param] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    results: tuple[RuleResult, ...]
    ruleset_version: str
    per_capita_income: int
    assessed_on: date


def assess(applicant: Applicant, *, on: date, thresholds: Thresholds = Thresholds()) -> Assessment:
    """Apply the five rules on day ``on`` and combine them into a verdict."""
    per_capita = per_capita_income(applicant.monthly_income, applicant.dependents)
    results = (
        _woman(applicant),
        _age(applicant, on, thresholds),
        _head_of_household(applicant),
        _main_earner(applicant),
        _income(applicant, per_capita, thresholds),
    )
    return Assessment(
        verdict=_verdict(results),
        results=results,
        ruleset_version=RULESET_VERSION,
        per_capita_income=per_capita,
        assessed_on=on,
    )


def per_capita_income(monthly_income: int, dependents: int) -> int:
    """Household income divided by herself plus dependents, in whole Rupiah.

    Rounded down: the remainder is less than one Rupiah per person, and
    rounding down never pushes anyone over a limit by a fraction.
    """
    return monthly_income // (1 + dependents)


def age_on(birth_date: date, on: date) -> int:
    """Whole years completed on ``on``.

    Someone born on 29 February turns a year older on 1 March in common years.
    """
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


def _verdict(results: tuple[RuleResult, ...]) -> Verdict:
    outcomes = {r.outcome for r in results}
    if Outcome.NOT_MET in outcomes:
        return Verdict.NOT_ELIGIBLE
    if outcomes == {Outcome.MET}:
        return Verdict.ELIGIBLE
    return Verdict.NEEDS_REVIEW


# Reasons that replaced earlier wordings (REWORDED, below).
HEAD_MET = N_("Not married now: counted as the head of her household.")
HEAD_NOT_MET = N_("Married and not the main earner, so not counted as the head of the household.")
INCOME_MET = N_(
    "Income per person: {per_capita} a month ({income} shared by "
    "{household_size}), within the limit of {near_poor_limit} per person."
)
INCOME_REVIEW = N_(
    "Income per person: {per_capita} a month ({income} shared by "
    "{household_size}), a little above the limit of {near_poor_limit} per "
    "person: staff will check."
)
INCOME_NOT_MET = N_(
    "Income per person: {per_capita} a month ({income} shared by "
    "{household_size}), above the limit of {near_poor_limit} per person."
)


def _woman(applicant: Applicant) -> RuleResult:
    if applicant.sex is Sex.FEMALE:
        return RuleResult("woman", Outcome.MET, N_("Woman, as shown by the NIK."))
    if applicant.confirmed_nik_shows_man:
        # A NIK is never reissued: staff check in person (DOMAIN.md rule 1).
        said = N_("The NIK shows a man, but she confirmed it is hers: staff will check it.")
        return RuleResult("woman", Outcome.REVIEW, said)
    said = N_("The NIK shows a man; this programme is for women.")
    return RuleResult("woman", Outcome.NOT_MET, said)


def _age(applicant: Applicant, on: date, t: Thresholds) -> RuleResult:
    age = age_on(applicant.birth_date, on)
    params: dict[str, Param] = {"age": age, "min_age": t.min_age, "max_age": t.max_age}
    if age < t.min_age:
        outcome, said = Outcome.NOT_MET, N_("Age {age}: younger than {min_age} years.")
    elif age > t.max_age:
        outcome, said = Outcome.NOT_MET, N_("Age {age}: older than {max_age} years.")
    else:
        outcome, said = Outcome.MET, N_("Age {age}: within {min_age}–{max_age} years.")
    return RuleResult("age", outcome, said, params)


def _head_of_household(applicant: Applicant) -> RuleResult:
    # Reasons name only what she answered (status, main earner): the form never asks
    # whether a husband lives with her, so no reason may say so.
    if applicant.marital_status not in _MARRIED:
        outcome, said = Outcome.MET, HEAD_MET
    elif applicant.main_earner:  # say, a husband too sick to work
        outcome = Outcome.REVIEW
        said = N_("Married, but says she is the main earner: staff will check.")
    else:
        outcome, said = Outcome.NOT_MET, HEAD_NOT_MET
    return RuleResult("head_of_household", outcome, said)


def _main_earner(applicant: Applicant) -> RuleResult:
    if applicant.main_earner:
        return RuleResult("main_earner", Outcome.MET, N_("Main earner of the family."))
    return RuleResult("main_earner", Outcome.NOT_MET, N_("Not the main earner of the family."))


def _income(applicant: Applicant, per_capita: int, t: Thresholds) -> RuleResult:
    near_poor = t.near_poor_multiplier * t.poverty_line
    vulnerable = t.vulnerable_multiplier * t.poverty_line
    params: dict[str, Param] = {
        "per_capita": Money(per_capita),
        "income": Money(applicant.monthly_income),
        "household_size": 1 + applicant.dependents,
        # Rounded down for display: per-capita is whole Rupiah, so "at most the
        # rounded-down limit" is exactly "at most the limit".
        "near_poor_limit": Money(int(near_poor)),
        "vulnerable_limit": Money(int(vulnerable)),
    }
    if per_capita <= near_poor:  # Decimal comparison: exactly 1.2 x is met
        outcome, said = Outcome.MET, INCOME_MET
    elif per_capita <= vulnerable:
        outcome, said = Outcome.REVIEW, INCOME_REVIEW
    else:
        outcome, said = Outcome.NOT_MET, INCOME_NOT_MET
    return RuleResult("income", outcome, said, params)


# Earlier wordings of reasons, as stored with old assessments, and the wording that
# replaced each (same parameters): old decisions are shown in today's words.
REWORDED: dict[str, str] = {
    "Heads her household.": HEAD_MET,
    "Married and living with her husband, so she does not head the household.": HEAD_NOT_MET,
    "Income per person: {per_capita} a month, at most {near_poor_limit}.": INCOME_MET,
    "Income per person: {per_capita} a month, above {near_poor_limit} "
    "but at most {vulnerable_limit}: staff will check.": INCOME_REVIEW,
    "Income per person: {per_capita} a month, above {vulnerable_limit}.": INCOME_NOT_MET,
}
