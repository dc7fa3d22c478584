"""``make demo``: the real bot in the terminal, with a woman, a staff member, a
coordinator and an admin, each in her own chat, and sample classes on request."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot import build_application
from tests.conftest import TEST_SECRET, make_settings
from tests.factories import make_assisted_woman
from wrse_bot.db.engine import Database
from wrse_bot.devtools.demo import COMPANION, COMPANION_VILLAGES, run_demo
from wrse_bot.i18n import WIB


class _Screen(io.StringIO):
    """stdout that lets the test await a piece of text instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def write(self, s: str) -> int:
        self.changed.set()
        return super().write(s)

    async def shows(self, text: str, since: int = 0, timeout: float = 10.0) -> str:  # noqa: ASYNC109
        """Wait until ``text`` appears after position ``since``; returns what came since."""
        async with asyncio.timeout(timeout):
            while text not in self.getvalue()[since:]:
                self.changed.clear()
                await self.changed.wait()
        return self.getvalue()[since:]


Typist = Callable[[str], int]


@pytest.fixture
async def demo(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[tuple[Typist, _Screen]]:
    """``make demo`` on a fresh demo-data folder; yields (type a line, the screen)."""
    shutil.copy(sqlite_template, tmp_path / "demo.db")  # migrated already: start-up is quick
    (tmp_path / "secret").write_text(TEST_SECRET)  # keep the suite's key configured
    read_fd, write_fd = os.pipe()
    screen = _Screen()
    with os.fdopen(read_fd, "r") as stdin, os.fdopen(write_fd, "w") as keyboard:

        def type_line(line: str) -> int:
            """Type a line; returns the screen position before its answer."""
            at = len(screen.getvalue())
            keyboard.write(line + "\n")
            keyboard.flush()
            return at

        chat = asyncio.create_task(
            run_demo(
                make_settings(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"),
                build_application,
                stdin=stdin,
                stdout=screen,
                directory=tmp_path,
                quiet_period=0.05,
            )
        )
        await screen.shows("Anda sekarang ibu (Siti). Ganti orang: :sebagai petugas")
        yield type_line, screen
        type_line(":keluar")
        await asyncio.wait_for(chat, 10)


async def test_each_role_has_its_own_chat_and_its_own_commands(
    demo: tuple[Typist, _Screen],
) -> None:
    type_line, screen = demo
    await screen.shows("Apakah Ibu setuju?", type_line("/daftar"))
    await screen.shows("nama lengkap", type_line("1"))
    await screen.shows("NIK", type_line("Siti Aminah"))

    await screen.shows("Sekarang Anda petugas (Rina)", type_line(":sebagai petugas"))
    seen = await screen.shows("/siaran: ", type_line("/bantuan"))
    assert "/kelas_baru: " in seen and "/laporan" not in seen and "/undang" not in seen
    assert "NIK" not in seen  # not in the middle of Siti's registration: her own chat

    await screen.shows("Sekarang Anda koordinator", type_line(":sebagai koordinator"))
    seen = await screen.shows("/ekspor: ", type_line("/bantuan"))
    assert "/laporan: " in seen and "/kelas_baru" not in seen

    await screen.shows("Sekarang Anda pendamping (Wati)", type_line(":sebagai pendamping"))
    seen = await screen.shows("/dampingan: ", type_line("/bantuan"))
    assert "/laporan" not in seen and "/kelas_baru" not in seen

    await screen.shows("Sekarang Anda admin", type_line(":sebagai admin"))
    seen = await screen.shows("/peran: ", type_line("/bantuan"))
    assert all(f"/{c}: " in seen for c in ("kelas_baru", "siaran", "laporan", "ekspor", "undang"))
    seen = await screen.shows("/peran", type_line(":menu"))  # the chat's command menu
    assert "/kelas_baru" in seen and "/laporan" in seen

    await screen.shows("Sekarang Anda ibu (Siti)", type_line(":sebagai ibu"))
    seen = await screen.shows("Cara memakai layanan ini", type_line("/bantuan"))
    assert "sebagai petugas" not in seen and "/kelas_baru" not in seen
    assert "NIK" in seen  # help, then her open question again
    # Her form waited for her while the others used the bot.
    await screen.shows("12 Maret 1980", type_line("3579035203800001"))


async def test_sample_classes_are_published_once(demo: tuple[Typist, _Screen]) -> None:
    type_line, screen = demo
    await screen.shows("3 kelas contoh diterbitkan", type_line(":contoh"))
    await screen.shows("Kelas contoh sudah ada", type_line(":contoh"))
    seen = await screen.shows("Membatik Tulis Motif Apel", type_line("/kelas"))
    assert "[1] 1. Menjahit Dasar" in seen and "[3] 3. Membatik Tulis Motif Apel" in seen
    assert "[4]" not in seen  # three classes, not six


async def test_a_number_typed_for_the_seats_is_the_seats_never_a_button(
    demo: tuple[Typist, _Screen],
) -> None:
    type_line, screen = demo
    await screen.shows("Sekarang Anda petugas", type_line(":sebagai petugas"))
    await screen.shows("Keterampilan apa", type_line("/kelas_baru"))
    await screen.shows("judul", type_line("1"))
    await screen.shows("Deskripsi", type_line("Menjahit Lanjutan"))
    await screen.shows("Di mana", type_line("Membuat baju kurung."))
    await screen.shows("kecamatan mana", type_line("Balai Desa Pendem"))
    await screen.shows("pelatih", type_line("3"))
    seen = await screen.shows("[a] ⬅️ Kembali", type_line("Bu Sri"))
    assert "Berapa kursi?" in seen and "[10]  [15]  [20]  [25]  [30]" in seen
    seen = await screen.shows("jadwal sesi 1", type_line("1"))  # one seat, typed
    assert "siapa pelatihnya" not in seen.lower()  # not "Kembali"

    today = datetime.now(WIB).date()
    session = f"{today + timedelta(days=10):%d-%m-%Y} 09.00-12.00"
    await screen.shows("Selesai", type_line(session))
    await screen.shows("batas pendaftaran", type_line("2"))
    seen = await screen.shows("Terbitkan", type_line(f"{today + timedelta(days=5):%d-%m-%Y}"))
    assert "Kursi: 1\n" in seen
    key = re.search(r"\[(\d+)\] Kursi", seen)  # the preview's button to change the seats
    assert key is not None, seen
    await screen.shows("[20]", type_line(key[1]))
    seen = await screen.shows("Terbitkan", type_line("20"))  # the button "20"
    assert "Kursi: 20\n" in seen


async def test_the_companions_next_digest_can_be_seen_now_with_ringkasan(
    demo: tuple[Typist, _Screen], tmp_path: Path
) -> None:
    """A woman without Telegram in a sample class: her reminders come in Wati's
    digest the morning before each session, days ahead; ``:ringkasan`` sends the
    next digest that has something in it now, through the dispatcher's service."""
    type_line, screen = demo
    await screen.shows("Belum ada yang perlu disampaikan", type_line(":ringkasan"))
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    try:  # as /daftarkan leaves her: a placeholder account, no Telegram
        number = await make_assisted_woman(
            db, COMPANION.user_id, COMPANION_VILLAGES[0], full_name="Sri Wahyuni"
        )
    finally:
        await db.dispose()
    await screen.shows("3 kelas contoh diterbitkan", type_line(":contoh"))
    await screen.shows("Sekarang Anda pendamping (Wati)", type_line(":sebagai pendamping"))
    await screen.shows("Menjahit Dasar", type_line(f"/kelaskan {number}"))
    await screen.shows("Ya, daftarkan", type_line("1"))
    await screen.shows("ringkasan harian Anda", type_line("1"))
    seen = await screen.shows("Sudah disampaikan: Sri Wahyuni", type_line(":ringkasan"))
    assert "Ringkasan harian Wati untuk" in seen and "dikirim sekarang" in seen
    assert "Untuk ibu-ibu dampingan Anda" in seen and "pengingat kelas Menjahit Dasar" in seen
    # The next one: the following day that has something for her (the next session).
    seen = await screen.shows("Sudah disampaikan: Sri Wahyuni", type_line(":ringkasan"))
    assert "pengingat kelas Menjahit Dasar" in seen
