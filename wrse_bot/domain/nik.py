"""Reading the NIK (Nomor Induk Kependudukan) printed on the KTP and KK.

Layout ``PP KK CC DDMMYY SSSS`` (DOMAIN.md): province, regency/city, the
kecamatan where the NIK was first issued, birth date with 40 added to the day
for women, and a serial from 0001. There is no checksum, so only what cannot
be a NIK is rejected; a NIK issued outside Kota Batu is normal (people move).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from wrse_bot.domain.errors import ProblemError
from wrse_bot.domain.text import N_

NIK_LENGTH = 16
BATU_REGENCY_CODE = "3579"  # 35 = Jawa Timur, 79 = Kota Batu
_FEMALE_DAY_OFFSET = 40

# Separators people type or paste from scans: spaces (incl. non-breaking and
# thin spaces), dots, and the various dashes.
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212]+")


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"


class NikProblem(StrEnum):
    EMPTY = "empty"
    NOT_DIGITS = "not_digits"
    LENGTH = "length"
    BAD_DAY = "bad_day"
    BAD_MONTH = "bad_month"
    BAD_DATE = "bad_date"
    ZERO_SERIAL = "zero_serial"


class NikError(ProblemError):
    """Why a typed NIK cannot be a NIK, said kindly, with an example."""

    MESSAGES: ClassVar[Mapping[Any, str]] = {
        NikProblem.EMPTY: N_(
            "Please type the 16-digit NIK from your KTP or KK, for example: 3579034508850001."
        ),
        NikProblem.NOT_DIGITS: N_(
            "A NIK has only numbers. Please type the 16 digits from your KTP or KK, "
            "for example: 3579034508850001."
        ),
        NikProblem.LENGTH: N_(
            "A NIK has 16 digits, but this one has {count}. Please check it and type it "
            "again, for example: 3579034508850001."
        ),
        NikProblem.BAD_DAY: N_(
            "This NIK does not look right: digits 7 and 8 should be the day of birth. "
            "Please check it on your KTP or KK, for example: 3579034508850001."
        ),
        NikProblem.BAD_MONTH: N_(
            "This NIK does not look right: digits 9 and 10 should be the month of birth. "
            "Please check it on your KTP or KK, for example: 3579034508850001."
        ),
        NikProblem.BAD_DATE: N_(
            "This NIK does not look right: the birth date in it does not exist. "
            "Please check it on your KTP or KK, for example: 3579034508850001."
        ),
        NikProblem.ZERO_SERIAL: N_(
            "This NIK does not look right: the last 4 digits cannot be 0000. "
            "Please check it on your KTP or KK, for example: 3579034508850001."
        ),
    }


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province_code: str  # "35"
    regency_code: str  # "3579"
    kecamatan_code: str  # Kemendagri dotted form, "35.79.03"
    birth_date: date
    sex: Sex
    serial: str
    issued_in_batu: bool


def normalize_nik(raw: str) -> str:
    """Remove spaces, dots and dashes; nothing else is changed (letters stay, to be rejected)."""
    return _SEPARATORS.sub("", raw)


def parse_nik(raw: str, *, today: date) -> NikInfo:
    """Read a NIK, raising ``NikError`` only for what cannot be a NIK.

    The two-digit year takes the century that keeps the birth date on or
    before ``today`` (20xx when possible, else 19xx). A NIK cannot tell a
    105-year-old from a 5-year-old; the age rule and staff catch that.
    A mismatch with what she tells us is not an error here: NIKs are never
    reissued, so callers warn and let her confirm (DOMAIN.md).
    """
    nik = normalize_nik(raw)
    if not nik:
        raise NikError(NikProblem.EMPTY)
    if not nik.isascii() or not nik.isdigit():
        raise NikError(NikProblem.NOT_DIGITS)
    if len(nik) != NIK_LENGTH:
        raise NikError(NikProblem.LENGTH, params={"count": len(nik)})

    day = int(nik[6:8])
    month = int(nik[8:10])
    yy = int(nik[10:12])
    serial = nik[12:16]

    if 1 <= day <= 31:
        sex = Sex.MALE
    elif _FEMALE_DAY_OFFSET + 1 <= day <= _FEMALE_DAY_OFFSET + 31:
        sex = Sex.FEMALE
        day -= _FEMALE_DAY_OFFSET
    else:
        raise NikError(NikProblem.BAD_DAY)
    if not 1 <= month <= 12:
        raise NikError(NikProblem.BAD_MONTH)
    birth_date = _birth_date(day, month, yy, today)
    if birth_date is None:
        raise NikError(NikProblem.BAD_DATE)
    if serial == "0000":
        raise NikError(NikProblem.ZERO_SERIAL)

    return NikInfo(
        nik=nik,
        province_code=nik[0:2],
        regency_code=nik[0:4],
        kecamatan_code=f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}",
        birth_date=birth_date,
        sex=sex,
        serial=serial,
        issued_in_batu=nik[0:4] == BATU_REGENCY_CODE,
    )


def _birth_date(day: int, month: int, yy: int, today: date) -> date | None:
    """The 20xx date if it is not after ``today``, else the 19xx date; None if impossible."""
    for century in (2000, 1900):
        try:
            candidate = date(century + yy, month, day)
        except ValueError:
            continue  # e.g. 29 Feb in a non-leap year
        if candidate <= today:
            return candidate
    return None


def sex_of_nik(nik: str) -> Sex:
    """The sex a well-formed NIK shows (women's birth day has 40 added)."""
    digits = normalize_nik(nik)
    return Sex.FEMALE if int(digits[6:8]) > _FEMALE_DAY_OFFSET else Sex.MALE


def mask_nik(nik: str) -> str:
    """Hide all but the last 4 digits, for showing a NIK back without exposing it (UU PDP)."""
    digits = normalize_nik(nik)
    return "*" * max(len(digits) - 4, 0) + digits[-4:]
