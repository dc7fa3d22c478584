"""The callback context every handler and job receives: PTB's, plus the Runtime, typed.

``bot.py`` passes ``Context`` to ``ApplicationBuilder().context_types(...)``, so a handler
annotated ``context: Context`` reads ``context.runtime.forms`` with full type hints.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from wrse_bot.i18n import Translator
from wrse_bot.runtime import Runtime

# The one bot_data entry: written once by install_runtime when the application is built.
_RUNTIME = "runtime"


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.application)

    @property
    def tr(self) -> Translator:
        return self.runtime.tr


CONTEXT_TYPES: ContextTypes[Context, dict[Any, Any], dict[Any, Any], dict[Any, Any]] = ContextTypes(
    context=Context
)


def install_runtime(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    app.bot_data[_RUNTIME] = runtime


def runtime_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    """The Runtime of an application (for code that has the app, not a context)."""
    return app.bot_data[_RUNTIME]
