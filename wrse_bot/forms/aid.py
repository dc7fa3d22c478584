"""Staff record one aid to one woman (issue 11): what, how much, when, from
which programme, after which class, and why, if she had the same kind within
the window (12 months by default). A review shows it all before it is saved.

Facts the form needs from the database come in the answers under keys that
start with "_" (never saved): ``_today``, her classes ``_classes`` as
``((id, title), ...)`` and the aid she already got ``_earlier`` as
``((kind, iso date), ...)``, with ``_window`` months.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from wrse_bot.domain.aid import AID_KINDS, MAX_VALUE, AidKind, repeats
from wrse_bot.domain.dates import DateError, DateProblem, parse_date
from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.money import MoneyError, parse_money
from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_, Day
from wrse_bot.domain.vocabulary import AID_WORDS
from wrse_bot.forms.model import Answers, Choice, Form, Question

NAME = FormName.AID
OTHER_EXAMPLE = N_("Please describe the aid in a few words, for example: freezer.")
VALUE_EXAMPLE = N_("Please type the value in Rupiah, for example: 1.500.000 or 1,5 juta.")
DATE_EXAMPLE = N_("Please type the date as day-month-year, for example: 03-12-2026, or tap Today.")
NOT_YET = N_(
    "{date} has not come yet. Please type the day it happened, for example: 03-12-2026, "
    "or tap Today."
)
YESTERDAY = frozenset({"kemarin", "kmrn", "kemaren", "yesterday"})
SOURCE_EXAMPLE = N_("Please type the programme or source of funds, for example: APBD Dinsos 2026.")
REASON_EXAMPLE = N_("Please type the reason in a few words, for example: the first machine broke.")
NO_CLASS = "none"


def today(answers: Answers) -> date:
    return date.fromisoformat(answers["_today"])


def words(example: str, low: int = 2, high: int = 200) -> Any:
    def read(text: str, answers: Answers) -> str:
        if not low <= len(text) <= high:
            raise DomainError(example)
        return text

    return read


def read_value(text: str, answers: Answers) -> int:
    try:
        reading = parse_money(text)
    except MoneyError as exc:  # its wording is about a monthly income
        raise DomainError(VALUE_EXAMPLE) from exc
    if reading.ambiguous or not 0 < reading.amount <= MAX_VALUE:
        raise DomainError(VALUE_EXAMPLE)
    return reading.amount


def read_date(text: str, answers: Answers) -> str:
    """A past date, typed or "kemarin"; a date still to come is refused as such."""
    day = today(answers)
    if text.strip().lower() in YESTERDAY:
        return (day - timedelta(days=1)).isoformat()
    try:
        given = parse_date(text, today=day)
    except DateError as exc:
        if exc.problem is DateProblem.FUTURE:
            raise DomainError(NOT_YET, exc.params) from exc
        raise DomainError(DATE_EXAMPLE) from exc
    if (day - given).days > 5 * 366:  # a slip of the year: records are recent
        raise DomainError(DATE_EXAMPLE)
    return given.isoformat()


def _classes(answers: Answers) -> tuple[Choice, ...]:
    return (
        *(Choice(f"c{cid}", "{title}", value=cid, params={"title": t}) for cid, t in _her(answers)),
        Choice(NO_CLASS, N_("Not after a class"), value=0, alone=True),
    )


def _her(answers: Answers) -> tuple[tuple[int, str], ...]:
    return tuple((int(cid), str(title)) for cid, title in answers.get("_classes") or ())


def is_repeat(answers: Answers) -> bool:
    kind, given = answers.get("kind"), answers.get("given_on")
    if not kind or not given:
        return False
    earlier = [(k, date.fromisoformat(d)) for k, d in answers.get("_earlier") or ()]
    window = int(answers.get("_window") or 12)
    return repeats(kind, date.fromisoformat(given), earlier, window)


def _after_source(answers: Answers) -> str:
    if _her(answers):
        return "class_id"
    return "reason" if is_repeat(answers) else "done"


def today_choice(answers: Answers) -> tuple[Choice, ...]:
    return (Choice("today", N_("Today"), value=answers["_today"]),)


def _window(answers: Answers) -> dict[str, Any]:
    return {"months": int(answers.get("_window") or 12), "on": Day(today(answers))}


AID = Form(
    NAME,
    review=True,
    help_after=None,
    questions=(
        Question(
            "kind",
            N_("What aid did she receive?"),
            choices=tuple(
                Choice(code, label, alone=code == AidKind.LAINNYA)
                for code, label in AID_KINDS.items()
            ),
            words=AID_WORDS,
            next=lambda a: "kind_other" if a.get("kind") == AidKind.LAINNYA else "value",
            resets=("kind_other",),
            back=False,
        ),
        Question(
            "kind_other",
            N_("What was it? Describe it in a few words."),
            parse=words(OTHER_EXAMPLE, high=100),
            example=OTHER_EXAMPLE,
            max_len=100,
        ),
        Question(
            "value",
            N_("What is it worth, in Rupiah? For example: 1.500.000 or 1,5 juta."),
            parse=read_value,
            example=VALUE_EXAMPLE,
        ),
        Question(
            "given_on",
            N_("When was it given? Tap Today, or type the date, for example: 03-12-2026."),
            choices=today_choice,
            parse=read_date,
            example=DATE_EXAMPLE,
        ),
        Question(
            "source",
            N_("Which programme or source of funds? For example: APBD Dinsos 2026."),
            parse=words(SOURCE_EXAMPLE, high=120),
            example=SOURCE_EXAMPLE,
            max_len=120,
            next=_after_source,
        ),
        Question(
            "class_id",
            N_("Which class does it follow?"),
            choices=_classes,
            per_row=1,
            next=lambda a: "reason" if is_repeat(a) else "done",
        ),
        Question(
            "reason",
            N_(
                "She already received this kind of aid within {months} months of {on}. "
                "Why is another one given? Type the reason."
            ),
            params=_window,
            parse=words(REASON_EXAMPLE, low=3),
            example=REASON_EXAMPLE,
        ),
    ),
)
