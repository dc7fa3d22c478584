"""The consent screen: short first, the full text one tap away, one version for both."""

from __future__ import annotations

import hashlib
import re

from wrse_bot.forms.intake import CONSENT_SUMMARY, CONSENT_TEXT
from wrse_bot.i18n import LANGUAGES, translator
from wrse_bot.services.registration import CONSENT_VERSION

# Each consent version and the fingerprint of its wording (both screens, every
# language). Changing the wording changes the fingerprint: give it a new
# CONSENT_VERSION and add the pair here, so a stored version always names the text
# she saw (UU PDP Ps. 24). Never edit an old line.
FINGERPRINTS = {
    "2026-12-v2": "82b1036b02ef5236",
}


def fingerprint() -> str:
    texts = [
        translator(lang)(msgid) for lang in LANGUAGES for msgid in (CONSENT_SUMMARY, CONSENT_TEXT)
    ]
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]


def words(text: str) -> int:
    return len(re.sub(r"<[^>]+>", " ", text).split())


def test_the_stored_consent_version_identifies_the_wording_she_saw() -> None:
    assert FINGERPRINTS.get(CONSENT_VERSION) == fingerprint()


def test_the_first_screen_is_a_few_lines_and_the_full_text_says_everything() -> None:
    t = translator("id")
    short, full = t(CONSENT_SUMMARY), t(CONSENT_TEXT).format(years=5)
    assert words(short) <= 60 < words(full)
    for must in ("Dinas Sosial Kota Batu", "/data_saya", "/hapus_data", "Baca selengkapnya"):
        assert must in short
    # UU PDP Ps. 21: legal basis, purpose, data, retention, rights.
    for must in ("UU 27/2022", "Data apa", "5 tahun", "Hak Ibu", "3 x 24 jam"):
        assert must in full
