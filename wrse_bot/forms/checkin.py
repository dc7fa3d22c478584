"""The check-in as a form (issue 4), months after a class: her income last month (an
ambiguous amount is confirmed), whether she started a business and which, the help
she received, what held her back most, and whether an officer should call her.
Answer keys are the CheckIn columns."""

from __future__ import annotations

from typing import Any

from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.obstacles import HELP_KINDS, HELP_NONE, OBSTACLE_OTHER, OBSTACLES
from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_
from wrse_bot.domain.vocabulary import HELP_WORDS, OBSTACLE_WORDS, SKILL_WORDS, YES_NO
from wrse_bot.forms.income import income_questions
from wrse_bot.forms.model import Answers, Choice, Form, Question

BUSINESS_OTHER = "lainnya"
BUSINESS_EXAMPLE = N_("Please type your business in a few words, for example: warung makan.")
OBSTACLE_EXAMPLE = N_("Please type in a few words what held you back.")
TEXT_MAX = 100  # CheckIn.business_kind
OBSTACLE_MAX = 200  # CheckIn.obstacle_other


def typed(example: str, max_len: int) -> dict[str, Any]:
    """A typed answer of at least two characters, with its example."""

    def read(text: str, answers: Answers) -> str:
        if len(text) < 2:
            raise DomainError(example)
        return text

    return {"parse": read, "example": example, "max_len": max_len}


def _yes_no(no: str) -> tuple[Choice, ...]:
    return Choice("yes", N_("Yes"), value=True), Choice("no", no, value=False)


CHECKIN = Form(
    FormName.CHECKIN,
    total=5,
    questions=(
        *income_questions(
            N_(
                "How much did your whole household earn last month? "
                "Type the amount, for example: 500rb or 1,5 juta."
            ),
            then="business",
            back=False,
            number=1,
        ),
        Question(
            "business",
            N_("Have you started a business of your own?"),
            key="business_started",
            choices=_yes_no(N_("Not yet")),
            words=YES_NO,
            next=lambda a: "business_kind" if a.get("business_started") else "help",
            number=2,
        ),
        Question(
            "business_kind",
            N_("What kind of business? Tap one, or type it, for example: warung makan."),
            choices=(
                *(Choice(code, label) for code, label in SKILLS.items()),
                Choice(BUSINESS_OTHER, N_("Other"), alone=True),
            ),
            words=SKILL_WORDS,
            within=False,  # "warung makan" is her business in her words, not "memasak"
            **typed(BUSINESS_EXAMPLE, TEXT_MAX),
            next=lambda a: "business_other" if a.get("business_kind") == BUSINESS_OTHER else "help",
            number=2,
        ),
        Question(
            "business_other",
            BUSINESS_EXAMPLE,
            key="business_kind",
            number=2,
            **typed(BUSINESS_EXAMPLE, TEXT_MAX),
        ),
        Question(
            "help",
            N_(
                "What help have you received for a business? "
                "Tap everything you received, then tap Done."
            ),
            key="help_received",
            multi=True,
            choices=(
                *(
                    Choice(f"t_{code}", label, value=code)
                    for code, label in HELP_KINDS.items()
                    if code != HELP_NONE
                ),
                Choice(
                    f"t_{HELP_NONE}",
                    HELP_KINDS[HELP_NONE],
                    value=HELP_NONE,
                    alone=True,
                    exclusive=True,
                ),
            ),
            words=HELP_WORDS,
            example=N_("Please tap the help you received, or tap No help, then tap Done."),
            number=3,
        ),
        Question(
            "obstacle",
            N_("What holds you back the most?"),
            choices=tuple(Choice(code, label) for code, label in OBSTACLES.items()),
            words=OBSTACLE_WORDS,
            next=lambda a: "obstacle_other" if a.get("obstacle") == OBSTACLE_OTHER else "contact",
            number=4,
        ),
        Question(
            "obstacle_other", OBSTACLE_EXAMPLE, number=4, **typed(OBSTACLE_EXAMPLE, OBSTACLE_MAX)
        ),
        Question(
            "contact",
            N_("Would you like an officer to contact you?"),
            key="wants_contact",
            choices=_yes_no(N_("No")),
            words=YES_NO,
            number=5,
        ),
    ),
)
