"""A companion's note after a home visit to one woman of her desa (issue 11):
when, what was talked about, the obstacles seen (from inside herself or from
outside, as the study groups them), the next step agreed and by when. A
review shows it all before it is saved.

Facts under "_" keys (never saved): ``_today`` (ISO) and ``_name``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from wrse_bot.domain.dates import DateError, parse_date
from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_, Msg
from wrse_bot.domain.visits import EXTERNAL, OBSTACLE_NONE, VISIT_OBSTACLES
from wrse_bot.forms.aid import DATE_EXAMPLE, read_date, today, today_choice, words
from wrse_bot.forms.model import Answers, Choice, Form, Question

NAME = FormName.VISIT
TALK_EXAMPLE = N_("Please write a few words, for example: her cake orders and the new oven.")
STEP_EXAMPLE = N_(
    "Please write the next step in a few words, for example: try selling at the market."
)
OBSTACLES_EXAMPLE = N_("Please tap each obstacle you saw, or No obstacle seen, and then tap Done.")
WHEN_EXAMPLE = N_(
    "Please tap one of the buttons, or type a date from today on, for example: 20-12-2026."
)


def read_future(text: str, answers: Answers) -> str:
    day = today(answers)
    try:  # parse_date reads dates up to its "today": a year ahead is far enough
        given = parse_date(text, today=day + timedelta(days=366))
    except DateError as exc:
        raise DomainError(WHEN_EXAMPLE) from exc
    if given < day:
        raise DomainError(WHEN_EXAMPLE)
    return given.isoformat()


def _when(answers: Answers) -> tuple[Choice, ...]:
    return tuple(
        Choice(code, label, value=(today(answers) + timedelta(days=days)).isoformat())
        for code, label, days in (
            ("week", N_("In a week"), 7),
            ("two_weeks", N_("In two weeks"), 14),
            ("month", N_("In a month"), 30),
        )
    )


def _obstacles() -> tuple[Choice, ...]:
    return (
        *(
            Choice(
                code, "🔹 {what}" if kind == EXTERNAL else "🔸 {what}", params={"what": Msg(label)}
            )
            for code, (label, kind) in VISIT_OBSTACLES.items()
        ),
        Choice(OBSTACLE_NONE, N_("No obstacle seen"), alone=True, exclusive=True),
    )


def _name(answers: Answers) -> dict[str, Any]:
    return {"name": answers.get("_name") or "-"}


VISIT = Form(
    NAME,
    review=True,
    questions=(
        Question(
            "visited_on",
            N_("When did you visit {name}? Tap Today, or type the date, for example: 03-12-2026."),
            params=_name,
            choices=today_choice,
            parse=read_date,  # a past date, not years ago
            example=DATE_EXAMPLE,
            back=False,
        ),
        Question(
            "talked",
            N_("What did you talk about? A few words are enough."),
            parse=words(TALK_EXAMPLE, low=3, high=500),
            example=TALK_EXAMPLE,
        ),
        Question(
            "obstacles",
            N_(
                "Which obstacles did you see? 🔸 from inside herself, 🔹 from outside. "
                "Tap all that fit, then tap Done."
            ),
            choices=_obstacles(),
            multi=True,
            example=OBSTACLES_EXAMPLE,
        ),
        Question(
            "next_step",
            N_("What next step did you agree on together?"),
            parse=words(STEP_EXAMPLE, low=3, high=300),
            example=STEP_EXAMPLE,
            max_len=300,
        ),
        Question(
            "next_on",
            N_("By when? Tap a button, or type a date, for example: 20-12-2026."),
            choices=_when,
            parse=read_future,
            example=WHEN_EXAMPLE,
            per_row=3,
        ),
    ),
)


def obstacles_of(answers: Answers) -> tuple[str, ...]:
    return tuple(o for o in answers.get("obstacles") or () if o != OBSTACLE_NONE)


def day_of(answers: Answers, key: str) -> date | None:
    value = answers.get(key)
    return date.fromisoformat(value) if value else None
