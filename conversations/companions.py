"""The companions' Telegram side (issue 11), wired in one place: each module
registers its own handlers; this lends their forms' screens."""

from __future__ import annotations

from telegram.ext import Application

from conversations import areas, assisted, caseload, digest, enrol_for
from conversations.forms import Screen
from wrse_bot.forms.areas import AREAS
from wrse_bot.forms.assisted import ASSISTED
from wrse_bot.forms.visit import VISIT
from wrse_bot.services.checkin_via import VIA

SCREENS: dict[str, Screen] = {
    AREAS.name: areas.SCREEN,
    VISIT.name: caseload.VISIT_SCREEN,
    VIA.name: caseload.VIA_SCREEN,
    ASSISTED.name: assisted.SCREEN,
}


def register(app: Application) -> None:  # type: ignore[type-arg]
    for feature in (areas, caseload, assisted, enrol_for, digest):
        feature.register(app)
