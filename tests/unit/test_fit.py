"""No card exceeds Telegram's 4,096 characters: a long one is cut, and what
is left is still valid Telegram HTML."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from wrse_bot.devtools.tg_html import parse_html, utf16_len
from wrse_bot.telegram.fit import fit_html

words = st.text(min_size=0, max_size=300)  # any script, emoji counted as two
line = st.builds(
    lambda tag, value: f"<{tag}>{html.escape(value)}</{tag}>" if tag else html.escape(value),
    st.sampled_from(["", "b", "i", "code"]),
    words,
)
card = st.lists(line, min_size=1, max_size=60).map("\n".join)


@given(card, st.integers(min_value=20, max_value=4096))
def test_a_card_is_cut_to_the_limit_and_stays_valid_html(text: str, limit: int) -> None:
    fitted = fit_html(text, limit)
    parsed = parse_html(fitted)  # raises on a broken tag or entity, as Telegram does
    assert utf16_len(parsed.text) <= limit
    if utf16_len(parse_html(text).text) <= limit:
        assert fitted == text
    else:
        assert parsed.text.endswith("…")  # something was left out, and it says so


def test_a_long_card_is_cut_at_a_line_break_and_its_tags_closed() -> None:
    text = "<b>Head</b>\n" + "\n".join(f"• line {i} &amp; more" for i in range(600))
    fitted = fit_html(text)
    assert utf16_len(parse_html(fitted).text) <= 4096
    assert fitted.startswith("<b>Head</b>\n• line 0 &amp; more")
    assert fitted.endswith("more…")  # a whole line, then the ellipsis
    cut_inside = fit_html("<b>" + "x" * 5000 + "</b>")
    assert cut_inside.endswith("…</b>") and utf16_len(parse_html(cut_inside).text) == 4096


def test_emoji_count_twice() -> None:
    fitted = fit_html("😀" * 3000)
    assert utf16_len(parse_html(fitted).text) <= 4096 < utf16_len("😀" * 3000)
