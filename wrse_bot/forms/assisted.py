"""Assisted registration (/daftarkan, issue 11): a companion registers, on her
own phone, a woman who has no Telegram or cannot use it.

The intake's questions, but consent is the companion reading the consent text
to her: did she agree, who witnessed it, and when. The phone question offers
no "share my number" (that would be the companion's). Only a woman of her
desa: the place questions offer only hers, and another one typed is refused
kindly, naming her desa and where else such a woman can register (the service
checks the desa again when the form is sent: services/assisted.py).

Facts under "_" keys: ``_now`` (ISO, WIB) for the time, ``_areas`` her desa codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_
from wrse_bot.domain.vocabulary import CONSENT_WORDS, Vocabulary, place_words
from wrse_bot.forms.aid import words
from wrse_bot.forms.intake import CONSENT_TEXT, INTAKE
from wrse_bot.forms.model import END, Answers, Choice, Form, Question, typed_buttons

NAME = FormName.ASSISTED
# What the companion is told before the consent screen, which she reads aloud.
READ_ALOUD = N_(
    "Assisted registration. Please read the next screen to her aloud, slowly, and ask "
    "whether she agrees. Her answers are saved as given through you."
)
WITNESS_EXAMPLE = N_(
    "Please type the witness's name and role, for example: Bu Sumarni, ketua RT 02."
)
TIME_EXAMPLE = N_("Please tap Now, or type the time she agreed today, for example: 09.30.")
NOT_YET = N_(
    "{time} has not come yet today. Please tap Now, or type the time she agreed, "
    "for example: 09.30."
)
OUTSIDE = N_(
    "You can register only women who live in your desa: {desa}. A woman of another "
    "desa can register herself with /daftar, or with the companion of her desa. "
    "Please tap one of the buttons below."
)
_TIME = re.compile(r"(\d{1,2})[.:](\d{2})")


def her_desa(answers: Answers) -> str:
    """The companion's desa, by name, for the refusal."""
    return ", ".join(sorted(load_places().name(c) for c in _areas(answers))) or "-"


def _areas(answers: Answers) -> Collection[str]:
    return answers.get("_areas") or ()


def _kecamatan_of(answers: Answers) -> Collection[str]:
    places = load_places()
    return {places.get(v).parent_code for v in _areas(answers) if v in places}


def _only_hers(
    q: Question, hers: Callable[[Answers], Collection[str]], every: Vocabulary
) -> Question:
    """``q`` offering only her places; another place typed (``every`` names them
    all) is refused with her desa named, anything else as the question refuses it."""
    pick = q.options

    def choices(answers: Answers) -> tuple[Choice, ...]:
        return tuple(c for c in pick(answers) if c.code in hers(answers))

    def read(text: str, answers: Answers) -> Any:
        named = every.match(text, within=q.within)
        if named is not None and named not in hers(answers):
            raise DomainError(OUTSIDE, {"desa": her_desa(answers)})
        raise DomainError(q.example)

    return replace(q, choices=choices, parse=read)


def _every_desa() -> Vocabulary:
    places = load_places()
    return place_words(
        tuple((v.code, v.name) for k in places.kecamatan() for v in places.villages(k.code))
    )


def read_time(text: str, answers: Answers) -> str:
    found = _TIME.fullmatch(text.strip())
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        raise DomainError(TIME_EXAMPLE)
    now = datetime.fromisoformat(answers["_now"])
    at = now.replace(hour=int(found[1]), minute=int(found[2]), second=0, microsecond=0)
    if at > now:  # later today: said as such, not as a wrong answer
        raise DomainError(NOT_YET, {"time": f"{at.hour:02d}.{at.minute:02d}"})
    return at.isoformat()


def assisted_form(base: Form = INTAKE) -> Form:
    """The intake's questions after consent, with the companion's consent first."""
    rest = []
    for q in base.questions:
        if q.id in ("consent", "consent_full"):
            continue
        if q.id == "kecamatan":
            q = _only_hers(q, _kecamatan_of, q.words)  # type: ignore[arg-type]
        if q.id == "village":
            q = _only_hers(q, _areas, _every_desa())
        if q.id == "phone":
            q = replace(
                q,
                prompt=N_(
                    "What is her phone number? Type it, for example: 0812 3456 7890. "
                    "No phone of her own? Tap the button below."
                ),
                choices=tuple(c for c in q.options({}) if c.code == "no_phone"),
                contact=False,
                refuse={},
            )
        rest.append(typed_buttons(q))
    return Form(
        NAME,
        review=True,
        help_after=None,
        total=base.total,
        questions=(
            Question(
                "consent",
                CONSENT_TEXT,  # the very text of her own consent screen, read to her
                choices=(
                    Choice("yes", N_("She agrees"), value=True),
                    Choice("no", N_("She does not agree"), value=False),
                ),
                words=CONSENT_WORDS,
                params=lambda a: {"years": a.get("_years", 5)},
                next=lambda a: "witness" if a.get("consent") else END,
                markup=True,
                back=False,
            ),
            Question(
                "witness",
                N_(
                    "Who witnessed her agreement? Type the name and role, for example: "
                    "Bu Sumarni, ketua RT 02."
                ),
                parse=words(WITNESS_EXAMPLE, 3, 100),
                example=WITNESS_EXAMPLE,
                max_len=100,
            ),
            Question(
                "consent_time",
                N_("When did she agree? Tap Now, or type the time today, for example: 09.30."),
                choices=lambda a: (Choice("now", N_("Now"), value=a["_now"]),),
                parse=read_time,
                example=TIME_EXAMPLE,
            ),
            *rest,
        ),
    )


ASSISTED = assisted_form()
