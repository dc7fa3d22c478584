"""Issue 8 §3: identifiers stay masked on every screen opened after her answer
was saved, since many women share one phone (UU PDP)."""

from __future__ import annotations

from telegram.ext import Application

from tests.e2e.flows import SITI_NIK, register, register_until
from wrse_bot.devtools.emulator import BotApiEmulator, BotMessage, FakeUser
from wrse_bot.domain.people import display_phone, mask_phone


def assert_masked(screen: BotMessage, user: FakeUser) -> None:
    assert SITI_NIK not in screen.text.replace(" ", "")
    assert "************0001" in screen.text
    assert display_phone(user.phone) not in screen.text
    assert user.phone not in screen.text
    assert mask_phone(user.phone) in screen.text  # 0812******NNN: the 08… form


async def test_the_review_before_sending_shows_nik_and_phone_masked(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(3001)
    review = await register_until(siti)
    assert_masked(review, siti)


async def test_ubah_data_from_data_saya_shows_nik_and_phone_masked(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(3002)
    await register(siti)
    await siti.ask("/data_saya")
    review = await siti.tap("✏️ Ubah data saya")
    assert "periksa" in review.text
    assert_masked(review, siti)


async def test_ubah_data_from_daftar_shows_nik_and_phone_masked(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(3003)
    await register(siti)
    await siti.ask("/daftar")
    review = await siti.tap("Ubah data saya")
    assert_masked(review, siti)


async def test_changing_the_nik_means_typing_it_again(
    emulator: BotApiEmulator, wrse: Application
) -> None:
    siti = emulator.user(3004)
    await register(siti)
    await siti.ask("/daftar")
    await siti.tap("Ubah data saya")
    question = await siti.tap("✏️ NIK")
    assert "ketik NIK" in question.text
    assert "0001" not in question.text  # the old NIK is not offered back to keep
    await siti.ask("3579035203800002")
    review = await siti.tap("Ya, benar")
    assert "************0002" in review.text
