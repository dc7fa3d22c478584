"""Cards that always fit: a message longer than Telegram's 4,096 characters
is refused outright, so the bot cuts it first, HTML-safely: never inside a tag
or an entity, open tags closed again, at a line break where one is near, with
"…" to show that something was left out."""

from __future__ import annotations

import html
import re

from wrse_bot.domain.limits import TELEGRAM_TEXT_MAX, utf16_len

ELLIPSIS = "…"
# A tag, an entity, or one character: the pieces a cut may fall between.
_ATOM = re.compile(r"<[^<>]*>|&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{1,8});|.", re.DOTALL)
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")


def visible_len(text: str) -> int:
    """What Telegram counts of an HTML message: its text without the tags."""
    return utf16_len(html.unescape(re.sub(r"<[^<>]*>", "", text)))


def fit_html(text: str, limit: int = TELEGRAM_TEXT_MAX) -> str:
    """``text`` (Telegram HTML, as the bot builds it) in at most ``limit``
    visible characters."""
    if visible_len(text) <= limit:
        return text
    budget = limit - utf16_len(ELLIPSIS)
    kept: list[str] = []
    stack: list[str] = []
    used = 0
    line_cut: tuple[int, list[str]] | None = None  # the last line break past half way
    for atom in _ATOM.findall(text):
        tag = _TAG.match(atom) if atom.startswith("<") and atom.endswith(">") else None
        if tag is not None:
            closing, name = tag.group(1), tag.group(2).lower()
            if closing and stack and stack[-1] == name:
                stack.pop()
            elif not closing and not atom.endswith("/>"):
                stack.append(name)
            kept.append(atom)
            continue
        width = utf16_len(html.unescape(atom))
        if used + width > budget:
            break
        if atom == "\n" and used > budget // 2:
            line_cut = (len(kept), list(stack))
        kept.append(atom)
        used += width
    if line_cut is not None:
        kept, stack = kept[: line_cut[0]], line_cut[1]
    return "".join(kept).rstrip() + ELLIPSIS + "".join(f"</{n}>" for n in reversed(stack))
