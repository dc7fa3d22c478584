"""How a class's times and places read, in chat and in notices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wrse_bot.domain.places import load_places
from wrse_bot.domain.schedule import Span
from wrse_bot.i18n import Translator


def when(t: Translator, moment: datetime) -> str:
    """``Selasa, 3 Desember 2030, 09.00 WIB``."""
    return f"{t.weekday_date(moment.astimezone(t.tz).date())}, {t.time(moment)}"


def session_label(t: Translator, span: Span) -> str:
    """``Selasa, 1 Desember 2026, 09.00–12.00 WIB``."""
    return t.period(span.starts_at, span.ends_at)


def place_label(cls: Any) -> str:
    """``Balai Desa Beji (Kec. Batu)``: anything with ``place`` and ``kecamatan_code``."""
    kec = load_places().name(cls.kecamatan_code, "")
    return f"{cls.place} (Kec. {kec})" if kec else cls.place
