"""What a masked export shows of a woman: nothing to rebuild who she is from."""

from __future__ import annotations

from datetime import date

from wrse_bot.domain.masking import age_band, income_range, initials


def test_initials_stand_for_the_name() -> None:
    assert initials("Siti Nur Aminah") == "S. N. A."
    assert initials("nur'aini") == "N."
    assert initials("  ") == ""


def test_age_is_a_five_year_band_on_the_day_of_the_export() -> None:
    born = date(1980, 3, 12)
    assert age_band(born, date(2026, 3, 11)) == "45-49"  # 45, the day before her birthday
    assert age_band(born, date(2025, 3, 11)) == "40-44"  # 44
    assert age_band(born, date(2025, 3, 12)) == "45-49"  # 45 on the day


def test_income_is_its_rp100000_range() -> None:
    assert income_range(350_000) == "300000-399999"
    assert income_range(0) == "0-99999"
    assert income_range(1_000_000) == "1000000-1099999"
