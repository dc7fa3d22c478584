"""Typed notices: a service never builds callback strings or Bot API JSON; it
returns a ``Notice`` (to whom, which message, typed ``Button`` values) for
``wrse_bot/telegram/notices.py`` to send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wrse_bot.buttons import Button


@dataclass(frozen=True)
class Tap:
    """A button: its label (a msgid, formatted with ``params``) and what it means."""

    label: str
    button: Button
    params: Mapping[str, Any] = field(default_factory=dict)
    mark: str = ""  # an emoji before the translated label ("✅ ")

    def text(self, t: Any) -> str:
        return self.mark + t.render(self.label, dict(self.params) or None)


@dataclass(frozen=True)
class Notice:
    to: int  # a Telegram chat id
    text: str  # msgid, formatted with ``params``
    params: Mapping[str, Any] = field(default_factory=dict)
    rows: tuple[tuple[Tap, ...], ...] = ()  # inline buttons, row by row
    html: bool = False  # ``text`` is HTML (params are escaped by the renderer)
    lines: tuple[str, ...] = ()  # further msgids, each on its own line


def outbox_markup(rows: tuple[tuple[Tap, ...], ...], t: Any) -> dict[str, Any]:
    """Inline buttons in Bot API shape for an outbox row (it stores JSON, not
    Telegram objects): the one place typed buttons become that JSON."""
    return {
        "inline_keyboard": [
            [{"text": tap.text(t), "callback_data": tap.button.encode()} for tap in row]
            for row in rows
        ]
    }
