"""The staff's class forms as tables (issue 10): ``CLASS`` (/kelas_baru: a new
class question by question, then the preview: "Terbitkan", or change one answer)
and ``CLASS_EDIT`` (one change to a published class, a field or a session, then
its confirmation; ``begin`` in services/class_changes.py puts a snapshot of the
class under ``NOW``, so the questions can say what it is now).

Answers are JSON: sessions as ``"<start>/<end>"`` ISO strings, soonest first, the
deadline as an ISO string; times are read in WIB at the moment she answers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from wrse_bot.clock import now as clock_now
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.class_spec import (
    SEAT_CHOICES,
    ClassAdminError,
    ClassSpec,
    check_deadline,
    parse_capacity,
    parse_text_field,
)
from wrse_bot.domain.places import load_places
from wrse_bot.domain.schedule import (
    Span,
    check_no_overlap,
    deadline_example,
    parse_deadline,
    parse_session,
    session_example,
)
from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_, Period, Periods, Term
from wrse_bot.domain.vocabulary import FIELD_WORDS, SESSION_WORDS, SKILL_WORDS, place_words
from wrse_bot.forms.model import DONE, Answers, Choice, Form, Question

CLASS, CLASS_EDIT = FormName.CLASS, FormName.CLASS_EDIT
NOW = "now"  # CLASS_EDIT: the class as it was when the change began
TAP = N_("Please tap one of the buttons.")
TYPE = N_("Please type your answer.")
TYPED_MAX = 4096  # what Telegram allows; the field's own limit says the kinder thing
# The fields a published class may change, as the buttons name them.
FIELDS = {
    "title": N_("Title"),
    "description": N_("Description"),
    "place": N_("Place"),
    "trainer": N_("Trainer"),
    "capacity": N_("Seats"),
}


# ---- answers as JSON ------------------------------------------------------------------


def span_text(span: Span) -> str:
    return f"{span.starts_at.isoformat()}/{span.ends_at.isoformat()}"


def span_of(text: str) -> Span:
    start, end = text.split("/")
    return Span(datetime.fromisoformat(start), datetime.fromisoformat(end))


def spans_of(answers: Answers) -> list[Span]:
    return [span_of(x) for x in answers.get("sessions") or ()]


def first_start(answers: Answers) -> datetime | None:
    spans = spans_of(answers)
    return spans[0].starts_at if spans else None


def spec_of(a: Answers) -> ClassSpec:
    texts = ("skill", "title", "description", "place", "kecamatan_code", "trainer")
    return ClassSpec(
        **{k: a[k] for k in texts},
        capacity=int(a["capacity"]),
        sessions=tuple(spans_of(a)),
        enrol_deadline=datetime.fromisoformat(a["deadline"]),
    )


# ---- readers of typed answers -----------------------------------------------------------


def add_session(text: str, answers: Answers) -> tuple[str, ...]:
    """Her sessions with the one typed, soonest first; never two that overlap."""
    current = clock_now()
    span = parse_session(text, now=current)
    existing = spans_of(answers)
    check_no_overlap(span, existing, now=current)
    return tuple(span_text(x) for x in sorted([*existing, span]))


def read_deadline(text: str, answers: Answers) -> str:
    current = clock_now()
    deadline = parse_deadline(text, now=current)
    check_deadline(deadline, spans_of(answers), now=current)
    return deadline.isoformat()


def read_new_value(text: str, answers: Answers) -> str | int:
    """CLASS_EDIT: the new title, place ... or seats (never fewer than those taken)."""
    name = answers["what"]
    if name != "capacity":
        return parse_text_field(name, text)
    seats = parse_capacity(text)
    taken = int(answers[NOW]["taken"])
    if seats < taken:
        raise ClassAdminError(
            N_("{taken} seats are already taken, so the class needs at least {taken} seats."),
            {"taken": taken},
        )
    return seats


# ---- choices ------------------------------------------------------------------------------


def _kecamatan() -> tuple[tuple[str, str], ...]:
    return tuple((p.code, p.name) for p in load_places().kecamatan())


KECAMATAN_CHOICES = tuple(
    Choice(code.replace(".", "_"), name, value=code, alone=True) for code, name in _kecamatan()
)
SEAT_BUTTONS = tuple(Choice(str(n), str(n), value=n) for n in SEAT_CHOICES)
KECAMATAN = Question(
    "kecamatan",
    N_("In which kecamatan is the place?"),
    key="kecamatan_code",
    choices=KECAMATAN_CHOICES,
    words=place_words(_kecamatan()),
    example=TAP,
)


def _session_choices(answers: Answers) -> tuple[Choice, ...]:
    sessions = answers.get("sessions") or ()
    return (
        Choice("add", N_("➕ Add session"), value=sessions, goto="session"),
        Choice("enough", N_("Done"), value=sessions),
        Choice("again", N_("Type again"), value=(), goto="session", alone=True),
    )


def period(text: str) -> Period:
    span = span_of(text)
    return Period(span.starts_at, span.ends_at)


def _what(answers: Answers) -> tuple[Choice, ...]:
    sessions = answers[NOW]["sessions"].items()  # session id -> "<start>/<end>"
    return (
        *(Choice(name, label) for name, label in FIELDS.items()),
        *(
            Choice(f"s{sid}", N_("🕘 {session}"), params={"session": period(x)}, alone=True)
            for sid, x in sessions
        ),
    )


def _moved(answers: Answers) -> Period:
    return period(answers[NOW]["sessions"][str(answers["what"])[1:]])


# ---- the forms ------------------------------------------------------------------------------


def _typed(name: str, prompt: str, **more: Any) -> Question:
    def parse(text: str, answers: Answers) -> str:
        return parse_text_field(name, text)

    return Question(name, prompt, parse=parse, example=TYPE, max_len=TYPED_MAX, **more)


CLASS_FORM = Form(
    CLASS,
    review=True,
    questions=(
        Question(
            "skill",
            N_("New class. Which skill does it teach?"),
            choices=tuple(Choice(code, label) for code, label in SKILLS.items()),
            words=SKILL_WORDS,
            example=TAP,
        ),
        _typed("title", N_("Title of the class? For example: Menjahit Dasar.")),
        _typed("description", N_("A short description (one or two sentences) for the women?")),
        _typed(
            "place",
            N_("Where is it held? Type the place and address, for example: Balai Desa Beji."),
            resets=("kecamatan_code",),  # a new place is asked its kecamatan again
        ),
        KECAMATAN,
        _typed("trainer", N_("Who is the trainer?")),
        Question(
            "capacity",
            N_("How many seats? Tap a number, or type another, for example: 12."),
            choices=SEAT_BUTTONS,
            per_row=len(SEAT_BUTTONS),
            parse=lambda text, a: parse_capacity(text),
            example=TYPE,
        ),
        Question(
            "session",
            N_("Type session {number}: date and time in WIB, for example: {example}."),
            key="sessions",
            parse=add_session,
            example=TYPE,
            next="sessions",
            resets=("deadline",),  # the deadline must come before the (new) first session
            params=lambda a: {
                "number": len(a.get("sessions") or ()) + 1,
                "example": session_example(clock_now()),
            },
        ),
        Question(
            "sessions",  # the sessions so far: one more, or done
            N_("Sessions so far:\n{sessions}\n\nAdd another session, or tap Done."),
            choices=_session_choices,
            words=SESSION_WORDS,
            within=False,
            parse=add_session,
            typed_next="sessions",  # a session typed here is added, and the list shown again
            example=TAP,
            resets=("deadline",),
            params=lambda a: {"sessions": Periods(tuple(period(x) for x in a["sessions"]))},
        ),
        Question(
            "deadline",
            N_(
                "Enrolment deadline? Type a date (and time), before the first session, "
                "for example: {example}."
            ),
            parse=read_deadline,
            example=TYPE,
            params=lambda a: {"example": deadline_example(clock_now(), before=first_start(a))},
        ),
    ),
)

CLASS_EDIT_FORM = Form(
    CLASS_EDIT,
    review=True,  # the change and who will be told, then "Simpan"
    questions=(
        Question(
            "what",
            N_("What would you like to change in class {title}?"),
            choices=_what,
            words=FIELD_WORDS,
            example=TAP,
            next=lambda a: "session" if str(a.get("what", "")).startswith("s") else "value",
            params=lambda a: {"title": a[NOW]["title"]},
        ),
        Question(
            "value",
            N_("Type the new {field} of class {title}. Now: {current}"),
            choices=lambda a: SEAT_BUTTONS if a.get("what") == "capacity" else (),
            per_row=len(SEAT_BUTTONS),
            parse=read_new_value,
            example=TYPE,
            max_len=TYPED_MAX,
            next=lambda a: "kecamatan" if a.get("what") == "place" else DONE,
            params=lambda a: {
                "field": Term(FIELDS[a["what"]]),
                "title": a[NOW]["title"],
                "current": a[NOW][a["what"]],
            },
        ),
        replace(KECAMATAN, next=DONE),
        Question(
            "session",
            N_("Type the new date and time of the session {session}, for example: {example}."),
            key="value",
            parse=lambda text, a: span_text(parse_session(text, now=clock_now())),
            example=TYPE,
            next=DONE,
            params=lambda a: {"session": _moved(a), "example": session_example(clock_now())},
        ),
    ),
)
