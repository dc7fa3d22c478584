"""One renderer for typed notices (services/notices.py): a Telegram message."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode

from wrse_bot.i18n import Translator
from wrse_bot.services.notices import Notice
from wrse_bot.telegram.keyboards import button, inline


def text_of(notice: Notice, t: Translator) -> str:
    params: Mapping[str, Any] = notice.params
    if notice.html:
        params = {k: html.escape(v) if isinstance(v, str) else v for k, v in params.items()}
    parts = [t.render(notice.text, dict(params) or None)]
    parts += [t(line) for line in notice.lines]
    return "\n".join(parts)


def markup_of(notice: Notice, t: Translator) -> InlineKeyboardMarkup | None:
    if not notice.rows:
        return None
    return inline([button(tap.text(t), tap.button.encode()) for tap in row] for row in notice.rows)


async def send(bot: Any, notice: Notice, t: Translator) -> None:
    await bot.send_message(
        notice.to,
        text_of(notice, t),
        reply_markup=markup_of(notice, t),
        parse_mode=ParseMode.HTML if notice.html else None,
    )
