"""(placeholder: filled in by the classes issue)"""

from __future__ import annotations

from telegram.ext import Application


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
