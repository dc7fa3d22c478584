"""The message catalogs (locales/): complete, faithful to each message id, and compilable.

Message ids in the code are English and extracted into ``locales/messages.pot``;
``id`` (the default) and ``en`` must translate every one of them. Users read on
shared phones, so notification previews must not open with "janda" or "cerai"
(DOMAIN.md, "Who we serve"); only the official marital-status button labels may.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import UTC, date, datetime
from functools import cache
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from wrse_bot.i18n import LANGUAGES, LOCALES_DIR, translator

TEMPLATE = LOCALES_DIR / "messages.pot"
# Official Dukcapil terms for the marital status buttons: they are labels, not previews.
MARITAL_LABELS_ALLOWED_TO_START_WITH_CERAI = {"Divorced", "Widowed"}
WORDS_NOT_TO_OPEN_A_MESSAGE = ("janda", "cerai")

TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^<>]*)?>")


@cache
def template() -> Catalog:
    with TEMPLATE.open("rb") as fh:
        return read_po(fh)


@cache
def catalog(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=language)


def msgids() -> list[str]:
    return sorted(m.id for m in template() if m.id)


def entries(language: str) -> list[Message]:
    return [m for m in catalog(language) if m.id]


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


def tags(text: str) -> Counter[str]:
    return Counter(f"<{slash}{name.lower()}>" for slash, name in TAG.findall(text))


def tags_are_balanced(text: str) -> bool:
    open_tags: list[str] = []
    for slash, name in TAG.findall(text):
        if not slash:
            open_tags.append(name.lower())
        elif not open_tags or open_tags.pop() != name.lower():
            return False
    return not open_tags


def preview(text: str) -> str:
    """What a notification shows first: the text without tags, emoji or punctuation."""
    return re.sub(r"^\W+", "", TAG.sub("", text)).lower()


def test_the_template_has_messages() -> None:
    assert len(msgids()) > 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_id_has_a_translation(language: str) -> None:
    translated = {m.id: m.string for m in entries(language)}
    missing = [msgid for msgid in msgids() if not translated.get(msgid)]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_has_no_message_the_template_lacks(language: str) -> None:
    stale = sorted(set(m.id for m in entries(language)) - set(msgids()))
    assert stale == []
    assert list(catalog(language).obsolete) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_fuzzy(language: str) -> None:
    assert not catalog(language).fuzzy
    assert [m.id for m in entries(language) if m.fuzzy] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_keeps_exactly_the_placeholders_of_its_message_id(
    language: str,
) -> None:
    wrong = [
        (m.id, m.string) for m in entries(language) if placeholders(m.string) != placeholders(m.id)
    ]
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_can_be_formatted(language: str) -> None:
    for m in entries(language):
        values = dict.fromkeys(placeholders(m.id), "X")
        m.string.format(**values)  # a stray brace would raise here


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_has_balanced_html_tags_and_the_same_tags_as_its_message_id(
    language: str,
) -> None:
    unbalanced = [m.string for m in entries(language) if not tags_are_balanced(m.string)]
    assert unbalanced == []
    different = [m.id for m in entries(language) if tags(m.string) != tags(m.id)]
    assert different == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_keeps_the_line_breaks_of_its_message_id(language: str) -> None:
    different = [m.id for m in entries(language) if m.string.count("\n") != m.id.count("\n")]
    assert different == []


def test_english_translations_are_the_message_ids_verbatim() -> None:
    assert [m.id for m in entries("en") if m.string != m.id] == []


def test_no_indonesian_message_opens_with_janda_or_cerai_except_marital_status_buttons() -> None:
    opening = [
        (m.id, m.string)
        for m in entries("id")
        if m.id not in MARITAL_LABELS_ALLOWED_TO_START_WITH_CERAI
        and preview(m.string).startswith(WORDS_NOT_TO_OPEN_A_MESSAGE)
    ]
    assert opening == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_compiles(language: str) -> None:
    buf = io.BytesIO()
    write_mo(buf, catalog(language))
    buf.seek(0)
    compiled = Translations(fp=buf)
    for m in entries(language):
        assert compiled.gettext(m.id) == m.string


# ---- the words users see (end-to-end tests match these) ------------------------

REQUIRED_INDONESIAN = {
    # menu
    "Register": "Daftar",
    "Continue registration": "Lanjutkan pendaftaran",
    "Classes": "Kelas",
    "My data": "Data saya",
    "Help": "Bantuan",
    "Start": "Mulai",
    "Pause registration": "Hentikan sementara pendaftaran",
    "Delete my data": "Hapus data saya",
    # buttons
    "I agree": "Setuju",
    "I do not agree": "Tidak setuju",
    "Back": "Kembali",
    "Skip": "Lewati",
    "Yes": "Ya",
    "No": "Tidak",
    "Yes, right": "Ya, benar",
    "Yes, it is mine": "Ya, NIK saya",
    "Type the NIK again": "Ketik ulang NIK",
    "No income": "Tidak ada penghasilan",
    "{amount} per month": "{amount} per bulan",
    "Type again": "Ketik ulang",
    "Done": "Selesai",
    "Send my phone number": "Kirim nomor HP saya",
    "Send": "Kirim",
    "Ask an officer for help": "Minta bantuan petugas",
    "See my data": "Lihat data saya",
    "Change my data": "Ubah data saya",
    "Yes, delete my data": "Ya, hapus data saya",
    "No, keep it": "Tidak, simpan saja",
    "Place": "Tempat",
    "Income": "Penghasilan",
    # marital status
    "Never married": "Belum kawin",
    "Married (registered)": "Kawin tercatat",
    "Married (not registered)": "Kawin belum tercatat",
    "Married": "Kawin",
    "Divorced": "Cerai hidup",
    "Widowed": "Cerai mati",
    "Left by husband without clarity": "Ditinggal suami tanpa kejelasan",
    # schooling
    "No schooling": "Tidak/belum sekolah",
    "Did not finish primary school": "Belum tamat SD",
    "Primary school (SD)": "Tamat SD",
    "Junior high (SMP)": "SMP",
    "Senior high (SMA/SMK)": "SMA/SMK",
    "Diploma I/II": "Diploma I/II",
    "Diploma III": "Diploma III",
    "Diploma IV / Bachelor (S1)": "Diploma IV/S1",
    "Master (S2)": "S2",
    "Doctorate (S3)": "S3",
    # work
    "Not working": "Belum/tidak bekerja",
    "Homemaker": "Mengurus rumah tangga",
    "Farmer": "Petani/pekebun",
    "Farm labourer": "Buruh tani",
    "Day labourer": "Buruh harian lepas",
    "Trader": "Pedagang",
    "Self-employed": "Wiraswasta",
    "Tailor": "Tukang jahit",
    "Domestic worker": "Pembantu rumah tangga",
    "Other": "Lainnya",
    # classes
    "Sewing": "Menjahit",
    "Cooking": "Memasak",
    "Cookie baking": "Kue kering",
    "Batik": "Membatik",
    # questions and replies
    "What is your full name, as written on your KTP?": "Siapa nama lengkap Ibu, sesuai KTP?",
    "Please type your NIK: the 16 digits on your KTP or family card (KK).": (
        "Silakan ketik NIK Ibu: 16 angka di KTP atau Kartu Keluarga (KK)."
    ),
    "Your NIK shows the birth date {date}. Is that right?": (
        "Menurut NIK, tanggal lahir Ibu {date}. Benar?"
    ),
    "The digits of this NIK say its owner is a man. Is this NIK really yours?": (
        "Menurut angkanya, NIK ini milik laki-laki. Apakah NIK ini benar milik Ibu?"
    ),
    "Please type your birth date, for example: 17-08-1985.": (
        "Silakan ketik tanggal lahir Ibu, contoh: 17-08-1985."
    ),
    "Which kecamatan do you live in?": "Ibu tinggal di kecamatan mana?",
    "Which desa or kelurahan in {kecamatan}?": "Desa atau kelurahan mana di {kecamatan}?",
    "What is your marital status, as on your family card (KK)?": (
        "Apa status perkawinan Ibu, sesuai Kartu Keluarga (KK)?"
    ),
    "Are you the main earner of your family?": "Apakah Ibu pencari nafkah utama keluarga?",
    "How many people do you support (children, parents, others)? Tap a number, "
    "or type it if it is more than 6.": (
        "Ada berapa orang yang Ibu tanggung (anak, orang tua, lainnya)? "
        "Tekan angka, atau ketik jika lebih dari 6."
    ),
    "How much does your whole household earn in a month? Type the amount, "
    "for example: 500rb or 1,5 juta.": (
        "Berapa penghasilan seluruh keluarga Ibu dalam sebulan? "
        "Ketik jumlahnya, contoh: 500rb atau 1,5 juta."
    ),
    "Did you mean {amount} per month?": "Maksud Ibu {amount} per bulan?",
    "What is the last school you finished?": "Apa sekolah terakhir yang Ibu tamatkan?",
    "What is your main work?": "Apa pekerjaan utama Ibu?",
    "Which classes interest you? Tap one or more, then tap Done.": (
        "Kelas apa yang Ibu minati? Tekan satu atau lebih, lalu tekan Selesai."
    ),
    "What is your phone number? Tap the button below to send it, or type it, "
    "for example: 0812 3456 7890.\nNo phone of your own? Tap one of the buttons below.": (
        "Berapa nomor HP Ibu? Tekan tombol di bawah untuk mengirim, atau ketik, "
        "contoh: 0812 3456 7890.\nTidak punya HP sendiri? Tekan salah satu tombol di bawah."
    ),
    "Please check your answers:": "Mohon periksa jawaban Ibu:",
    "Please tap one of the buttons below.": "Silakan tekan salah satu tombol di bawah.",
    "Sorry, we cannot listen to voice messages yet.": ("Maaf, pesan suara belum bisa kami dengar."),
    "Sorry, we cannot see pictures, stickers or videos yet.": (
        "Maaf, gambar, stiker, dan video belum bisa kami lihat."
    ),
    "<b>You meet the requirements of the WRSE programme.</b>": (
        "<b>Ibu memenuhi syarat program WRSE.</b>"
    ),
    "<b>An officer needs to check a few things.</b>": (
        "<b>Petugas perlu memeriksa beberapa hal.</b>"
    ),
    "<b>For now you do not meet the requirements of this programme.</b>": (
        "<b>Untuk saat ini Ibu belum memenuhi syarat program ini.</b>"
    ),
    "This button is no longer valid.": "Tombol ini sudah tidak berlaku.",
    "That button is from an earlier question.": "Tombol itu dari pertanyaan sebelumnya.",
    "Already noted.": "Sudah dicatat.",
    "Hello! Let us continue your registration:": ("Halo, Bu! 🙏 Mari lanjutkan pendaftaran Ibu:"),
    "I do not know that command. Let us continue:": (
        "Perintah itu tidak saya kenal. Mari lanjutkan:"
    ),
}


@pytest.mark.parametrize(("msgid", "expected"), REQUIRED_INDONESIAN.items())
def test_required_indonesian_wording(msgid: str, expected: str) -> None:
    assert catalog("id")[msgid].string == expected


def indonesian_of(msgid_start: str) -> str:
    (found,) = [m.string for m in entries("id") if m.id.startswith(msgid_start)]
    return found


@pytest.mark.parametrize(
    ("msgid_start", "words"),
    [
        ("Please type your address (RT/RW", ["alamat", "Boleh dilewati"]),
        ("Registration paused.", ["dihentikan sementara", "Lanjutkan pendaftaran"]),
        ("You are already registered.", ["sudah terdaftar"]),
        ("Your data has been deleted", ["sudah dihapus"]),
        ("A NIK has 16 digits", ["16 angka"]),
        ("Please type the amount in numbers", ["contoh: 500rb"]),
        ("Please type your full name, for example", ["contoh: Siti Aminah"]),
        ("Please type your full name as on your KTP", ["contoh: Siti Aminah"]),
        ("A name can only have letters", ["contoh: Siti Aminah"]),
        ("That looks like a command", ["contoh: Siti Aminah"]),
        ("That name is too long", ["contoh: Siti Aminah"]),
    ],
)
def test_indonesian_messages_contain_their_key_words(msgid_start: str, words: list[str]) -> None:
    text = indonesian_of(msgid_start).lower()
    for word in words:
        assert word.lower() in text


def test_both_consent_screens_open_with_the_title_and_end_with_the_question() -> None:
    screens = [m.string for m in entries("id") if m.id.startswith("<b>Before we start")]
    assert len(screens) == 2  # the few lines first, and the full text
    for consent in screens:
        assert consent.startswith("<b>Sebelum mulai: tentang data Ibu</b>")
        assert consent.endswith("Apakah Ibu setuju?")


# ---- the translator that handlers use -------------------------------------------


def test_indonesian_translator_speaks_indonesian_with_local_money_dates_and_time() -> None:
    t = translator("id")
    assert t("Register") == "Daftar"
    assert t.money(1500000) == "Rp1.500.000"
    assert t.weekday_date(date(2026, 12, 1)) == "Selasa, 1 Desember 2026"
    assert t.time(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) == "16.00 WIB"


def test_english_translator_keeps_the_message_ids() -> None:
    assert translator("en")("Register") == "Register"
