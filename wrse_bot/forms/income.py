"""Her household's monthly income, asked the same way by every form that asks
it (the intake, the check-in): the amount typed, or "No income" tapped; an
amount that reads two ways ("1,5") is confirmed by a second question that
offers each reading. Both questions keep the answer under ``income``."""

from __future__ import annotations

from typing import Any

from wrse_bot.domain.money import parse_money
from wrse_bot.domain.text import N_, Money
from wrse_bot.domain.vocabulary import INCOME_WORDS
from wrse_bot.forms.model import Answers, Choice, Question

INCOME_EXAMPLE = N_("Please type the amount, for example: 500rb or 1,5 juta.")
CONFIRM = "income_confirm"


def read_income(text: str, answers: Answers) -> int | tuple[int, ...]:
    """The amount, or every reading of an ambiguous one ("1,5") to confirm."""
    reading = parse_money(text)
    return reading.candidates if reading.ambiguous else reading.amount


def unconfirmed_income(answers: Answers) -> bool:
    return isinstance(answers.get("income"), tuple)


def _readings(answers: Answers) -> tuple[int, ...]:
    return answers["income"] if unconfirmed_income(answers) else (0,)


def income_candidates(answers: Answers) -> tuple[Choice, ...]:
    return (
        *(
            Choice(f"c{i}", N_("{amount} per month"), value=v, params={"amount": Money(v)})
            for i, v in enumerate(_readings(answers))
        ),
        Choice("retype", N_("Type again"), goto="income"),
    )


def income_questions(prompt: str, *, then: str, **first: Any) -> tuple[Question, Question]:
    """``income`` with ``prompt`` (a msgid), and its confirmation; both go on to
    ``then``. ``first``: more of the first question (``back=False``); a
    ``number`` is shown on both."""

    def after(answers: Answers) -> str:
        return CONFIRM if unconfirmed_income(answers) else then

    return (
        Question(
            "income",
            prompt,
            choices=(Choice("none", N_("No income"), value=0),),
            words=INCOME_WORDS,
            parse=read_income,
            example=INCOME_EXAMPLE,
            next=after,
            **first,
        ),
        Question(
            CONFIRM,
            N_("Did you mean {amount} per month?"),
            key="income",
            choices=income_candidates,
            params=lambda a: {"amount": Money(_readings(a)[0])},
            parse=read_income,  # typed again, more precisely
            example=INCOME_EXAMPLE,
            next=after,
            per_row=1,
            number=first.get("number", 0),
        ),
    )
