from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wrse_bot.devtools.tg_html import EntityParseError, parse_html, utf16_len


def test_entities_use_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>tebal</b> &amp; <a href='https://x.id'>t</a>")
    assert parsed.text == "😀 tebal & t"
    assert parsed.entities == (
        {"type": "bold", "offset": 3, "length": 5},
        {"type": "text_link", "url": "https://x.id", "offset": 11, "length": 1},
    )


def test_pre_with_language_is_one_entity() -> None:
    parsed = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert parsed.entities == ({"type": "pre", "language": "python", "offset": 0, "length": 5},)


@pytest.mark.parametrize("html", ["<b>", "</b>", "<div>x</div>", "<b><i></b></i>", "a <b"])
def test_rejected(html: str) -> None:
    with pytest.raises(EntityParseError):
        parse_html(html)


@given(st.text())
def test_escaped_text_always_parses_back_to_itself(text: str) -> None:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    parsed = parse_html(escaped)
    assert parsed.text == text
    assert utf16_len(parsed.text) == len(parsed.text.encode("utf-16-le")) // 2
