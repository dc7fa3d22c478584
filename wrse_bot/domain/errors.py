"""The common shape of domain errors, so the chat layer can render any of them alike."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar

from wrse_bot.domain.text import Day, Money

# Values a message may interpolate; Money and Day are formatted by the renderer's locale.
Param = str | int | Money | Day


class DomainError(ValueError):
    """A rejected answer: ``message`` is an untranslated ``N_`` msgid, ``params`` fill it.

    ``message`` uses ``str.format`` placeholders such as ``{max}``; the renderer
    translates first and formats afterwards, so translators can move placeholders.
    """

    def __init__(self, message: str, params: Mapping[str, Param] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params: dict[str, Param] = dict(params or {})


class ProblemError(DomainError):
    """A rejected answer with its kind, ``problem``, so callers branch without reading
    text; the message is the kind's own in ``MESSAGES`` unless one is given."""

    MESSAGES: ClassVar[Mapping[Any, str]] = {}

    def __init__(
        self, problem: StrEnum, message: str = "", params: Mapping[str, Param] | None = None
    ) -> None:
        super().__init__(message or self.MESSAGES[problem], params)
        self.problem = problem
