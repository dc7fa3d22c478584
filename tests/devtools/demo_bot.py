"""A tiny bot with inline and reply keyboards, photo and document uploads, for the tests."""

from __future__ import annotations

import io

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from wrse_bot.devtools.emulator import BotApiEmulator

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
XLSX = b"PK\x03\x04" + b"\x00" * 60  # only the zip magic matters to the tests


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Setuju", callback_data="consent:yes"),
                InlineKeyboardButton("Tidak setuju", callback_data="consent:no"),
            ]
        ]
    )
    await update.effective_message.reply_text(
        "<b>Selamat datang</b>\nApakah Anda setuju?",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )


async def consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    if not query.data.startswith("consent:"):
        await query.answer("Tombol tidak dikenal", show_alert=True)
        return
    await query.answer("Tersimpan")
    choice = "setuju" if query.data == "consent:yes" else "tidak setuju"
    await query.edit_message_text(f"Anda {choice}.")


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = ReplyKeyboardMarkup(
        [["Info layanan"], [KeyboardButton("Bagikan nomor", request_contact=True)]],
        resize_keyboard=True,
    )
    await update.effective_message.reply_text("Pilih menu:", reply_markup=keyboard)


async def info(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("Layanan WRSE Kota Batu.")


async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.contact is not None
    own = message.contact.user_id == message.from_user.id if message.from_user else False
    await message.reply_text(
        f"Nomor {message.contact.phone_number} ({'milik sendiri' if own else 'orang lain'})",
        reply_markup=ReplyKeyboardRemove(),
    )


async def numbers(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A question answered with a number: buttons labelled "0".."6", then Back."""
    assert update.effective_message is not None
    digits = [InlineKeyboardButton(str(n), callback_data=f"n:{n}") for n in range(7)]
    back = InlineKeyboardButton("⬅️ Kembali", callback_data="n:back")
    await update.effective_message.reply_text(
        "Berapa orang?", reply_markup=InlineKeyboardMarkup([digits[:4], digits[4:], [back]])
    )


async def number_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    await query.edit_message_text(f"Dipilih: {query.data.removeprefix('n:')}")


async def number_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(f"Diketik: {update.effective_message.text}")


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_photo(
        io.BytesIO(PNG), caption="Grafik", filename="grafik.png"
    )


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_document(io.BytesIO(XLSX), filename="laporan.xlsx")


async def received_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.photo
    file = await message.photo[-1].get_file()
    data = await file.download_as_bytearray()
    await message.reply_text(f"Foto diterima, {len(data)} byte")


def build_demo_application(emulator: BotApiEmulator) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("foto", photo))
    app.add_handler(CommandHandler("laporan", report))
    app.add_handler(CommandHandler("angka", numbers))
    app.add_handler(CallbackQueryHandler(number_pressed, pattern=r"^n:"))
    app.add_handler(CallbackQueryHandler(consent))
    app.add_handler(MessageHandler(filters.CONTACT, contact))
    app.add_handler(MessageHandler(filters.PHOTO, received_photo))
    app.add_handler(MessageHandler(filters.Regex("^Info layanan$"), info))
    app.add_handler(MessageHandler(filters.Regex(r"^\d+$"), number_typed))
    return app
