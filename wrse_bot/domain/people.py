"""Small parsers for the intake answers: name, dependents, phone, short free text.

Every rejection carries a kind message with an example, since many users read
slowly and type little (DOMAIN.md, "Who we serve").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar

from wrse_bot.domain.errors import ProblemError
from wrse_bot.domain.numwords import NotANumberError, evaluate, tokenize
from wrse_bot.domain.text import N_

NAME_MIN_LENGTH = 3
NAME_MAX_LENGTH = 100
MAX_DEPENDENTS = 20
INDONESIA_CODE = "62"


class AnswerProblem(StrEnum):
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BAD_CHARACTERS = "bad_characters"
    COMMAND = "command"
    NOT_UNDERSTOOD = "not_understood"
    OUT_OF_RANGE = "out_of_range"


class AnswerError(ProblemError):
    """A rejected intake answer; ``problem`` lets callers branch without reading text."""

    MESSAGES: ClassVar[Mapping[Any, str]] = {
        AnswerProblem.COMMAND: N_(
            "That looks like a command, not a name. Please type your full name, "
            "for example: Siti Aminah."
        ),
        AnswerProblem.BAD_CHARACTERS: N_(
            "A name can only have letters, spaces, dots, hyphens and apostrophes. "
            "Please type it again, for example: Siti Aminah."
        ),
        AnswerProblem.TOO_SHORT: N_(
            "Please type your full name as on your KTP, for example: Siti Aminah."
        ),
        AnswerProblem.OUT_OF_RANGE: N_("Please type a number from 0 to {max}, for example: 3."),
        AnswerProblem.EMPTY: N_("This answer is empty. Please type a few words."),
    }


# ’ and ʼ arrive from phone keyboards; names keep the plain apostrophe.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_NAME_PUNCTUATION = frozenset(" '.-")


def _collapse(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def parse_full_name(text: str) -> str:
    """A full name as on the KTP: letters (any script), spaces, apostrophes, dots, hyphens.

    ALL-CAPS or all-lowercase input is title-cased ("SITI AMINAH" -> "Siti
    Aminah"); mixed case is kept as typed ("Siti binti Ahmad").
    """
    name = _collapse(text).translate(_APOSTROPHES)
    if name.startswith("/"):
        raise AnswerError(AnswerProblem.COMMAND)
    if any(not (c.isalpha() or c in _NAME_PUNCTUATION) for c in name):
        raise AnswerError(AnswerProblem.BAD_CHARACTERS)
    letters = [c for c in name if c.isalpha()]
    if len(name) < NAME_MIN_LENGTH or len(letters) < 2:
        raise AnswerError(AnswerProblem.TOO_SHORT)
    if len(name) > NAME_MAX_LENGTH:
        raise AnswerError(
            AnswerProblem.TOO_LONG,
            N_(
                "That name is too long. Please type at most {max} characters, "
                "for example: Siti Aminah."
            ),
            {"max": NAME_MAX_LENGTH},
        )
    if all(c.isupper() for c in letters) or all(c.islower() for c in letters):
        return _title_case(name)
    return name


def _title_case(name: str) -> str:
    """Capitalise after a space, hyphen or dot only: "nur'aini" stays "Nur'aini", not "Nur'Aini"."""
    out: list[str] = []
    previous = " "
    for c in name:
        out.append(c.upper() if previous in " -." else c.lower())
        previous = c
    return "".join(out)


_DEPENDENT_NOUNS = re.compile(r"\s*(?:orang|org|anak|jiwa|wong|bocah|tanggungan|tanggungane)\s*$")
_NOBODY = re.compile(
    r"^(?:tidak ada|tdk ada|gak ada|ga ada|nggak ada|ngga ada|enggak ada|belum ada|"
    r"kosong|tidak punya|gak punya|ora ana|ora ono|ora enek|mboten wonten|mboten gadhah)$"
)


def parse_dependents(text: str) -> int:
    """How many people depend on her: digits or words ("3", "tiga", "telu", "tidak ada").

    Household size elsewhere is herself plus this number.
    """
    cleaned = _collapse(text).lower().strip(" .,!")
    cleaned = _DEPENDENT_NOUNS.sub("", cleaned)
    if _NOBODY.match(cleaned):
        return 0
    if cleaned.startswith(("-", "\u2212")):
        raise AnswerError(AnswerProblem.OUT_OF_RANGE, params={"max": MAX_DEPENDENTS})
    try:
        reading = evaluate(tokenize(cleaned))
    except NotANumberError:
        reading = None
    if reading is None or reading.value != reading.value.to_integral_value():
        raise AnswerError(
            AnswerProblem.NOT_UNDERSTOOD,
            N_(
                "Please type how many people you support, as a number, for example: 3. "
                "If there is nobody, type 0."
            ),
        )
    count = int(reading.value)
    if count > MAX_DEPENDENTS:
        raise AnswerError(AnswerProblem.OUT_OF_RANGE, params={"max": MAX_DEPENDENTS})
    return count


# Indonesian mobile numbers: 08xx, 10-13 digits with the leading 0 (Kominfo numbering
# plan), so 9-12 digits after +62.
_MOBILE_NSN = re.compile(r"^8\d{8,11}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()\u2010-\u2015]+")


def normalize_phone(text: str) -> str:
    """An Indonesian mobile number in E.164 form: "0812-3456-7890" -> "+6281234567890"."""
    digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith(INDONESIA_CODE):
            raise _not_a_mobile()
    if digits.startswith(INDONESIA_CODE):
        digits = digits.removeprefix(INDONESIA_CODE)
    # "+62 0812..." is a common mix of both styles; the 0 is the trunk prefix.
    digits = digits.removeprefix("0")
    if not digits.isascii() or not _MOBILE_NSN.match(digits):
        raise _not_a_mobile()
    return f"+{INDONESIA_CODE}{digits}"


def display_phone(phone: str | None) -> str:
    """A stored number in the 08... form people write: "+6285212345890" -> "085212345890"."""
    if not phone:
        return "-"
    return "0" + phone.removeprefix(f"+{INDONESIA_CODE}") if phone.startswith("+") else phone


def mask_phone(phone: str | None) -> str:
    """The number as shown on a shared screen: "+628521234890" -> "0852****890" (UU PDP)."""
    if not phone:
        return "-"
    shown = display_phone(phone)
    return shown[:4] + "*" * max(0, len(shown) - 7) + shown[-3:]


def _not_a_mobile() -> AnswerError:
    return AnswerError(
        AnswerProblem.NOT_UNDERSTOOD,
        N_("Please type a mobile phone number, for example: 0812 3456 7890."),
    )


def parse_free_text(text: str, *, max_len: int) -> str:
    """A short answer such as an occupation or an address, trimmed to single spaces."""
    # Control characters are dropped so pasted text cannot break layouts or logs.
    visible = "".join(c for c in text if unicodedata.category(c)[0] != "C" or c in "\n\t")
    answer = _collapse(visible)
    if not any(c.isalnum() for c in answer):
        raise AnswerError(AnswerProblem.EMPTY)
    if len(answer) > max_len:
        raise AnswerError(
            AnswerProblem.TOO_LONG,
            N_("This answer is too long: please use at most {max} characters. You typed {length}."),
            {"max": max_len, "length": len(answer)},
        )
    return answer
