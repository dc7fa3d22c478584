"""Keyboard builders shared by the conversations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.error import BadRequest

from wrse_bot.buttons import MAX_BYTES as MAX_CALLBACK_BYTES


def button(label: str, data: str) -> InlineKeyboardButton:
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return InlineKeyboardButton(label, callback_data=data)


def inline(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(r) for r in rows if r])


def in_rows(
    buttons: Sequence[InlineKeyboardButton], per_row: int
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def reply(
    rows: Iterable[Sequence[str | KeyboardButton]], *, one_time: bool = False
) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [list(r) for r in rows],
        resize_keyboard=True,
        one_time_keyboard=one_time,
        is_persistent=not one_time,
    )


async def replace_text(query: CallbackQuery, text: str) -> None:
    """Turn a question into its outcome (buttons gone); a double tap finds it done."""
    try:
        await query.edit_message_text(text)
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise
