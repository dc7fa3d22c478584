"""Typed callback data: every kind of button fits Telegram's 64 bytes at its
longest, reads back what it wrote, and refuses anything it did not write."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import wrse_bot.buttons as buttons_module
from wrse_bot.buttons import KINDS, MAX_BYTES, FormButton, OpenForm
from wrse_bot.domain.digits import INT4_MAX


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_the_longest_data_of_every_kind_fits_in_64_bytes(kind: type) -> None:
    assert len(kind.longest().encode()) <= MAX_BYTES


def test_trailing_defaults_are_left_out_and_read_back() -> None:
    assert OpenForm("checkin").encode() == "fo:checkin"
    assert OpenForm.decode("fo:checkin") == OpenForm("checkin", 0)


def test_a_button_reads_back_what_it_wrote() -> None:
    tap = FormButton("class", 12, "edit_title")
    assert tap.encode() == "fm:class:12:edit_title"
    assert FormButton.decode(tap.encode()) == tap
    assert OpenForm.decode(OpenForm("checkin", 9).encode()) == OpenForm("checkin", 9)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "fm:class:12:yes:more",  # one too many
        "fo:class:12",  # another kind's prefix
        "fm:Class:12:yes",  # not a code
        "fm:class:١٢:yes",  # other scripts' digits
        "fm:class:12\n:yes",
        f"fm:class:{INT4_MAX + 1}:yes",  # beyond the id columns
        "fm:class:1:" + "y" * 60,
    ],
)
def test_data_we_did_not_write_is_refused(data: str | None) -> None:
    assert FormButton.decode(data) is None


@given(st.text(max_size=80))
def test_no_data_makes_decoding_raise(data: str) -> None:
    for kind in KINDS:
        kind.decode(data)


def test_a_button_cannot_be_written_with_a_value_it_could_not_read_back() -> None:
    with pytest.raises(ValueError):
        FormButton("class", 1, "Ya!").encode()
    with pytest.raises(ValueError):
        FormButton("class", -1, "yes").encode()


def test_two_kinds_cannot_share_a_prefix() -> None:
    with pytest.raises(TypeError):

        class Clash(buttons_module.Button):  # defining it is the test
            PREFIX = "fm"
