"""How long a text may be. Telegram measures a message after parsing its
entities, in UTF-16 code units (an emoji counts two), and refuses more than
4,096; staff free text is limited well below that, so every card built from
it fits."""

from __future__ import annotations

TELEGRAM_TEXT_MAX = 4096  # sendMessage / editMessageText, after entity parsing


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2
