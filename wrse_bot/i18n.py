"""Translations and formatting (Babel): Indonesian is the default and complete.
Message ids are English; a ``.mo`` missing or older than its ``.po`` is compiled
in memory, so a fresh checkout still speaks Indonesian."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations

from wrse_bot.domain.text import N_, Day, Money, Msg, Period, Periods, Term

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LANGUAGE = "id"
LANGUAGES = ("id", "en")
# Babel locale used for numbers and dates per interface language: Rupiah and
# Indonesian-style grouping stay right in the English interface too.
_FORMAT_LOCALE = {"id": "id", "en": "en_ID"}
WIB = ZoneInfo("Asia/Jakarta")

__all__ = ["N_", "Translator", "translator"]


@cache
def _catalog(language: str) -> NullTranslations:
    po = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fp=fh)
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


@dataclass(frozen=True)
class Translator:
    """Everything a reply needs to speak one language: text, money, dates."""

    language: str
    tz: ZoneInfo = WIB

    @property
    def _locale(self) -> str:
        return _FORMAT_LOCALE.get(self.language, self.language)

    def gettext(self, message: str) -> str:
        return _catalog(self.language).gettext(message)

    __call__ = gettext

    def money(self, rupiah: int) -> str:
        """``Rp1.500.000`` in the ``id`` locale."""
        return format_currency(
            rupiah, "IDR", locale=self._locale, currency_digits=False, format="¤#,##0"
        )

    def date(self, value: date) -> str:
        """``12 Maret 1980``."""
        return format_date(value, "d MMMM y", locale=self._locale)

    def month(self, value: date) -> str:
        """ "Des 2026": a month in a report line."""
        return format_date(value, "MMM y", locale=self._locale)

    def weekday_date(self, value: date) -> str:
        """``Selasa, 1 Desember 2026``."""
        return format_date(value, "EEEE, d MMMM y", locale=self._locale)

    def time(self, value: datetime | time) -> str:
        """``16.00 WIB``: aware datetimes are shown in the office's zone."""
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(self.tz)
        return f"{format_time(value, 'HH.mm', locale=self._locale)} WIB"

    def render(self, message: str, params: dict[str, object] | None = None) -> str:
        """Translate a domain message id and format its parameters."""
        text = self.gettext(message)
        if not params:
            return text
        return text.format(**{k: self._param(v) for k, v in params.items()})

    def period(self, starts_at: datetime, ends_at: datetime) -> str:
        """``Selasa, 1 Desember 2026, 09.00–12.00 WIB``."""
        start = starts_at.astimezone(self.tz)
        return f"{self.weekday_date(start.date())}, {start:%H.%M}–{self.time(ends_at)}"

    def _param(self, value: object) -> object:
        if isinstance(value, Money):
            return self.money(value.rupiah)
        if isinstance(value, Day):
            return self.date(value.value)
        if isinstance(value, Msg):
            return self.render(value.msgid, dict(value.params))
        if isinstance(value, Period):
            return self.period(value.starts_at, value.ends_at)
        if isinstance(value, Periods):
            lines = (self.period(p.starts_at, p.ends_at) for p in value.periods)
            return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))
        if isinstance(value, Term):
            return self.gettext(value.msgid).lower()
        return value


@cache
def translator(language: str | None = None) -> Translator:
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return Translator(lang)
