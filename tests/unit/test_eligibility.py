"""The default eligibility rules (DOMAIN.md, "Eligibility: the default rules of this product")."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from wrse_bot.domain.eligibility import (
    REWORDED,
    RULESET_VERSION,
    Applicant,
    Assessment,
    MaritalStatus,
    Outcome,
    RuleResult,
    Thresholds,
    Verdict,
    assess,
)
from wrse_bot.domain.nik import Sex
from wrse_bot.domain.text import Money
from wrse_bot.i18n import translator
from wrse_bot.services.registration import rule_lines

ON = date(2025, 6, 1)
# A poverty line that makes 1.2x and 1.6x whole numbers, for exact boundaries.
ROUND = Thresholds(poverty_line=1_000_000)
DEFAULTS = Thresholds()


def applicant(**changes: object) -> Applicant:
    """A widow of 39, the main earner, with 3 dependents and Rp 500.000 a month: eligible."""
    base = Applicant(
        sex=Sex.FEMALE,
        birth_date=date(1985, 8, 17),
        marital_status=MaritalStatus.CERAI_MATI,
        main_earner=True,
        dependents=3,
        monthly_income=500_000,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def rule(assessment: Assessment, name: str) -> RuleResult:
    (result,) = (r for r in assessment.results if r.rule == name)
    return result


def outcome(name: str, thresholds: Thresholds = DEFAULTS, **changes: object) -> Outcome:
    return rule(assess(applicant(**changes), on=ON, thresholds=thresholds), name).outcome


# Verdict and record


def test_a_widowed_main_earner_of_39_with_low_income_is_eligible() -> None:
    assert assess(applicant(), on=ON).verdict is Verdict.ELIGIBLE


def test_every_rule_is_reported_in_order() -> None:
    assert [r.rule for r in assess(applicant(), on=ON).results] == [
        "woman",
        "age",
        "head_of_household",
        "main_earner",
        "income",
    ]


def test_the_ruleset_version_is_recorded() -> None:
    assert assess(applicant(), on=ON).ruleset_version == RULESET_VERSION == "permensos-08-2012/v2"


def test_the_assessment_day_is_recorded() -> None:
    assert assess(applicant(), on=ON).assessed_on == ON


def test_any_rule_not_met_makes_her_not_eligible_even_with_a_review() -> None:
    # Married and main earner -> review; a man -> not met.
    result = assess(applicant(sex=Sex.MALE, marital_status=MaritalStatus.KAWIN_TERCATAT), on=ON)
    assert result.verdict is Verdict.NOT_ELIGIBLE


def test_a_review_with_everything_else_met_needs_review() -> None:
    result = assess(applicant(marital_status=MaritalStatus.KAWIN), on=ON)
    assert result.verdict is Verdict.NEEDS_REVIEW


def test_two_reviews_and_no_rule_not_met_need_review() -> None:
    result = assess(
        applicant(marital_status=MaritalStatus.KAWIN, dependents=0, monthly_income=1_500_000),
        on=ON,
        thresholds=ROUND,
    )
    assert [r.outcome for r in result.results].count(Outcome.REVIEW) == 2
    assert result.verdict is Verdict.NEEDS_REVIEW


def test_every_reason_is_a_message_with_its_params_filled() -> None:
    for result in assess(applicant(), on=ON).results:
        assert result.message.format(**result.params)


# 1. Woman


def test_a_woman_meets_the_woman_rule() -> None:
    assert outcome("woman", sex=Sex.FEMALE) is Outcome.MET


def test_a_man_by_nik_is_not_eligible() -> None:
    assert outcome("woman", sex=Sex.MALE) is Outcome.NOT_MET
    assert assess(applicant(sex=Sex.MALE), on=ON).verdict is Verdict.NOT_ELIGIBLE


def test_a_man_by_nik_who_confirmed_it_is_hers_needs_review_because_the_nik_shows_a_man() -> None:
    """DOMAIN.md rule 1: a NIK typed for someone else, or a registry error; staff check."""
    result = rule(assess(applicant(sex=Sex.MALE, confirmed_nik_shows_man=True), on=ON), "woman")
    assert result.outcome is Outcome.REVIEW
    assert result.message.startswith("The NIK shows a man")
    assert "Woman" not in result.message
    verdict = assess(applicant(sex=Sex.MALE, confirmed_nik_shows_man=True), on=ON).verdict
    assert verdict is Verdict.NEEDS_REVIEW


# 2. Age 18-59 inclusive


def test_age_17_the_day_before_her_18th_birthday_is_not_met() -> None:
    assert outcome("age", birth_date=date(2007, 6, 2)) is Outcome.NOT_MET


def test_age_exactly_18_is_met() -> None:
    assert outcome("age", birth_date=date(2007, 6, 1)) is Outcome.MET


def test_age_59_on_the_day_before_her_60th_birthday_is_met() -> None:
    assert outcome("age", birth_date=date(1965, 6, 2)) is Outcome.MET


def test_age_exactly_60_is_not_met() -> None:
    assert outcome("age", birth_date=date(1965, 6, 1)) is Outcome.NOT_MET


def test_the_age_is_given_in_whole_years_with_the_limits() -> None:
    result = rule(assess(applicant(birth_date=date(1965, 6, 2)), on=ON), "age")
    assert result.params == {"age": 59, "min_age": 18, "max_age": 59}


def test_a_29_february_birthday_turns_18_on_1_march_in_a_common_year() -> None:
    born = applicant(birth_date=date(2008, 2, 29))
    assert rule(assess(born, on=date(2026, 2, 28)), "age").outcome is Outcome.NOT_MET
    assert rule(assess(born, on=date(2026, 3, 1)), "age").outcome is Outcome.MET


def test_a_29_february_birthday_counts_on_29_february_in_a_leap_year() -> None:
    born = applicant(birth_date=date(2008, 2, 29))
    assert rule(assess(born, on=date(2028, 2, 28)), "age").params["age"] == 19
    assert rule(assess(born, on=date(2028, 2, 29)), "age").params["age"] == 20


# 3. Heads her household, 4. Main earner


@pytest.mark.parametrize(
    "status",
    [
        MaritalStatus.CERAI_MATI,
        MaritalStatus.CERAI_HIDUP,
        MaritalStatus.DITINGGAL,
        MaritalStatus.BELUM_KAWIN,
    ],
)
def test_widowed_divorced_left_or_unmarried_women_head_their_household(
    status: MaritalStatus,
) -> None:
    assert outcome("head_of_household", marital_status=status) is Outcome.MET


@pytest.mark.parametrize(
    "status",
    [MaritalStatus.KAWIN_TERCATAT, MaritalStatus.KAWIN_BELUM_TERCATAT, MaritalStatus.KAWIN],
)
def test_a_married_woman_who_is_the_main_earner_needs_review(status: MaritalStatus) -> None:
    assert outcome("head_of_household", marital_status=status, main_earner=True) is Outcome.REVIEW


@pytest.mark.parametrize(
    "status",
    [MaritalStatus.KAWIN_TERCATAT, MaritalStatus.KAWIN_BELUM_TERCATAT, MaritalStatus.KAWIN],
)
def test_a_married_woman_who_is_not_the_main_earner_does_not_head_the_household(
    status: MaritalStatus,
) -> None:
    assert outcome("head_of_household", marital_status=status, main_earner=False) is Outcome.NOT_MET


@pytest.mark.parametrize("status", list(MaritalStatus))
@pytest.mark.parametrize("main_earner", [True, False])
def test_no_reason_says_she_lives_with_a_husband_the_form_never_asks(
    status: MaritalStatus, main_earner: bool
) -> None:
    for result in assess(applicant(marital_status=status, main_earner=main_earner), on=ON).results:
        assert "living" not in result.message and "husband" not in result.message


def test_the_main_earner_meets_the_main_earner_rule() -> None:
    assert outcome("main_earner", main_earner=True) is Outcome.MET


def test_not_being_the_main_earner_makes_her_not_eligible() -> None:
    assert outcome("main_earner", main_earner=False) is Outcome.NOT_MET
    assert assess(applicant(main_earner=False), on=ON).verdict is Verdict.NOT_ELIGIBLE


def test_marital_status_values_are_lower_snake_case() -> None:
    assert {s.value for s in MaritalStatus} == {
        "belum_kawin",
        "kawin_tercatat",
        "kawin_belum_tercatat",
        "kawin",
        "cerai_hidup",
        "cerai_mati",
        "ditinggal",
    }


# 5. Income, per person


def test_per_capita_income_divides_by_herself_plus_dependents() -> None:
    assert assess(applicant(monthly_income=2_000_000, dependents=3), on=ON).per_capita_income == (
        500_000
    )


def test_per_capita_income_is_rounded_down_to_whole_rupiah() -> None:
    assert assess(applicant(monthly_income=1_000_001, dependents=1), on=ON).per_capita_income == (
        500_000
    )


def test_no_income_meets_the_income_rule() -> None:
    assert outcome("income", monthly_income=0) is Outcome.MET


def test_income_exactly_at_1_2_times_the_line_is_met() -> None:
    assert outcome("income", ROUND, dependents=0, monthly_income=1_200_000) is Outcome.MET


def test_income_1_rupiah_above_1_2_times_the_line_needs_review() -> None:
    assert outcome("income", ROUND, dependents=0, monthly_income=1_200_001) is Outcome.REVIEW


def test_income_exactly_at_1_6_times_the_line_needs_review() -> None:
    assert outcome("income", ROUND, dependents=0, monthly_income=1_600_000) is Outcome.REVIEW


def test_income_1_rupiah_above_1_6_times_the_line_is_not_met() -> None:
    assert outcome("income", ROUND, dependents=0, monthly_income=1_600_001) is Outcome.NOT_MET
    result = assess(applicant(dependents=0, monthly_income=1_600_001), on=ON, thresholds=ROUND)
    assert result.verdict is Verdict.NOT_ELIGIBLE


def test_the_default_line_of_rp_671_273_puts_1_2x_at_rp_805_527_per_person() -> None:
    # 1.2 x 671.273 = 805.527,6: whole Rupiah up to 805.527 are within it.
    assert outcome("income", dependents=0, monthly_income=805_527) is Outcome.MET
    assert outcome("income", dependents=0, monthly_income=805_528) is Outcome.REVIEW


def test_the_default_line_of_rp_671_273_puts_1_6x_at_rp_1_074_036_per_person() -> None:
    # 1.6 x 671.273 = 1.074.036,8
    assert outcome("income", dependents=0, monthly_income=1_074_036) is Outcome.REVIEW
    assert outcome("income", dependents=0, monthly_income=1_074_037) is Outcome.NOT_MET


def test_a_large_household_brings_a_higher_income_within_the_limit() -> None:
    # Rp 3.000.000 for 4 people is Rp 750.000 each: within 1.2 x Rp 671.273.
    assert outcome("income", dependents=3, monthly_income=3_000_000) is Outcome.MET


def test_income_reasons_carry_money_for_the_renderer() -> None:
    result = rule(assess(applicant(monthly_income=2_000_000, dependents=3), on=ON), "income")
    assert result.params == {
        "per_capita": Money(500_000),
        "income": Money(2_000_000),
        "household_size": 4,
        "near_poor_limit": Money(805_527),
        "vulnerable_limit": Money(1_074_036),
    }


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        (2_000_000, "tidak lebih dari batas Rp805.527 per orang"),
        (3_600_000, "sedikit di atas batas Rp805.527 per orang"),
        (8_000_000, "di atas batas Rp805.527 per orang"),
    ],
)
def test_the_income_reason_says_the_limit_is_per_person(income: int, expected: str) -> None:
    result = rule(assess(applicant(monthly_income=income, dependents=3), on=ON), "income")
    line = translator("id").render(result.message, dict(result.params))
    assert line.startswith("Penghasilan per orang: ")
    assert f"({translator('id').money(income)} untuk 4 orang)" in line
    assert expected in line


@pytest.mark.parametrize("old", list(REWORDED))
def test_reasons_stored_in_earlier_words_are_shown_in_todays(old: str) -> None:
    stored = [{"rule": "x", "outcome": "met", "message": old, "params": {}}]
    (line,) = rule_lines(stored)
    assert line.message == REWORDED[old]
    assert translator("id").gettext(line.message) != line.message  # translated


# Thresholds are settings


def test_default_thresholds_follow_bps_march_2025_and_permensos() -> None:
    assert Thresholds() == Thresholds(
        poverty_line=671_273,
        near_poor_multiplier=Decimal("1.2"),
        vulnerable_multiplier=Decimal("1.6"),
        min_age=18,
        max_age=59,
    )


def test_a_changed_poverty_line_is_honoured() -> None:
    lower_line = Thresholds(poverty_line=400_000)  # 1.2x = 480.000
    assert outcome("income", lower_line, dependents=0, monthly_income=500_000) is Outcome.REVIEW


def test_changed_multipliers_are_honoured() -> None:
    strict = Thresholds(
        poverty_line=1_000_000,
        near_poor_multiplier=Decimal("1.0"),
        vulnerable_multiplier=Decimal("1.1"),
    )
    assert outcome("income", strict, dependents=0, monthly_income=1_050_000) is Outcome.REVIEW
    assert outcome("income", strict, dependents=0, monthly_income=1_100_001) is Outcome.NOT_MET


def test_a_raised_minimum_age_is_honoured() -> None:
    older_minimum = Thresholds(min_age=21)
    assert outcome("age", older_minimum, birth_date=date(2005, 6, 1)) is Outcome.NOT_MET  # 20


def test_a_lowered_maximum_age_is_honoured() -> None:
    younger_maximum = Thresholds(max_age=55)
    assert outcome("age", younger_maximum, birth_date=date(1970, 6, 1)) is Outcome.MET  # 55
    assert outcome("age", younger_maximum, birth_date=date(1969, 6, 1)) is Outcome.NOT_MET  # 56
