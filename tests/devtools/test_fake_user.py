"""FakeUser drives a real PTB bot through keyboards, uploads and callbacks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from tests.devtools.demo_bot import PNG, XLSX, build_demo_application
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.devtools.harness import polling


@pytest.fixture
async def demo_app(emulator: BotApiEmulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    emulator.rate_limits = False
    async with polling(build_demo_application(emulator), poll_timeout=10) as app:
        yield app


@pytest.mark.usefixtures("demo_app")
async def test_press_inline_button_sends_callback_and_sees_edit(emulator: BotApiEmulator) -> None:
    siti = emulator.user(1001, "Siti")

    welcome = await siti.ask("/start")
    assert welcome.plain_text == "Selamat datang\nApakah Anda setuju?"
    assert welcome.text is not None and welcome.text.startswith("<b>")
    assert welcome.buttons == [["Setuju", "Tidak setuju"]]
    assert welcome.inline_data("Setuju") == "consent:yes"

    edited = await siti.tap("Setuju")
    assert edited.kind == "edit"
    assert edited.message_id == welcome.message_id
    assert edited.text == "Anda setuju."
    assert not edited.has_inline_keyboard
    answer = await siti.callback_answer()
    assert answer.text == "Tersimpan"
    assert answer.show_alert is False

    # The keyboard is gone after the edit, so the button cannot be pressed any more.
    with pytest.raises(AssertionError, match="no button 'Setuju'"):
        await siti.press("Setuju")


@pytest.mark.usefixtures("demo_app")
async def test_forged_callback_data(emulator: BotApiEmulator) -> None:
    siti = emulator.user(1001)
    welcome = await siti.ask("/start")
    await siti.press_data("admin:hapus-semua", welcome.message_id)
    answer = await siti.callback_answer()
    assert answer.show_alert is True
    assert answer.text == "Tombol tidak dikenal"


@pytest.mark.usefixtures("demo_app")
async def test_press_reply_keyboard_sends_text_and_contact(emulator: BotApiEmulator) -> None:
    budi = emulator.user(1002, "Budi")
    menu = await budi.ask("/menu")
    assert menu.reply_keyboard == [["Info layanan"], ["Bagikan nomor"]]
    assert budi.last_keyboard_message is menu

    assert (await budi.tap("Info layanan")).text == "Layanan WRSE Kota Batu."

    shared = await budi.tap("Bagikan nomor")
    assert shared.text == f"Nomor {budi.phone.removeprefix('+')} (milik sendiri)"
    assert shared.removes_keyboard
    assert budi.last_keyboard_message is None

    with pytest.raises(AssertionError, match="no keyboard on screen"):
        await budi.press("Info layanan")


@pytest.mark.usefixtures("demo_app")
async def test_missing_button_lists_the_available_ones(emulator: BotApiEmulator) -> None:
    siti = emulator.user(1001)
    await siti.ask("/start")
    with pytest.raises(AssertionError, match=r"\[\['Setuju', 'Tidak setuju'\]\]"):
        await siti.press("Mungkin")


@pytest.mark.usefixtures("demo_app")
async def test_uploads_are_stored(emulator: BotApiEmulator) -> None:
    siti = emulator.user(1001)

    photo = await siti.ask("/foto")
    assert photo.kind == "photo"
    assert photo.file_bytes == PNG
    assert photo.filename == "grafik.png"
    assert photo.text == "Grafik"

    document = await siti.ask("/laporan")
    assert document.kind == "document"
    assert document.filename == "laporan.xlsx"
    assert document.file_bytes == XLSX
    assert [f.filename for f in emulator.files] == ["grafik.png", "laporan.xlsx"]


@pytest.mark.usefixtures("demo_app")
async def test_bot_can_download_a_users_photo(emulator: BotApiEmulator) -> None:
    siti = emulator.user(1001)
    await siti.send_photo()
    reply = await siti.reply()
    assert reply.text is not None and reply.text.startswith("Foto diterima, ")


@pytest.mark.usefixtures("demo_app")
async def test_reply_timeout_explains_what_happened(emulator: BotApiEmulator) -> None:
    siti = emulator.user(1001)
    await siti.ask("/start")
    await siti.send("teks yang tidak ditangani")
    with pytest.raises(AssertionError, match="Selamat datang"):
        await siti.reply(timeout=0.2)
    await siti.no_reply(within=0.05)
