"""Greetings and unreadable messages (wrse_bot/domain/small_talk.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wrse_bot.domain.small_talk import (
    ADDRESS_WORDS,
    GREETINGS,
    is_greeting,
    unreadable_message,
)


@pytest.mark.parametrize(
    "typed",
    [
        "halo",
        "Halo bu",
        "HALLO",
        "haloooo 🙏",
        "hai min",
        "Assalamualaikum",
        "Assalamu'alaikum wr. wb.",
        "assalamu alaikum warahmatullahi wabarakatuh",
        "asslm",
        "Selamat pagi, Bu",
        "selamat siaaang",
        "Slmt sore",
        "malam min",
        "permisi",
        "punten",
        "nuwun sewu",
        "Sugeng enjing",
        "P",
        "halo, selamat pagi",
    ],
)
def test_a_message_that_only_greets_is_a_greeting(typed: str) -> None:
    assert is_greeting(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "🙏",
        "Siti Aminah",
        "halo, saya mau daftar kelas menjahit",
        "halo 3579035203800001",
        "ya",
        "bu",
        "500rb",
        "Cerai mati",
        "selamat tinggal suami saya",
    ],
)
def test_a_message_that_says_more_than_hello_is_not_a_greeting(typed: str) -> None:
    assert not is_greeting(typed)


greeting = st.sampled_from(GREETINGS)
address = st.sampled_from(sorted(ADDRESS_WORDS))
noise = st.sampled_from(["", "!", "!!", " 🙏", ",", "...", " 😊"])


@given(greeting, st.lists(address, max_size=2), noise, st.integers(1, 4), st.booleans())
def test_any_greeting_with_an_address_stretched_or_shouted_is_a_greeting(
    hello: str, to: list[str], end: str, stretch: int, shout: bool
) -> None:
    typed = " ".join([hello + hello[-1] * (stretch - 1), *to]) + end
    assert is_greeting(typed.upper() if shout else typed)


@given(greeting, st.text(alphabet="0123456789", min_size=1, max_size=16))
def test_a_greeting_with_digits_is_an_answer_not_a_greeting(hello: str, digits: str) -> None:
    assert not is_greeting(f"{hello} {digits}")


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("voice", "voice messages"),
        ("audio", "voice messages"),
        ("video_note", "voice messages"),
        ("sticker", "pictures"),
        ("photo", "pictures"),
        ("document", "buttons and text"),
        ("location", "buttons and text"),
    ],
)
def test_each_unreadable_kind_is_named_kindly(kind: str, says: str) -> None:
    assert says in unreadable_message(kind)
