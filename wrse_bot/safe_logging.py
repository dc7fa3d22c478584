"""Logs that never carry personal data (UU 27/2022): an exception's message may
quote what it was given (a statement's parameters, a piece of a text), so a logged
failure keeps its frames and types, never the message."""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def error_name(exc: BaseException) -> str:
    """``sqlalchemy.exc.IntegrityError``, with the SQLSTATE when the driver gives one."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    state = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    return f"{name} (SQLSTATE {state})" if isinstance(state, str) else name


def safe_traceback(exc: BaseException) -> str:
    """Python's traceback, cause chain included, with every message left out."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    blocks = [
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_list(traceback.extract_tb(e.__traceback__)))
        + error_name(e)
        for e in reversed(chain)
    ]
    return (
        "\n\nwhich led to:\n\n".join(blocks) + "\n(messages withheld: they may hold personal data)"
    )


class SafeFormatter(logging.Formatter):
    """For every handler of the running bot, so a library's ``log.exception``
    (SQLAlchemy's pool, PTB's polling, asyncio) is as careful as ours."""

    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:  # noqa: N802 - logging's name
        return safe_traceback(ei[1]) if ei[1] is not None else ""
