"""Marking user-facing text in the domain without importing the i18n layer.

The domain stays free of I/O and locale state: it returns message ids marked
with ``N_`` (extracted by Babel), and the presentation layer translates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


def N_(message: str) -> str:  # noqa: N802 - gettext convention
    """Mark ``message`` for extraction; translation happens when rendered."""
    return message


@dataclass(frozen=True)
class Money:
    """An amount in whole Rupiah, formatted by Babel when a message is rendered."""

    rupiah: int


@dataclass(frozen=True)
class Term:
    """A msgid inside a sentence ("the new {field}"), translated and lower-cased."""

    msgid: str


@dataclass(frozen=True)
class Period:
    """A session's time, ``Selasa, 1 Desember 2026, 09.00–12.00 WIB`` when rendered."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Periods:
    """Sessions, one numbered line each."""

    periods: tuple[Period, ...]


@dataclass(frozen=True)
class Day:
    """A calendar date, formatted by Babel when a message is rendered."""

    value: date


@dataclass(frozen=True)
class Msg:
    """A message id inside another message ("{kind}", "To: {audience}"), with its
    own parameters, translated when the outer one is rendered."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
