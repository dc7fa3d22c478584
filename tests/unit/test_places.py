"""The reference list of places in Kota Batu (DOMAIN.md, "Places")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wrse_bot.domain.places import Place, load_places

JUNREJO = "35.79.03"


def test_kota_batu_has_three_kecamatan_sorted_by_code() -> None:
    assert [(p.code, p.name) for p in load_places().kecamatan()] == [
        ("35.79.01", "Batu"),
        ("35.79.02", "Bumiaji"),
        ("35.79.03", "Junrejo"),
    ]


def test_kota_batu_has_24_desa_and_kelurahan() -> None:
    places = load_places()
    assert sum(len(places.villages(k.code)) for k in places.kecamatan()) == 24


def test_junrejo_has_seven_villages_sorted_by_name() -> None:
    assert [p.name for p in load_places().villages(JUNREJO)] == [
        "Beji",
        "Dadaprejo",
        "Junrejo",
        "Mojorejo",
        "Pendem",
        "Tlekung",
        "Torongrejo",
    ]


def test_villages_include_both_desa_and_kelurahan() -> None:
    levels = {p.level for p in load_places().villages("35.79.01")}
    assert levels == {"desa", "kelurahan"}


def test_village_codes_are_in_kemendagri_form_under_their_kecamatan() -> None:
    places = load_places()
    for kecamatan in places.kecamatan():
        assert re.fullmatch(r"35\.79\.0\d", kecamatan.code)
        for village in places.villages(kecamatan.code):
            assert re.fullmatch(re.escape(kecamatan.code) + r"\.[12]\d{3}", village.code)
            assert village.parent_code == kecamatan.code


def test_a_place_is_found_by_its_code() -> None:
    assert load_places().get("35.79.03.2004") == Place(
        code="35.79.03.2004", name="Tlekung", level="desa", parent_code=JUNREJO
    )


def test_an_unknown_code_raises_key_error() -> None:
    with pytest.raises(KeyError):
        load_places().get("35.79.09")


def test_membership_is_by_code() -> None:
    places = load_places()
    assert JUNREJO in places
    assert "35.07.01" not in places


def test_asking_for_villages_of_something_that_is_not_a_kecamatan_raises_key_error() -> None:
    with pytest.raises(KeyError):
        load_places().villages("35.79.03.2004")


def test_the_default_list_is_loaded_once() -> None:
    assert load_places() is load_places()


def test_another_csv_can_be_loaded(tmp_path: Path) -> None:
    csv_path = tmp_path / "places.csv"
    csv_path.write_text(
        "code,name,level,parent_code\n"
        "35.79,Kota Batu,kota,35\n"
        "35.79.01,Batu,kecamatan,35.79\n"
        "35.79.01.1001,Temas,kelurahan,35.79.01\n",
        encoding="utf-8",
    )
    places = load_places(csv_path)
    assert [p.name for p in places.villages("35.79.01")] == ["Temas"]
