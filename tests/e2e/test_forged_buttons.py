"""A forged or odd button (data no client of ours ever sent) gets a short
"button no longer valid" answer and changes nothing; it never reaches the
error handler's apology."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.conftest import RunningBot
from wrse_bot.devtools.emulator import BotApiEmulator

ADMIN = 9001
# One per callback family: digits that str.isdigit() accepts and int() refuses
# ("²"), digits of other scripts, numbers no id column holds, a trailing newline.
FORGED = [
    "f:²:yes",
    "vf:sh:٣",
    "vf:sh:999999999999",
    "vf:rs:1:²",
    "k:v:१",
    "k:n\n",
    "sc:p:٣",
    "sb:٣:send",
    "ci:٣:go",
    "rv:1:٣:y",
    "lp:f:30:all:c٣",
    "tl:a:999999999999",
    "ex:go:csv:f:٣:0123456789abcdef",
    "ro:rv:٣",
    "ro:rvy:٣:staff",
]


async def test_forged_callback_data_is_refused_kindly_and_never_raises(
    emulator: BotApiEmulator, start_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})):
        admin = emulator.user(ADMIN)  # an admin passes every role check
        shown = await admin.ask("/start")
        for data in FORGED:
            with caplog.at_level(logging.ERROR, logger="wrse_bot.errors"):
                await admin.press_data(data, shown.message_id)
                answer = await admin.callback_answer()
            assert answer.text is not None and "tidak berlaku" in answer.text, (data, answer)
        await admin.no_reply()  # no apology, no card, no menu
        assert not [r for r in caplog.records if r.name == "wrse_bot.errors"]
