"""The companions' forms on the engine service (issue 11), for the Runtime to register."""

from __future__ import annotations

from wrse_bot.config import Settings
from wrse_bot.services import areas, assisted, checkin_via, visits
from wrse_bot.services.forms import FormSpec


def companion_specs(settings: Settings) -> list[FormSpec]:
    """/wilayah, the visit note, a check-in answered with her, /daftarkan."""
    return [areas.SPEC, visits.SPEC, checkin_via.SPEC, assisted.spec(settings)]
