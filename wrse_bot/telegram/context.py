"""The callback context every handler and job receives: PTB's, plus the Runtime, typed.

``bot.py`` passes ``Context`` to ``ApplicationBuilder().context_types(...)``, so a handler
annotated ``context: Context`` reads ``context.runtime.forms`` with full type hints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes

from wrse_bot.i18n import Translator
from wrse_bot.runtime import Runtime
from wrse_bot.telegram.bot import WrseBot

if TYPE_CHECKING:
    from conversations.forms import Screen


class BotData:
    """PTB's ``bot_data``, typed (``ContextTypes(bot_data=BotData)``): each is
    set once while the application is built, before any update is handled."""

    runtime: Runtime  # install_runtime
    form_screens: Mapping[str, Screen]  # what each form draws its own way (conversations)


class Context(CallbackContext[WrseBot, dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def runtime(self) -> Runtime:
        return self.bot_data.runtime

    @property
    def tr(self) -> Translator:
        return self.runtime.tr


CONTEXT_TYPES: ContextTypes[Context, dict[Any, Any], dict[Any, Any], BotData] = ContextTypes(
    context=Context, bot_data=BotData
)


def install_runtime(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    app.bot_data.runtime = runtime


def runtime_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    """The Runtime of an application (for code that has the app, not a context)."""
    runtime: Runtime = app.bot_data.runtime
    return runtime
