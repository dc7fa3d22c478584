"""Typed notices: what a service wants said, for one renderer to send.

A service never builds callback strings or Bot API JSON: it returns a
``Notice`` (to whom, which message, which buttons as typed ``Button`` values),
and ``wrse_bot/telegram/notices.py`` turns it into a Telegram message.
"""

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


@dataclass(frozen=True)
class Notice:
    to: int  # a Telegram chat id
    text: str  # msgid, formatted with ``params``
    params: Mapping[str, Any] = field(default_factory=dict)
    rows: tuple[tuple[Tap, ...], ...] = ()  # inline buttons, row by row
    html: bool = False  # ``text`` is HTML (params are escaped by the renderer)
    lines: tuple[str, ...] = ()  # further msgids, each on its own line
