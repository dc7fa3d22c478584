"""What a class must be before women can see it: the staff's typed fields,
seat counts, sessions and the enrolment deadline. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.places import load_places
from wrse_bot.domain.schedule import Span, deadline_example, first_overlap
from wrse_bot.domain.text import N_

MIN_CAPACITY, MAX_CAPACITY = 1, 500
# Seat counts offered as buttons (any other number is typed).
SEAT_CHOICES = (10, 15, 20, 25, 30)
LIMITS = {"title": (3, 100), "description": (3, 500), "place": (3, 200), "trainer": (2, 100)}


class ClassAdminError(DomainError):
    """A class that cannot be published or changed like this; ``message`` says why."""


@dataclass(frozen=True)
class ClassSpec:
    skill: str
    title: str
    description: str
    place: str
    kecamatan_code: str
    trainer: str
    capacity: int
    sessions: tuple[Span, ...]
    enrol_deadline: datetime


def parse_text_field(name: str, text: str) -> str:
    """Title, description, place or trainer: trimmed, within limits, with letters."""
    value = " ".join(text.split())
    low, high = LIMITS[name]
    if len(value) < low or not re.search(r"[^\W\d_]", value):
        raise ClassAdminError(
            N_("This is too short. Please type at least {min} letters."), {"min": low}
        )
    if len(value) > high:
        raise ClassAdminError(
            N_("This is too long. Please keep it under {max} characters."), {"max": high}
        )
    return value


def parse_capacity(text: str) -> int:
    match = re.fullmatch(r"\s*(\d{1,6})\s*(?:orang|peserta|org|kursi)?\s*\.?\s*", text.lower())
    if match is None:
        raise ClassAdminError(N_("Please type the number of seats as a number, for example: 20."))
    return check_capacity(int(match[1]))


def check_capacity(capacity: int) -> int:
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise ClassAdminError(
            N_("A class has between {min} and {max} seats. Please type a number, for example: 20."),
            {"min": MIN_CAPACITY, "max": MAX_CAPACITY},
        )
    return capacity


def check_kecamatan(code: str) -> str:
    if code not in {p.code for p in load_places().kecamatan()}:
        raise ClassAdminError(N_("Please choose a kecamatan from the buttons."))
    return code


def check_span(span: Span, *, now: datetime) -> Span:
    if span.ends_at <= span.starts_at:
        raise ClassAdminError(N_("A session must end after it starts."))
    if span.starts_at <= now:
        raise ClassAdminError(N_("Every session must be in the future."))
    return span


def check_deadline(deadline: datetime, sessions: Sequence[Span], *, now: datetime) -> None:
    if deadline <= now:
        raise ClassAdminError(N_("The enrolment deadline has already passed."))
    if sessions and deadline >= (first := min(s.starts_at for s in sessions)):
        message = N_(
            "The enrolment deadline must be before the first session. "
            "Please type an earlier date, for example: {example}."
        )
        raise ClassAdminError(message, {"example": deadline_example(now, before=first)})


def validate_spec(spec: ClassSpec, *, now: datetime) -> None:
    """Every rule a class must meet before women can see it."""
    if spec.skill not in SKILLS:
        raise ClassAdminError(N_("Please choose a skill from the buttons."))
    check_kecamatan(spec.kecamatan_code)
    for name in LIMITS:
        parse_text_field(name, getattr(spec, name))
    check_capacity(spec.capacity)
    if not spec.sessions:
        raise ClassAdminError(N_("A class needs at least one session."))
    for span in spec.sessions:
        check_span(span, now=now)
    if first_overlap(spec.sessions) is not None:
        raise ClassAdminError(N_("Two sessions of this class overlap."))
    check_deadline(spec.enrol_deadline, spec.sessions, now=now)
