"""Errors come back with Telegram's status codes and descriptions, so PTB raises the same
exceptions it would raise in production."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from wrse_bot.devtools.emulator import BotApiEmulator, FakeUser

NOT_MODIFIED = (
    "Message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


@pytest.fixture
def siti(emulator: BotApiEmulator) -> FakeUser:
    return emulator.user(1001, "Siti")


@pytest.mark.usefixtures("siti")
async def test_empty_text(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(1001, "")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(1001, "<b> </b>", parse_mode=ParseMode.HTML)


@pytest.mark.usefixtures("siti")
async def test_too_long_text_counts_utf16_units(bot: Bot) -> None:
    await bot.send_message(1001, "a" * 4096)
    # An emoji outside the BMP is two UTF-16 code units: 2048 of them is exactly the limit.
    await bot.send_message(1001, "😀" * 2048)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1001, "😀" * 2048 + "a")
    # Markup does not count, only the text the user sees.
    await bot.send_message(1001, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)


@pytest.mark.usefixtures("siti")
async def test_callback_data_over_64_bytes(bot: Bot) -> None:
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="x" * 64)]])
    await bot.send_message(1001, "Pilih", reply_markup=ok)
    # "é" is two bytes in UTF-8: 33 of them are 66 bytes.
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(1001, "Pilih", reply_markup=too_long)


@pytest.mark.usefixtures("siti")
@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>tebal", 'Can\'t find end tag corresponding to start tag "b"'),
        ("baris<br>baru", 'Unsupported start tag "br" at byte offset 5'),
        ("<p>paragraf</p>", 'Unsupported start tag "p"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("1 < 2", "Unexpected end of name token"),
        ('<span class="merah">x</span>', 'Unsupported start tag "span"'),
    ],
)
async def test_broken_html(bot: Bot, html: str, reason: str) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities") as caught:
        await bot.send_message(1001, html, parse_mode=ParseMode.HTML)
    # PTB capitalises only the first letter of the description.
    assert reason.lower() in caught.value.message.lower()


async def test_supported_html_is_accepted_and_parsed(bot: Bot, emulator: BotApiEmulator) -> None:
    emulator.user(1001)
    html = (
        '<b>Tebal</b> <i>miring</i> <a href="https://batukota.go.id">tautan</a> '
        '<tg-spoiler>rahasia</tg-spoiler> <span class="tg-spoiler">juga</span> '
        '<blockquote>kutipan</blockquote> <pre><code class="language-py">x</code></pre> &lt;ok&gt;'
    )
    message = await bot.send_message(1001, html, parse_mode=ParseMode.HTML)
    assert message.text.startswith("Tebal miring tautan rahasia juga kutipan x <ok>")
    assert message.entities[0].type == "bold"
    assert emulator.sent[-1].text == html
    assert emulator.sent[-1].plain_text == message.text


@pytest.mark.usefixtures("siti")
async def test_edit_with_identical_content_is_not_modified(bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="ya")]])
    sent = await bot.send_message(1001, "Setuju?", reply_markup=keyboard)
    with pytest.raises(BadRequest, match=NOT_MODIFIED):
        await bot.edit_message_text("Setuju?", 1001, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match=NOT_MODIFIED):
        await bot.edit_message_reply_markup(1001, sent.message_id, reply_markup=keyboard)
    # Same text without the keyboard is a change: it removes the keyboard.
    edited = await bot.edit_message_text("Setuju?", 1001, sent.message_id)
    assert edited.reply_markup is None
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", 1001, 999)


async def test_unknown_chat_and_blocked_user(bot: Bot, emulator: BotApiEmulator) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "halo")
    emulator.user(1001)
    emulator.block(1001)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "halo")
    emulator.unblock(1001)
    await bot.send_message(1001, "halo")


async def test_stale_callback_query_id(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("123456789")
