"""How long a text may be: Telegram counts UTF-16 code units after parsing entities
(an emoji is two) and refuses more than 4,096."""

from __future__ import annotations

TELEGRAM_TEXT_MAX = 4096  # sendMessage / editMessageText, after entity parsing


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2
