"""The registration form (the intake) as a table of questions (issue 10): consent,
who she is, where she lives, her household, schooling and work, the classes she
wants and how to reach her, then a review. :func:`registration` turns the answers
into what ``submit_registration`` files."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from wrse_bot.clock import today_wib
from wrse_bot.domain.catalog import (
    EDUCATION,
    MARITAL_CHOICES,
    OCCUPATION_OTHER,
    OCCUPATIONS,
    SKILLS,
)
from wrse_bot.domain.dates import parse_date
from wrse_bot.domain.eligibility import MaritalStatus
from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.nik import NikInfo, Sex, parse_nik, sex_of_nik
from wrse_bot.domain.people import (
    normalize_phone,
    parse_dependents,
    parse_free_text,
    parse_full_name,
)
from wrse_bot.domain.places import load_places
from wrse_bot.domain.text import N_, Day
from wrse_bot.domain.vocabulary import (
    CONSENT_WORDS,
    EDUCATION_WORDS,
    MARITAL_WORDS,
    NIK_OWNER_WORDS,
    OCCUPATION_WORDS,
    PHONE_WORDS,
    SKILL_WORDS,
    YES_NO,
    Vocabulary,
    place_words,
)
from wrse_bot.forms.income import income_questions
from wrse_bot.forms.model import END, Answers, Choice, Form, Question

NAME = "intake"  # the form's name, in active_forms and on its buttons
# The consent screen comes in two parts of one version (CONSENT_VERSION): the few
# lines that matter first, for a woman who reads slowly on a shared phone, and the
# full text UU PDP Ps. 21 requires behind "Baca selengkapnya".
CONSENT_SUMMARY = N_(
    "<b>Before we start: about your data</b>\n"
    "Dinas Sosial Kota Batu asks for your data to check whether you can join the WRSE "
    "programme (skills classes and help to start a business).\n"
    "You can see your data (/data_saya) and have it deleted (/hapus_data) at any time.\n"
    "Tap <b>Read more</b> for the full terms.\n\n"
    "Do you agree?"
)
CONSENT_TEXT = N_(
    "<b>Before we start: about your data</b>\n"
    "• <b>Who and why:</b> Dinas Sosial Kota Batu asks for your data to check whether you can "
    "join the WRSE programme (skills classes and business help), as a public service and with "
    "your consent (UU 27/2022 on Personal Data Protection).\n"
    "• <b>What data:</b> name, NIK, birth date, address, family status, number of dependents, "
    "household income, schooling, work, class interests and phone number, to check the "
    "ministry's criteria and to contact you.\n"
    "• <b>How long:</b> we use it during the programme and keep it for {years} years, then "
    "delete it.\n"
    "• <b>Your rights:</b> see your data (/data_saya), correct it, or have it deleted and "
    "withdraw consent (/hapus_data) at any time. We answer within 3 x 24 hours.\n"
    "Your NIK and income are stored protected and shown only to officers who need them.\n\n"
    "Do you agree?"
)
NAME_EXAMPLE = N_("Please type your full name, for example: Siti Aminah.")
NIK_EXAMPLE = N_("Please type the 16 digits of your NIK, for example: 3579034512800001.")
DOB_EXAMPLE = N_("Please type your birth date, for example: 17-08-1985.")
ADDRESS_EXAMPLE = N_(
    "Please type your address, for example: RT 02 RW 05, Jl. Mawar 10. Or tap Skip."
)
DEPENDENTS_EXAMPLE = N_("Please type a number, for example: 3.")
WORK_EXAMPLE = N_("Please type your work, for example: penjual jamu.")
PHONE_EXAMPLE = N_(
    "Tap the button below to share your number, or type it, for example: 0812 3456 7890."
)
FOREIGN_CONTACT = N_(
    "That is someone else's contact. Please type your own number, for example: "
    "0812 3456 7890, or tap a button below."
)
# The phone question's other answers: she has no phone of her own, or staff
# should reach her on this Telegram account. Stored as ``phone``'s value.
PHONE_OPTIONS = {
    "no_phone": N_("No phone of my own"),
    "telegram": N_("Use this Telegram account"),
}
ADDRESS_MAX = 200
WORK_MAX = 60
# The review's "change" buttons: the question each opens, and its label.
EDITS: tuple[tuple[str, str], ...] = (
    ("name", N_("Name")),
    ("nik", N_("NIK")),
    ("kecamatan", N_("Place")),
    ("address", N_("Address")),
    ("marital", N_("Marital status")),
    ("main_earner", N_("Main earner")),
    ("dependents", N_("Dependents")),
    ("income", N_("Income")),
    ("education", N_("Schooling")),
    ("occupation", N_("Work")),
    ("interests", N_("Classes")),
    ("phone", N_("Phone")),
)


# ---- reading typed answers ----------------------------------------------------------


@lru_cache(maxsize=4096)
def _nik(nik: str, today: date) -> NikInfo:
    return parse_nik(nik, today=today)


def nik_info(answers: Answers) -> NikInfo:
    """What her NIK says (birth date, sex, kecamatan), read afresh from the digits."""
    return _nik(answers["nik"], today_wib())


def read_married(text: str, answers: Answers) -> str:
    """The older card value "Kawin", typed (it is not offered: catalog.MARITAL_CHOICES)."""
    if MARITAL_WORDS.match(text) == MaritalStatus.KAWIN.value:
        return MaritalStatus.KAWIN.value
    raise DomainError(N_("Please tap one of the buttons below."))


# ---- choices that depend on earlier answers --------------------------------------------


def _kecamatan() -> tuple[Choice, ...]:
    return tuple(Choice(p.code, p.name) for p in load_places().kecamatan())


def _villages(answers: Answers) -> tuple[Choice, ...]:
    return _village_choices(answers["kecamatan_code"])


@lru_cache(maxsize=64)
def _village_choices(kecamatan: str) -> tuple[Choice, ...]:
    return tuple(Choice(p.code, p.name) for p in load_places().villages(kecamatan))


def _village_words(answers: Answers) -> Vocabulary:
    return place_words(tuple((c.code, c.label) for c in _villages(answers)))


def _yes_no(yes: str, no: str) -> tuple[Choice, ...]:
    return Choice("yes", yes, value=True), Choice("no", no, value=False)


def intake_form(*, help_after: int = 3, retention_years: int = 5) -> Form:
    """The intake, with the office's settings: misses before help, years kept."""
    kecamatan = _kecamatan()
    consent: dict[str, Any] = {  # both consent screens: "Setuju" goes on, "Tidak" ends
        "words": CONSENT_WORDS,
        "next": lambda a: "name" if a.get("consent") else END,
        "markup": True,
    }
    return Form(
        NAME,
        help_after=help_after,
        review=True,
        questions=(
            Question(
                "consent",
                CONSENT_SUMMARY,
                choices=(
                    *_yes_no(N_("I agree"), N_("I do not agree")),
                    Choice("more", N_("📄 Read more"), goto="consent_full", alone=True),
                ),
                **consent,
            ),
            Question(
                "consent_full",
                CONSENT_TEXT,
                key="consent",
                choices=_yes_no(N_("I agree"), N_("I do not agree")),
                params=lambda a: {"years": retention_years},
                back=False,
                **consent,
            ),
            Question(
                "name",
                N_("What is your full name, as written on your KTP?"),
                key="full_name",
                parse=lambda text, a: parse_full_name(text),
                example=NAME_EXAMPLE,
            ),
            Question(
                "nik",
                N_("Please type your NIK: the 16 digits on your KTP or family card (KK)."),
                parse=lambda text, a: _nik(text, today_wib()).nik,
                example=NIK_EXAMPLE,
                next=lambda a: "sex_confirm" if sex_of_nik(a["nik"]) is Sex.MALE else "dob_confirm",
                resets=("sex_confirmed", "birth_ok", "birth_date"),
            ),
            Question(
                "sex_confirm",
                N_("The digits of this NIK say its owner is a man. Is this NIK really yours?"),
                key="sex_confirmed",
                choices=(
                    Choice("yes", N_("Yes, it is mine"), value=True),
                    Choice("no", N_("Type the NIK again"), goto="nik"),
                ),
                words=NIK_OWNER_WORDS,
                next="dob_confirm",
                per_row=1,
            ),
            Question(
                "dob_confirm",
                N_("Your NIK shows the birth date {date}. Is that right?"),
                key="birth_ok",
                choices=_yes_no(N_("Yes, right"), N_("No")),
                words=YES_NO,
                params=lambda a: {"date": Day(nik_info(a).birth_date)},
                next=lambda a: "kecamatan" if a.get("birth_ok") else "dob",
            ),
            Question(
                "dob",
                DOB_EXAMPLE,
                key="birth_date",
                parse=lambda text, a: parse_date(text, today=today_wib()).isoformat(),
                example=DOB_EXAMPLE,
            ),
            Question(
                "kecamatan",
                N_("Which kecamatan do you live in?"),
                key="kecamatan_code",
                choices=kecamatan,
                words=place_words(tuple((c.code, c.label) for c in kecamatan)),
                resets=("village_code",),
                per_row=1,
            ),
            Question(
                "village",
                N_("Which desa or kelurahan in {kecamatan}?"),
                key="village_code",
                choices=_villages,
                words=_village_words,
                params=lambda a: {"kecamatan": load_places().get(a["kecamatan_code"]).name},
            ),
            Question(
                "address",
                N_(
                    "Please type your address (RT/RW and street), for example: RT 02 RW 05, "
                    "Jl. Mawar 10. You may skip this."
                ),
                parse=lambda text, a: parse_free_text(text, max_len=ADDRESS_MAX),
                example=ADDRESS_EXAMPLE,
                skippable=True,
                max_len=ADDRESS_MAX,
            ),
            Question(
                "marital",
                N_("What is your marital status, as on your family card (KK)?"),
                key="marital_status",
                choices=tuple(Choice(s.value, label) for s, label in MARITAL_CHOICES.items()),
                words=MARITAL_WORDS,
                parse=read_married,
                per_row=1,
            ),
            Question(
                "main_earner",
                N_("Are you the main earner of your family?"),
                choices=_yes_no(N_("Yes"), N_("No")),
                words=YES_NO,
            ),
            Question(
                "dependents",
                N_(
                    "How many people do you support (children, parents, others)? "
                    "Tap a number, or type it if it is more than 6."
                ),
                choices=tuple(Choice(str(n), str(n), value=n) for n in range(7)),
                parse=lambda text, a: parse_dependents(text),
                example=DEPENDENTS_EXAMPLE,
                per_row=4,
            ),
            *income_questions(
                N_(
                    "How much does your whole household earn in a month? "
                    "Type the amount, for example: 500rb or 1,5 juta."
                ),
                then="education",
            ),
            Question(
                "education",
                N_("What is the last school you finished?"),
                choices=tuple(Choice(code, label) for code, label in EDUCATION.items()),
                words=EDUCATION_WORDS,
            ),
            Question(
                "occupation",
                N_("What is your main work?"),
                choices=tuple(Choice(code, label) for code, label in OCCUPATIONS.items()),
                words=OCCUPATION_WORDS,
                next=lambda a: (
                    "occupation_other" if a.get("occupation") == OCCUPATION_OTHER else "interests"
                ),
            ),
            Question(
                "occupation_other",
                WORK_EXAMPLE,
                parse=lambda text, a: parse_free_text(text, max_len=WORK_MAX),
                example=WORK_EXAMPLE,
                max_len=WORK_MAX,
            ),
            Question(
                "interests",
                N_("Which classes interest you? Tap one or more, then tap Done."),
                multi=True,
                choices=tuple(Choice(code, label) for code, label in SKILLS.items()),
                words=SKILL_WORDS,
                example=N_("Please choose at least one class you are interested in."),
            ),
            Question(
                "phone",
                N_(
                    "What is your phone number? Tap the button below to send it, "
                    "or type it, for example: 0812 3456 7890.\n"
                    "No phone of your own? Tap one of the buttons below."
                ),
                choices=tuple(Choice(code, label) for code, label in PHONE_OPTIONS.items()),
                words=PHONE_WORDS,
                within=False,
                parse=lambda text, a: normalize_phone(text),
                example=PHONE_EXAMPLE,
                contact=True,
                refuse={"foreign_contact": FOREIGN_CONTACT},
            ),
        ),
    )


INTAKE = intake_form()
# Questions filed without a column of their own: adding one is a table entry.
MORE = tuple(q for q in INTAKE.questions if q.label)
EDITS = (*EDITS, *((q.id, q.label) for q in MORE))


# ---- answers and the registration ------------------------------------------------------


def registration(a: Answers, more: tuple[Question, ...] | None = None) -> dict[str, Any]:
    """Her answers as ``submit_registration`` files them."""
    info = nik_info(a)
    nik_born = info.birth_date.isoformat()
    born = nik_born if a.get("birth_ok") else a["birth_date"]
    phone = a.get("phone")
    by_code = phone in PHONE_OPTIONS
    return {
        "consent_version": a.get("consent_version"),
        "consent_at": a.get("consent_at"),
        "full_name": a["full_name"],
        "nik": info.nik,
        "nik_birth_date": nik_born,
        "nik_kecamatan_code": info.kecamatan_code,
        "birth_date": born,
        "dob_mismatch": born != nik_born,
        # A man's NIK she confirmed as hers: kept as she said, and staff check it.
        "sex": Sex.FEMALE.value,
        "sex_mismatch": info.sex is Sex.MALE,
        "kecamatan_code": a["kecamatan_code"],
        "village_code": a["village_code"],
        "address": a.get("address"),
        "marital_status": a["marital_status"],
        "main_earner": a["main_earner"],
        "dependents": a["dependents"],
        "income": int(a["income"]),
        "education": a["education"],
        "occupation": a["occupation"],
        "occupation_other": a.get("occupation_other"),
        "interests": list(a.get("interests") or ()),
        "phone": None if by_code else phone,
        "contact_by": phone if by_code else "phone",
        "more_answers": {
            q.answer_key: a.get(q.answer_key) for q in (MORE if more is None else more)
        }
        or None,
    }
