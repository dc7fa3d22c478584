"""Callback data is whatever a client sends: every parser refuses odd data
(``None``) and never raises; the numbers it returns are plain ASCII numbers
that fit the database's id columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations import classes, intake, roles_admin, staff_classes
from wrse_bot.buttons import Button, FollowUpTap, FormButton, OpenForm, VerifyTap
from wrse_bot.domain.digits import INT4_MAX, INT8_MAX, parse_uint
from wrse_bot.forms.engine import Answer
from wrse_bot.services import reminders

PARSERS: dict[str, Callable[[str], Any]] = {
    "f": intake.parse_callback,
    "vf": VerifyTap.decode,
    "tl": FollowUpTap.decode,
    "k": classes.parse_callback,
    "sc": staff_classes.parse_callback,
    "fm": FormButton.decode,
    "fo": OpenForm.decode,
    "rv": reminders.parse_callback,
    "ro": roles_admin.parse_callback,
}
# Characters that trip str.isdigit()/int() and the regex module: superscripts,
# other scripts' digits, full-width digits, a trailing newline ("$" matches
# before it), separators.
ODD = "0123456789²³¹٣۴߁१০๓０:_-.\n abcfgknopsvyz"
data = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda prefix, rest: f"{prefix}:{rest}",
        st.sampled_from(sorted(PARSERS)),
        st.text(alphabet=ODD, max_size=40),
    ),
)


def numbers_in(parsed: Any) -> list[int]:
    if isinstance(parsed, bool):
        return []
    if isinstance(parsed, int):
        return [parsed]
    if isinstance(parsed, list | tuple):
        return [n for item in parsed for n in numbers_in(item)]
    if isinstance(parsed, Answer):
        return numbers_in(parsed.rev)
    if isinstance(parsed, Button):
        return [v for v in vars(parsed).values() if isinstance(v, int)]
    return []


@given(data)
def test_arbitrary_callback_data_never_raises(payload: str) -> None:
    for parse in PARSERS.values():
        parsed = parse(payload)
        for n in numbers_in(parsed):
            assert 0 <= n <= INT8_MAX


@pytest.mark.parametrize(
    "payload",
    [
        "f:²:yes",  # "²".isdigit() is True, int("²") raises
        "f:٣:yes",  # an Arabic-Indic digit: int() would read 3
        "vf:sh:٣:0",
        "vf:sh:999999999999:0",  # no PostgreSQL integer column holds it
        "tl:a:٣",
        "k:v:१",
        "k:n\n",  # "$" matched before a trailing newline
        "fo:checkin:٣",
        "fm:checkin:٣:yes",
        "rv:٣:1:y",
        "ro:rv:٣",
    ],
)
def test_odd_digits_are_refused_by_every_parser(payload: str) -> None:
    assert PARSERS[payload.split(":", 1)[0]](payload) is None


@given(st.text(max_size=25))
def test_only_ascii_digits_make_a_number(text: str) -> None:
    value = parse_uint(text)
    if value is None:
        assert not (text.isascii() and text.isdigit()) or int(text) > INT4_MAX
    else:
        assert text.isascii() and text.isdigit() and value == int(text)


def test_a_well_formed_button_still_parses() -> None:
    assert VerifyTap.decode("vf:rs:12:3") == VerifyTap("rs", 12, 3)
    assert FollowUpTap.decode("tl:n:7") == FollowUpTap("n", 7)
    assert classes.parse_callback("k:v:7") == ("v", 7)
    assert staff_classes.parse_callback("sc:p:4:5") == ("p", [4, 5])
    assert roles_admin.parse_callback("ro:rvy:2001:staff") == ("rvy", 2001, "staff")
    assert intake.parse_callback("f:3:yes") == (3, "yes")
