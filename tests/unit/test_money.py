"""Monthly household income as typed in chat (DOMAIN.md, "Money as typed in chat")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wrse_bot.domain.money import MoneyError, MoneyProblem, parse_money

# (typed, most likely amount), read without any doubt.
CLEAR_FORMS = [
    # The forms listed in DOMAIN.md
    ("500rb", 500_000),
    ("500 ribu", 500_000),
    ("500k", 500_000),
    ("Rp 500.000", 500_000),
    ("Rp500.000,-", 500_000),
    ("1,5jt", 1_500_000),
    ("1.5 jt", 1_500_000),
    ("2 juta", 2_000_000),
    ("sejuta", 1_000_000),
    ("setengah juta", 500_000),
    ("sewu", 1_000),
    ("limang atus ewu", 500_000),
    ("sak yuta", 1_000_000),
    ("0", 0),
    ("tidak ada", 0),
    # Digits, currency marks and separators
    ("500.000", 500_000),
    ("500000", 500_000),
    ("Rp. 750.000", 750_000),
    ("IDR 900000", 900_000),
    ("900.000 rupiah", 900_000),
    ("Rp 1.500.000,00", 1_500_000),
    ("1,500,000", 1_500_000),
    ("Rp 0", 0),
    ("500RB", 500_000),
    ("1,2 jt", 1_200_000),
    ("1.500 jt", 1_500_000),
    # Indonesian words and mixed forms
    ("1 juta 200 ribu", 1_200_000),
    ("1jt 200rb", 1_200_000),
    ("satu juta", 1_000_000),
    ("dua ratus ribu", 200_000),
    ("lima ratus ribu", 500_000),
    ("seratus ribu", 100_000),
    ("sejuta setengah", 1_500_000),
    ("dua setengah juta", 2_500_000),
    ("seratus dua puluh lima ribu", 125_000),
    ("lima belas ratus ribu", 1_500_000),
    ("duaratus rb", 200_000),
    ("seribu", 1_000),
    # No income
    ("nol", 0),
    ("gak ada", 0),
    ("tidak punya", 0),
    ("belum ada", 0),
    ("Tidak ada penghasilan", 0),
    ("ora ono", 0),
    # Javanese
    ("rong atus ewu", 200_000),
    ("telung atus ewu", 300_000),
    ("patang atus ewu", 400_000),
    ("nem atus ewu", 600_000),
    ("pitung atus ewu", 700_000),
    ("wolung atus ewu", 800_000),
    ("sangang atus ewu", 900_000),
    ("satus ewu", 100_000),
    ("satus seket ewu", 150_000),
    ("sak juta", 1_000_000),
    ("sayuta", 1_000_000),
    ("limangatus ewu", 500_000),
    ("setengah yuta", 500_000),
    # "per month" and hedges carry no amount
    ("500rb per bulan", 500_000),
    ("500rb/bln", 500_000),
    ("1 juta sebulan", 1_000_000),
    ("Rp 750.000 / bulan", 750_000),
    ("sekitar 700rb", 700_000),
    ("kurang lebih 1 juta", 1_000_000),
    ("sejutaan", 1_000_000),
    ("500 ribu lebih", 500_000),
]

# (typed, candidates with the likely reading first)
AMBIGUOUS_FORMS = [
    ("500", (500_000, 500)),
    ("750", (750_000, 750)),
    ("1.500", (1_500_000, 1_500)),
    ("1500", (1_500_000, 1_500)),
    ("1,5", (1_500_000, 1_500)),
    ("2", (2_000_000, 2)),
    ("lima ratus", (500_000, 500)),
    ("Rp 500", (500_000, 500)),
    ("1 juta 200", (1_200_000, 1_000_200)),
    ("sejuta limang atus", (1_500_000, 1_000_500)),
]


@pytest.mark.parametrize(("typed", "amount"), CLEAR_FORMS, ids=[f for f, _ in CLEAR_FORMS])
def test_a_clear_amount_is_read_without_doubt(typed: str, amount: int) -> None:
    reading = parse_money(typed)
    assert reading.amount == amount
    assert reading.candidates == (amount,)
    assert not reading.ambiguous


@pytest.mark.parametrize(
    ("typed", "candidates"), AMBIGUOUS_FORMS, ids=[f for f, _ in AMBIGUOUS_FORMS]
)
def test_an_implausibly_small_or_unclear_amount_offers_its_readings(
    typed: str, candidates: tuple[int, ...]
) -> None:
    reading = parse_money(typed)
    assert reading.ambiguous
    assert reading.candidates == candidates
    assert reading.amount == candidates[0]


def test_the_table_covers_at_least_45_real_forms() -> None:
    assert len(CLEAR_FORMS) + len(AMBIGUOUS_FORMS) >= 45


def test_a_full_amount_of_ten_thousand_or_more_is_taken_literally() -> None:
    assert parse_money("10000").candidates == (10_000,)


def test_a_small_amount_with_a_unit_is_not_ambiguous() -> None:
    assert parse_money("5 ribu").candidates == (5_000,)


def test_one_billion_rupiah_is_the_largest_amount_accepted() -> None:
    assert parse_money("Rp 1.000.000.000").amount == 1_000_000_000


@pytest.mark.parametrize("typed", ["-500000", "Rp -500.000", "minus 500 ribu", "\u2212500rb"])
def test_a_negative_amount_is_rejected(typed: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_money(typed)
    assert caught.value.problem is MoneyProblem.NEGATIVE


@pytest.mark.parametrize("typed", ["1.000.000.001", "2 miliar", "5000 juta"])
def test_an_absurdly_large_amount_is_rejected(typed: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_money(typed)
    assert caught.value.problem is MoneyProblem.TOO_LARGE


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "abc",
        "banyak",
        "💰",
        "500rb 💰",
        "ratusan ribu",
        "500-700rb",
        "1 juta 2 juta",
        "500 200",
        "ribu",
        "1,2345678 jt",
        "tergantung",
    ],
)
def test_text_that_is_not_an_amount_is_rejected_with_an_example(typed: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_money(typed)
    assert caught.value.problem is MoneyProblem.NOT_UNDERSTOOD
    assert (
        caught.value.message == "Please type the amount in numbers, for example: 500rb or 1,5 juta."
    )


def test_a_money_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_money("abc")


@given(st.integers(min_value=10_000, max_value=1_000_000_000))
def test_an_amount_written_with_rp_and_thousand_dots_reads_back_exactly(amount: int) -> None:
    reading = parse_money(f"Rp{amount:,}".replace(",", "."))
    assert reading.candidates == (amount,)


@given(st.integers(min_value=0, max_value=9_999))
def test_a_small_amount_written_with_rp_is_always_offered_literally(amount: int) -> None:
    assert amount in parse_money(f"Rp{amount:,}".replace(",", ".")).candidates


@given(st.integers(min_value=0, max_value=1_000_000))
def test_an_amount_in_rb_reads_back_exactly(thousands: int) -> None:
    reading = parse_money(f"{thousands}rb")
    assert reading.candidates == (thousands * 1_000,)


@given(st.integers(min_value=0, max_value=1_000), st.sampled_from([" juta", "jt", " yuta"]))
def test_an_amount_in_juta_reads_back_exactly(millions: int, unit: str) -> None:
    assert parse_money(f"{millions}{unit}").amount == millions * 1_000_000


@given(st.text(max_size=40))
def test_any_text_is_either_an_amount_or_a_money_error(text: str) -> None:
    try:
        reading = parse_money(text)
    except MoneyError as error:
        assert error.message
    else:
        assert 0 <= reading.amount <= 1_000_000_000
        assert reading.candidates[0] == reading.amount
