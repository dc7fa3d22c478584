"""What a companion's daily digest says (issue 11), composed without a
database: per woman who and what and when, in the companion's language, with
a button to record that she was told, to take or decline a seat for her, and
to fill in her check-in with her; split into messages when long."""

from __future__ import annotations

from datetime import date, time

from tests.conftest import make_settings
from tests.factories import wib
from wrse_bot.buttons import DigestTap, OpenForm
from wrse_bot.domain.timing import QuietHours
from wrse_bot.i18n import translator
from wrse_bot.scheduler import finished_text, report_text
from wrse_bot.services.digests import (
    WOMEN_PER_MESSAGE,
    Composed,
    DueCheckIn,
    Offer,
    Reminder,
    WomanDue,
    digest_moment,
    digest_rows,
    digest_text,
    digest_time,
    next_attempt,
    parts,
    plain,
)
from wrse_bot.services.dispatch import Progress

SARI = WomanDue(
    12,
    "Sari <Wulan>",
    reminders=(Reminder("Menjahit", wib(2026, 12, 12, 9), wib(2026, 12, 12, 12), "Balai Desa"),),
    offers=(Offer(40, "Kue Kering", wib(2026, 12, 10, 18)),),
    checkins=(DueCheckIn(7, 30, "Tata Boga"),),
    messages=("Pendaftaran Ibu sudah diperiksa.",),
)


def test_it_says_who_what_and_when_in_indonesian() -> None:
    text = digest_text(translator("id"), date(2026, 12, 11), [SARI])
    assert "Jumat, 11 Desember 2026" in text
    assert "<b>Sari &lt;Wulan&gt;</b> (No. 12):" in text  # her name escaped
    assert "pengingat kelas <b>Menjahit</b>: Sabtu, 12 Desember 2026, 09.00–12.00 WIB" in text
    assert "di Balai Desa" in text
    assert "kursi kosong untuknya di kelas <b>Kue Kering</b>" in text and "18.00 WIB" in text
    assert "cek kabar 30 hari" in text and "Tata Boga" in text
    assert "Pendaftaran Ibu sudah diperiksa." in text


def test_it_reads_in_english_for_an_english_speaking_companion() -> None:
    text = digest_text(translator("en"), date(2026, 12, 11), [SARI])
    assert "class reminder <b>Menjahit</b>" in text and "her 30-day check-in is due" in text


def test_buttons_record_she_was_told_answer_the_offer_and_open_her_check_in() -> None:
    rows = digest_rows([SARI], digest_id=99, check_in_form="checkin_via")
    taps = [tap.button for row in rows for tap in row]
    assert taps == [
        DigestTap("t", 12, 99),
        DigestTap("a", 40),
        DigestTap("l", 40),
        OpenForm("checkin_via", 7),
    ]
    labels = [tap.text(translator("id")) for row in rows for tap in row]
    assert labels[0] == "✅ Sudah disampaikan: Sari <Wulan>"
    assert all(len(tap.button.encode()) <= 64 for row in rows for tap in row)


def test_nothing_due_means_no_part_and_many_women_make_several_messages() -> None:
    assert parts([WomanDue(1, "Kosong")]) == []
    many = [WomanDue(i, f"Ibu {i}", messages=("x",)) for i in range(1, WOMEN_PER_MESSAGE + 2)]
    split = parts(many)
    assert [len(p) for p in split] == [WOMEN_PER_MESSAGE, 1]
    assert "(bagian 2 dari 2)" in digest_text(
        translator("id"), date(2026, 12, 11), split[1], part=2, total=2
    )


def test_a_stored_notice_is_quoted_as_plain_text() -> None:
    assert plain("Kelas <b>Menjahit</b> &amp; lain") == "Kelas Menjahit & lain"
    assert len(plain("a" * 1000)) == 300


def test_the_digest_never_falls_in_quiet_hours() -> None:
    quiet = QuietHours(time(20), time(7))
    assert digest_time(time(7), quiet) == time(7)
    assert digest_time(time(5), quiet) == time(7)  # moved to the morning
    assert digest_time(time(21), quiet) == time(7)
    assert digest_moment(date(2026, 12, 11), time(6), quiet) == wib(2026, 12, 11, 7)


def test_rows_that_wait_are_looked_at_again_at_the_hour_or_a_minute_later() -> None:
    settings = make_settings(
        "sqlite+aiosqlite://", digest_at=time(7), quiet_start=time(20), quiet_end=time(7)
    )
    nothing, waiting = Composed(), Composed(waiting=True)
    assert next_attempt(wib(2026, 12, 11, 5), settings, waiting) == wib(2026, 12, 11, 7)  # quiet
    assert next_attempt(wib(2026, 12, 11, 21), settings, waiting) == wib(2026, 12, 12, 7)
    assert next_attempt(wib(2026, 12, 11, 9), settings, waiting) == wib(2026, 12, 11, 9, 1)
    assert next_attempt(wib(2026, 12, 11, 9), settings, nothing) == wib(2026, 12, 11, 9)
    assert next_attempt(wib(2026, 12, 11, 9), settings, Composed(1, True)) == wib(2026, 12, 11, 9)


def test_a_broadcast_report_counts_the_women_reached_through_their_companions() -> None:
    p = Progress(1, total=3, sent=2, blocked=0, failed=0, pending=0, created_by=1,
                 chat_id=None, message_id=None, diverted=1)  # fmt: skip
    t = translator("id")
    assert "Tanpa Telegram, disampaikan pendamping: 1" in report_text(t, p)
    assert "Tanpa Telegram, disampaikan pendamping: 1" in finished_text(t, p)
