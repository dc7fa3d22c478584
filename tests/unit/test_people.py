"""Small intake answers: full name, dependents, phone number, short free text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wrse_bot.domain.people import (
    AnswerError,
    AnswerProblem,
    display_phone,
    mask_phone,
    normalize_phone,
    parse_dependents,
    parse_free_text,
    parse_full_name,
)

# Full name


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("SITI AMINAH", "Siti Aminah"),
        ("siti aminah", "Siti Aminah"),
        ("  siti    aminah  ", "Siti Aminah"),
        ("siti nur'aini", "Siti Nur'aini"),
        ("sri-wahyuni", "Sri-Wahyuni"),
        ("M. YUSUF", "M. Yusuf"),
    ],
)
def test_an_all_caps_or_all_lowercase_name_is_title_cased(typed: str, expected: str) -> None:
    assert parse_full_name(typed) == expected


def test_a_mixed_case_name_is_kept_as_typed() -> None:
    assert parse_full_name("Siti binti Ahmad") == "Siti binti Ahmad"


def test_a_curly_apostrophe_becomes_a_plain_one() -> None:
    assert parse_full_name("Nur’aini") == "Nur'aini"


def test_letters_of_any_script_are_accepted() -> None:
    assert parse_full_name("Ṣiti Āminah") == "Ṣiti Āminah"


def test_a_name_of_three_characters_is_accepted() -> None:
    assert parse_full_name("Ani") == "Ani"


def test_a_name_of_100_characters_is_accepted() -> None:
    assert len(parse_full_name("A" * 50 + " " + "b" * 49)) == 100


@pytest.mark.parametrize("typed", ["", "   ", "Ai", "..", "A.-"])
def test_a_name_that_is_too_short_is_rejected(typed: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_full_name(typed)
    assert caught.value.problem is AnswerProblem.TOO_SHORT


def test_a_name_over_100_characters_is_rejected_with_the_limit() -> None:
    with pytest.raises(AnswerError) as caught:
        parse_full_name("a" * 101)
    assert caught.value.problem is AnswerProblem.TOO_LONG
    assert caught.value.params == {"max": 100}


@pytest.mark.parametrize("typed", ["Siti 2", "Siti Aminah 😀", "siti@aminah", "Siti_Aminah"])
def test_a_name_with_digits_emoji_or_symbols_is_rejected(typed: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_full_name(typed)
    assert caught.value.problem is AnswerProblem.BAD_CHARACTERS


def test_a_command_is_not_taken_as_a_name() -> None:
    with pytest.raises(AnswerError) as caught:
        parse_full_name("/start")
    assert caught.value.problem is AnswerProblem.COMMAND


def test_name_errors_give_an_example() -> None:
    with pytest.raises(AnswerError) as caught:
        parse_full_name("x")
    assert "for example: Siti Aminah" in caught.value.message


# Dependents


@pytest.mark.parametrize(
    ("typed", "count"),
    [
        ("3", 3),
        ("0", 0),
        ("20", 20),
        ("tiga", 3),
        ("Tiga", 3),
        ("3 orang", 3),
        ("tiga anak", 3),
        ("tidak ada", 0),
        ("gak ada", 0),
        ("nol", 0),
        ("sepuluh", 10),
        ("dua belas", 12),
        ("telu", 3),
        ("papat", 4),
        ("limo", 5),
        ("rolas", 12),
        ("ora ono", 0),
    ],
)
def test_the_number_of_dependents_is_read_from_digits_or_words(typed: str, count: int) -> None:
    assert parse_dependents(typed) == count


@pytest.mark.parametrize("typed", ["21", "100", "-1", "selawe"])
def test_dependents_outside_0_to_20_are_rejected_with_the_range(typed: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_dependents(typed)
    assert caught.value.problem is AnswerProblem.OUT_OF_RANGE
    assert caught.value.params == {"max": 20}


@pytest.mark.parametrize("typed", ["", "banyak", "2,5", "3 atau 4", "👶"])
def test_dependents_that_are_not_a_whole_number_are_rejected_with_an_example(typed: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_dependents(typed)
    assert caught.value.problem is AnswerProblem.NOT_UNDERSTOOD
    assert "for example: 3" in caught.value.message


@given(st.integers(min_value=0, max_value=20))
def test_any_count_from_0_to_20_in_digits_reads_back(count: int) -> None:
    assert parse_dependents(str(count)) == count


# Phone


@pytest.mark.parametrize(
    "typed",
    [
        "0812-3456-7890",
        "0812 3456 7890",
        "081234567890",
        "+62 812 3456 7890",
        "+6281234567890",
        "6281234567890",
        "81234567890",
        "(0812) 3456.7890",
        "+62 0812 3456 7890",
    ],
)
def test_a_mobile_number_is_normalised_to_e164(typed: str) -> None:
    assert normalize_phone(typed) == "+6281234567890"


def test_the_shortest_mobile_number_has_10_digits_with_its_leading_zero() -> None:
    assert normalize_phone("0812345678") == "+62812345678"


def test_the_longest_mobile_number_has_13_digits_with_its_leading_zero() -> None:
    assert normalize_phone("0812345678901") == "+62812345678901"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "081234567",  # 9 digits
        "08123456789012",  # 14 digits
        "0341 512345",  # a landline in Kota Batu
        "+1 555 123 4567",
        "0812-3456-789O",
        "nomor saya 0812",
    ],
)
def test_what_is_not_an_indonesian_mobile_number_is_rejected(typed: str) -> None:
    with pytest.raises(AnswerError) as caught:
        normalize_phone(typed)
    assert "for example: 0812 3456 7890" in caught.value.message


@given(
    subscriber=st.text(alphabet="0123456789", min_size=8, max_size=11),
    prefix=st.sampled_from(["0", "+62", "62", "+62 ", ""]),
    separator=st.sampled_from(["", " ", "-", "."]),
)
def test_any_mobile_number_in_any_common_style_normalises_the_same(
    subscriber: str, prefix: str, separator: str
) -> None:
    national = "8" + subscriber
    typed = prefix + separator.join([national[:3], national[3:7], national[7:]])
    assert normalize_phone(typed) == "+62" + national


# Free text


def test_free_text_is_trimmed_and_spaces_collapsed() -> None:
    assert parse_free_text("  Jl.  Raya   Tlekung\nRT 02 ", max_len=100) == "Jl. Raya Tlekung RT 02"


def test_free_text_at_the_limit_is_accepted() -> None:
    assert parse_free_text("a" * 40, max_len=40) == "a" * 40


def test_free_text_over_the_limit_is_rejected_with_the_limit() -> None:
    with pytest.raises(AnswerError) as caught:
        parse_free_text("a" * 41, max_len=40)
    assert caught.value.problem is AnswerProblem.TOO_LONG
    assert caught.value.params == {"max": 40, "length": 41}


@pytest.mark.parametrize("typed", ["", "   ", "...", "\u200b"])
def test_empty_free_text_is_rejected(typed: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_free_text(typed, max_len=40)
    assert caught.value.problem is AnswerProblem.EMPTY


def test_control_characters_are_removed_from_free_text() -> None:
    assert parse_free_text("jual\x00 sayur\u200b", max_len=40) == "jual sayur"


def test_a_phone_is_shown_in_the_08_form_people_write() -> None:
    assert display_phone("+6285212345890") == "085212345890"


def test_a_masked_phone_keeps_the_first_four_and_last_three_digits() -> None:
    assert mask_phone("+6285212345890") == "0852*****890"
    assert mask_phone("+628521234890") == "0852****890"
    assert mask_phone(None) == "-"
