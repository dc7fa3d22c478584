"""Marking user-facing text in the domain without importing the i18n layer.

The domain stays free of I/O and locale state: it returns message ids marked
with ``N_`` (extracted by Babel), and the presentation layer translates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def N_(message: str) -> str:  # noqa: N802 - gettext convention
    """Mark ``message`` for extraction; translation happens when rendered."""
    return message


@dataclass(frozen=True)
class Money:
    """An amount in whole Rupiah, formatted by Babel when a message is rendered."""

    rupiah: int


@dataclass(frozen=True)
class Day:
    """A calendar date, formatted by Babel when a message is rendered."""

    value: date


@dataclass(frozen=True)
class Msg:
    """A message id inside another message ("{kind}"), translated when rendered."""

    msgid: str
