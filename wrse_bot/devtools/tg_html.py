"""Telegram-flavoured HTML parsing, strict in the same places the real Bot API is strict.

The emulator uses this to reject what Telegram would reject ("can't parse entities") and
to compute the plain text Telegram stores, whose UTF-16 length is what the limits apply to.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

# Tag -> entity type, per https://core.telegram.org/bots/api#html-style
_TAG_ENTITY: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
# Telegram documents only these four named entities; others stay literal text.
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """Raised with the text Telegram puts after "Bad Request: can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram measures text and offsets in."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class ParsedText:
    text: str
    entities: tuple[dict[str, Any], ...]


class _Parser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._source = source
        self._line_starts: list[int] | None = None
        self._parts: list[str] = []
        self._pos = 0  # UTF-16 offset of the end of the text produced so far
        self._stack: list[tuple[str, int, dict[str, Any]]] = []
        self.entities: list[dict[str, Any]] = []

    # -- helpers -------------------------------------------------------------
    def _byte_offset(self) -> int:
        if self._line_starts is None:
            starts = [0]
            for i, ch in enumerate(self._source):
                if ch == "\n":
                    starts.append(i + 1)
            self._line_starts = starts
        line, col = self.getpos()
        index = self._line_starts[line - 1] + col
        return len(self._source[:index].encode())

    def _fail(self, message: str) -> None:
        raise EntityParseError(message)

    def _emit(self, text: str) -> None:
        self._parts.append(text)
        self._pos += utf16_len(text)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    # -- HTMLParser callbacks -----------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        entity_type = _TAG_ENTITY.get(tag)
        attributes = {k: v or "" for k, v in attrs}
        if entity_type is None or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        extra: dict[str, Any] = {}
        if tag == "a":
            extra["url"] = attributes.get("href", "")
        elif tag == "tg-emoji":
            if "emoji-id" not in attributes:
                self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
            extra["custom_emoji_id"] = attributes["emoji-id"]
        elif tag == "blockquote" and "expandable" in attributes:
            entity_type = "expandable_blockquote"
        elif tag == "code" and self._stack and self._stack[-1][0] == "pre":
            language = attributes.get("class", "")
            if language.startswith("language-"):
                self._stack[-1][2]["language"] = language.removeprefix("language-")
        self._stack.append((tag, self._pos, {"type": entity_type, **extra}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<br/>" and friends: rejected by the start tag check, like Telegram does.
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, start, entity = self._stack[-1]
        if open_tag != tag:
            self._fail(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        self._stack.pop()
        if tag == "code" and self._stack and self._stack[-1][0] == "pre":
            return  # <pre><code class="language-x"> is one pre entity
        if self._pos > start:  # Telegram drops empty entities
            self.entities.append({**entity, "offset": start, "length": self._pos - start})

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self._fail(f"Unexpected end of name token at byte offset {self._byte_offset()}")
        self._emit(data)

    def handle_entityref(self, name: str) -> None:
        self._emit(_NAMED_ENTITIES.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" and name else int(name)
            self._emit(chr(code))
        except (ValueError, OverflowError):
            self._emit(f"&#{name};")

    def handle_decl(self, decl: str) -> None:
        self._fail(f"Unsupported start tag at byte offset {self._byte_offset()}")

    def unknown_decl(self, data: str) -> None:
        self.handle_decl(data)


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML; raise EntityParseError where Telegram answers 400."""
    parser = _Parser(source)
    parser.feed(source)
    parser.close()
    if parser._stack:
        tag = parser._stack[-1][0]
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(parser.text, tuple(entities))


def strip_html(source: str) -> str:
    """Best-effort plain text for display; never raises."""
    try:
        return parse_html(source).text
    except EntityParseError:
        return source
