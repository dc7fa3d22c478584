"""NIK reading, as specified in DOMAIN.md ("NIK")."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wrse_bot.domain.nik import NikError, NikProblem, Sex, mask_nik, normalize_nik, parse_nik

TODAY = date(2025, 6, 1)
# The century rule can tell apart exactly one hundred years ending today.
OLDEST_READABLE = date(1925, 6, 2)


def build_nik(region: str, birth: date, sex: Sex, serial: int) -> str:
    day = birth.day + (40 if sex is Sex.FEMALE else 0)
    return f"{region}{day:02d}{birth:%m%y}{serial:04d}"


regions = st.text(alphabet="0123456789", min_size=6, max_size=6)
births = st.dates(min_value=OLDEST_READABLE, max_value=TODAY)
sexes = st.sampled_from(Sex)
serials = st.integers(min_value=1, max_value=9999)
separators = st.sampled_from(["", " ", ".", "-", "\u00a0", "  ", " - "])


@given(region=regions, birth=births, sex=sexes, serial=serials)
def test_a_valid_nik_gives_back_its_birth_date_sex_and_serial(
    region: str, birth: date, sex: Sex, serial: int
) -> None:
    info = parse_nik(build_nik(region, birth, sex, serial), today=TODAY)
    assert info.birth_date == birth
    assert info.sex is sex
    assert info.serial == f"{serial:04d}"
    assert info.kecamatan_code == f"{region[:2]}.{region[2:4]}.{region[4:6]}"


@given(
    region=regions,
    birth=births,
    sex=sexes,
    serial=serials,
    gaps=st.lists(separators, min_size=15, max_size=15),
)
def test_spaces_dots_and_dashes_between_digits_are_ignored(
    region: str, birth: date, sex: Sex, serial: int, gaps: list[str]
) -> None:
    nik = build_nik(region, birth, sex, serial)
    typed = nik[0] + "".join(gap + digit for gap, digit in zip(gaps, nik[1:], strict=True))
    assert parse_nik(f" {typed} ", today=TODAY).nik == nik


@given(st.text(max_size=30))
def test_any_text_is_either_a_nik_or_a_nik_error(text: str) -> None:
    try:
        info = parse_nik(text, today=TODAY)
    except NikError as error:
        assert error.message
    else:
        assert len(info.nik) == 16


def test_women_have_40_added_to_the_day_of_birth() -> None:
    info = parse_nik("3579034508850001", today=TODAY)
    assert info.sex is Sex.FEMALE
    assert info.birth_date == date(1985, 8, 5)


def test_men_have_the_day_of_birth_as_is() -> None:
    info = parse_nik("3579031708850001", today=TODAY)
    assert info.sex is Sex.MALE
    assert info.birth_date == date(1985, 8, 17)


def test_the_region_parts_are_read_in_kemendagri_form() -> None:
    info = parse_nik("3579034508850001", today=TODAY)
    assert (info.province_code, info.regency_code, info.kecamatan_code) == (
        "35",
        "3579",
        "35.79.03",
    )


def test_a_nik_from_kota_batu_is_marked_as_issued_in_batu() -> None:
    assert parse_nik("3579034508850001", today=TODAY).issued_in_batu


def test_a_nik_from_elsewhere_is_accepted_and_marked_as_not_from_batu() -> None:
    info = parse_nik("3507034508850001", today=TODAY)  # 35.07 = Kabupaten Malang
    assert not info.issued_in_batu


def test_a_two_digit_year_not_after_today_is_read_as_20xx() -> None:
    assert parse_nik("3579034501250001", today=TODAY).birth_date == date(2025, 1, 5)


def test_a_two_digit_year_that_would_be_in_the_future_is_read_as_19xx() -> None:
    assert parse_nik("3579034507250001", today=TODAY).birth_date == date(1925, 7, 5)


def test_the_29th_of_february_2000_is_a_real_date() -> None:
    assert parse_nik("3579036902000001", today=TODAY).birth_date == date(2000, 2, 29)


def test_non_breaking_spaces_are_removed_when_normalising() -> None:
    assert normalize_nik("3579\u00a00345\u00a00885\u00a00001") == "3579034508850001"


def test_normalising_keeps_letters_so_they_can_be_rejected() -> None:
    assert normalize_nik("35 79-O3") == "3579O3"


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", NikProblem.EMPTY),
        ("357903450885000", NikProblem.LENGTH),
        ("35790345088500011", NikProblem.LENGTH),
        ("35790345O8850001", NikProblem.NOT_DIGITS),
        ("3579033208850001", NikProblem.BAD_DAY),  # 32: neither a man's nor a woman's day
        ("3579030008850001", NikProblem.BAD_DAY),
        ("3579034008850001", NikProblem.BAD_DAY),
        ("3579037208850001", NikProblem.BAD_DAY),
        ("3579034513850001", NikProblem.BAD_MONTH),
        ("3579033102850001", NikProblem.BAD_DATE),  # 31 February
        ("3579036902010001", NikProblem.BAD_DATE),  # 29 February 2001 / 1901
        ("3579034508850000", NikProblem.ZERO_SERIAL),
    ],
)
def test_what_cannot_be_a_nik_is_rejected(typed: str, problem: NikProblem) -> None:
    with pytest.raises(NikError) as caught:
        parse_nik(typed, today=TODAY)
    assert caught.value.problem is problem


def test_a_wrong_length_says_how_many_digits_were_typed() -> None:
    with pytest.raises(NikError) as caught:
        parse_nik("3579 0345 0885 001", today=TODAY)
    assert caught.value.params == {"count": 15}


def test_every_rejection_gives_an_example_nik() -> None:
    with pytest.raises(NikError) as caught:
        parse_nik("12345", today=TODAY)
    assert "for example: 3579034508850001" in caught.value.message


def test_a_nik_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_nik("12345", today=TODAY)


def test_masking_shows_only_the_last_four_digits() -> None:
    assert mask_nik("3579034508850001") == "************0001"


def test_masking_ignores_typed_separators() -> None:
    assert mask_nik("3579 0345 0885 1234") == "************1234"
