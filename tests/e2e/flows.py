"""Reusable user journeys, so each test reads as the behaviour it checks."""

from __future__ import annotations

from wrse_bot.devtools.emulator import BotMessage, FakeUser

# A woman born 12 March 1980 whose NIK was issued in Junrejo (day + 40 = 52).
SITI_NIK = "3579035203800001"
SITI_NIK_TYPED = "3579 0352 0380 0001"

# (what the open question says, how she answers, her answer)
HAPPY_PATH: list[tuple[str, str, str]] = [
    ("data Ibu", "tap", "Setuju"),
    ("nama lengkap", "type", "{name}"),
    ("NIK", "type", "{nik}"),
    ("12 Maret 1980", "tap", "Ya, benar"),
    ("kecamatan", "tap", "Junrejo"),
    ("desa atau kelurahan", "tap", "Beji"),
    ("alamat", "type", "RT 02 RW 05, Jl. Mawar 10"),
    ("status perkawinan", "tap", "Cerai mati"),
    ("pencari nafkah utama", "tap", "Ya"),
    ("berapa orang", "tap", "3"),
    ("penghasilan", "type", "{income}"),
    ("sekolah", "tap", "Tamat SD"),
    ("pekerjaan", "tap", "Buruh tani"),
    ("kelas apa", "toggle", "Menjahit"),
    ("kelas apa", "tap", "Selesai"),
    ("nomor HP", "contact", ""),
]


async def answer(user: FakeUser, action: str, value: str) -> BotMessage:
    if action == "tap":
        return await user.tap(value)
    if action == "type":
        return await user.ask(value)
    if action == "toggle":
        await user.press(f"▫️ {value}")
        return await user.reply()
    if action == "contact":
        await user.send_contact(user.phone)
        return await user.reply()
    raise ValueError(action)


async def register_until(
    user: FakeUser,
    stop_at: str | None = None,
    *,
    name: str = "Siti Aminah",
    nik: str = SITI_NIK_TYPED,
    income: str = "500rb",
) -> BotMessage:
    """Answer the happy path from /daftar until the question mentioning
    ``stop_at`` is on screen (or the review, when ``stop_at`` is None)."""
    message = await user.ask("/daftar")
    return await _walk(user, message, HAPPY_PATH, stop_at, name=name, nik=nik, income=income)


async def continue_to_review(user: FakeUser, message: BotMessage, from_marker: str) -> BotMessage:
    """Carry on along the happy path from the question mentioning ``from_marker``."""
    start = next(i for i, step in enumerate(HAPPY_PATH) if step[0] == from_marker)
    return await _walk(
        user,
        message,
        HAPPY_PATH[start:],
        None,
        name="Siti Aminah",
        nik=SITI_NIK_TYPED,
        income="500rb",
    )


async def _walk(
    user: FakeUser,
    message: BotMessage,
    steps: list[tuple[str, str, str]],
    stop_at: str | None,
    **values: str,
) -> BotMessage:
    for marker, action, value in steps:
        assert marker.lower() in message.text.lower(), f"expected {marker!r}, got:\n{message}"
        if stop_at is not None and stop_at.lower() in marker.lower():
            return message
        message = await answer(user, action, value.format(**values))
    assert "periksa" in message.text.lower(), message
    return message


async def register(user: FakeUser, **kwargs: str) -> BotMessage:
    """The whole form and "Kirim": returns the verdict message."""
    await register_until(user, **kwargs)
    return await user.tap("✅ Kirim")
