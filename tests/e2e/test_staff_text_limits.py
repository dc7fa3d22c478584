"""Staff free text has a length limit, and no card can exceed Telegram's
4,096 characters: a text that is too long gets a kind message and the same
question again; a card that grows (notes pile up) is cut safely."""

from __future__ import annotations

from sqlalchemy import update

from tests.e2e.conftest import RunningBot
from tests.e2e.test_coordinator import ADMIN, db_of, seed
from wrse_bot.db.models import FollowUp
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.devtools.tg_html import utf16_len


async def test_a_follow_up_note_that_is_too_long_is_asked_again(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        ids = await seed(app)
        admin = emulator.user(ADMIN, "Budi")
        await admin.ask("/tindak_lanjut")
        card = await admin.reply()
        await admin.tap("📝 Tambah catatan", message=card)
        # The kind problem and the same question again, in one message (the form engine's way).
        again = await admin.ask("Sudah ditelepon. " * 40)  # 680 characters
        assert "500" in again.text and "panjang" in again.text
        assert "Ketik catatan" in again.text and again.button_labels == ["Batalkan"]
        async with db_of(app).sessions() as s:
            assert (await s.get(FollowUp, ids["follow_up"])).note is None  # type: ignore[union-attr]
        assert (await admin.ask("Sudah ditelepon, butuh modal")).text == "Catatan disimpan."


async def test_a_card_with_many_notes_still_fits_one_message(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as app:
        ids = await seed(app)
        note = "ditelepon, belum diangkat & dicoba lagi."
        notes = "\n".join(f"Catatan {i}: {note}" for i in range(300))
        async with db_of(app).transaction() as s:
            await s.execute(
                update(FollowUp).where(FollowUp.id == ids["follow_up"]).values(note=notes)
            )
        admin = emulator.user(ADMIN, "Budi")
        await admin.ask("/tindak_lanjut")
        card = await admin.reply()
        assert utf16_len(card.plain_text or "") <= 4096
        assert "Catatan 299" in (card.plain_text or "")  # the newest notes are shown
        assert "Catatan 0:" not in (card.plain_text or "")


async def test_a_broadcast_counts_characters_as_telegram_does(
    emulator: BotApiEmulator, start_bot: RunningBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})):
        officer = emulator.user(ADMIN)
        await officer.ask("/siaran")
        ask = await officer.tap("Semua yang memenuhi syarat")
        assert "Silakan ketik pesannya" in ask.text
        # 2,000 emoji: 2,000 characters to Python, 4,000 to Telegram (limit 3,500).
        refused = await officer.ask("🌸" * 2000)
        assert "terlalu panjang" in refused.text
        preview = await officer.ask("🌸 Kelas menjahit dibuka Senin depan.")
        assert "Pratinjau siaran" in preview.text
