"""Numbers written as words or digits, in Indonesian and Javanese, as typed in chat
(for the money and dependents parsers). Words may be glued together ("limangatus",
"sakyuta"), so an unknown word is split into known pieces before giving up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import lru_cache


class Kind(Enum):
    NUM = "num"  # a value: digits, "lima", "seket", the "se"/"sak" prefix (= 1)
    HALF = "half"  # setengah: half of what follows, or of the unit just said
    TENS = "tens"  # puluh
    TEEN = "teen"  # belas, Javanese welas/las
    LIKUR = "likur"  # Javanese 21..29: selikur, rolikur, ...
    HUNDRED = "hundred"  # ratus, Javanese atus
    BIG = "big"  # ribu/ewu/rb/k, juta/yuta/jt, miliar
    APPROX = "approx"  # "-an"/"lebih" at the end: "sejutaan", "500 ribu lebih"


@dataclass(frozen=True)
class Token:
    kind: Kind
    value: Decimal = Decimal(0)
    raw: str = ""  # digits as typed, resolved once the following token is known


class NotANumberError(ValueError):
    """The text is not a number we can read; callers turn this into a kind message."""


def _n(value: int) -> tuple[Token, ...]:
    return (Token(Kind.NUM, Decimal(value)),)


_ONE = _n(1)
_TENS = (Token(Kind.TENS),)
_HUNDRED = (Token(Kind.HUNDRED),)
_THOUSAND = (Token(Kind.BIG, Decimal(1_000)),)

# What each word means, in Indonesian, Javanese ngoko and (as some older people write
# it) krama. "se", "sak" and "sa" are the prefix of one (seratus, sakyuta, sayuta);
# the "-ng" forms come before atus/ewu ("limang atus ewu"); "ro", "pat" and "las" are
# glued on (rolas, patbelas, limolas).
_WORDS: tuple[tuple[tuple[Token, ...], str], ...] = (
    (_n(0), "nol"),
    (_ONE, "satu se siji sak sa setunggal"),
    (_n(2), "dua loro rong ro kalih"),
    (_n(3), "tiga telu telung"),
    (_n(4), "empat papat patang pat sekawan"),
    (_n(5), "lima limo limang gangsal"),
    (_n(6), "enam enem nem"),
    (_n(7), "tujuh pitu pitung"),
    (_n(8), "delapan wolu wolung"),
    (_n(9), "sembilan songo sanga sangang songong"),
    (_n(25), "selawe"),
    (_n(50), "seket"),
    (_n(60), "sewidak"),
    (_ONE + _TENS, "sepuluh sedasa"),
    (_TENS, "puluh"),
    ((Token(Kind.TEEN),), "belas welas las"),
    ((Token(Kind.LIKUR),), "likur"),
    (_ONE + _HUNDRED, "satus"),
    (_HUNDRED, "ratus atus"),
    (_ONE + _THOUSAND, "sewu"),
    (_THOUSAND, "ribu rebu rb rbu rib k ewu ewon"),
    ((Token(Kind.BIG, Decimal(1_000_000)),), "juta jt jta jeti yuta"),
    ((Token(Kind.BIG, Decimal(1_000_000_000)),), "miliar milyar"),
    ((Token(Kind.HALF),), "setengah stengah separuh"),
    ((Token(Kind.APPROX),), "an lebih"),
)
_LEXICON = {word: tokens for tokens, words in _WORDS for word in words.split()}


# Bounded: the words come from users, and the bot runs for months.
@lru_cache(maxsize=4096)
def _segment(word: str) -> tuple[Token, ...] | None:
    """Split a glued word into known pieces, longest known prefix first."""
    if word in _LEXICON:
        return _LEXICON[word]
    for cut in range(len(word) - 1, 0, -1):
        head = _LEXICON.get(word[:cut])
        if head is not None:
            tail = _segment(word[cut:])
            if tail is not None:
                return head + tail
    return None


# Digits with optional separators, words (any script, so unknown ones are caught),
# or any other single character.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|\S")
_IGNORED_PUNCTUATION = frozenset(".,!")
_MAX_WORD = 30  # longer "words" are not numbers; also keeps splitting cheap


def tokenize(text: str) -> list[Token]:
    """Turn lower-cased text into tokens; raise ``NotANumberError`` on anything unknown."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        piece = match.group()
        if piece[0].isdecimal():
            tokens.append(Token(Kind.NUM, raw=piece))
        elif piece in _IGNORED_PUNCTUATION:
            continue
        else:
            pieces = _segment(piece) if len(piece) <= _MAX_WORD else None
            if pieces is None:
                raise NotANumberError(piece)
            tokens.extend(pieces)
    # Digits are read only now: "1.500" is fifteen hundred, but "1.500 jt" is 1,5 juta.
    resolved: list[Token] = []
    for index, token in enumerate(tokens):
        if token.raw:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            unit_follows = following is not None and following.kind in (Kind.BIG, Kind.HUNDRED)
            token = Token(Kind.NUM, read_digits(token.raw, unit_follows=unit_follows))
        resolved.append(token)
    return resolved


def read_digits(raw: str, *, unit_follows: bool) -> Decimal:
    """Read digits typed the Indonesian way ("." thousands, "," decimals), tolerating English.

    - both separators: the last one is the decimal mark ("1.500.000,00", "1,500,000.00");
    - one kind, several times: thousands ("1.500.000", "1,500,000");
    - one separator and exactly 3 digits after it: thousands ("1.500", "900,000"),
      unless a unit follows ("1,500 jt" is 1,5 juta; 1.500 juta would be absurd);
    - otherwise a decimal mark ("1,5", "1.5", "1,25").
    """
    if raw.isdecimal():
        return Decimal(raw)
    separators = [c for c in raw if c in ".,"]
    if len(set(separators)) == 2:
        decimal_mark = raw[max(raw.rfind("."), raw.rfind(","))]
        thousands_mark = "," if decimal_mark == "." else "."
        if raw.count(decimal_mark) != 1:
            raise NotANumberError(raw)
        whole, fraction = raw.split(decimal_mark)
        groups = whole.split(thousands_mark)
        if not _thousands_groups(groups):
            raise NotANumberError(raw)
        return Decimal("".join(groups) + "." + fraction)
    groups = re.split(r"[.,]", raw)
    if len(groups) > 2:
        if not _thousands_groups(groups):
            raise NotANumberError(raw)
        return Decimal("".join(groups))
    whole, fraction = groups
    if len(fraction) == 3 and not unit_follows and int(whole) > 0:
        return Decimal(whole + fraction)
    return Decimal(whole + "." + fraction)


def _thousands_groups(groups: list[str]) -> bool:
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


@dataclass(frozen=True)
class Reading:
    """The value of a token sequence.

    ``total`` holds everything closed by a big unit (ribu, juta), ``rest`` what
    came after the last one, and ``last_unit`` that unit, so callers can decide
    what a trailing "sejuta limang atus" means.
    """

    total: Decimal
    rest: Decimal
    last_unit: Decimal | None

    @property
    def value(self) -> Decimal:
        return self.total + self.rest


def evaluate(tokens: list[Token]) -> Reading:
    """Add up number tokens the way people say them; raise ``NotANumberError`` if malformed."""
    if not tokens:
        raise NotANumberError("")
    total = Decimal(0)
    group = Decimal(0)  # below one thousand: "dua ratus lima puluh"
    pending: Decimal | None = None  # the last value not yet scaled
    last_unit: Decimal | None = None
    halved_unit = False
    for index, token in enumerate(tokens):
        match token.kind:
            case Kind.NUM:
                if pending is not None:
                    raise NotANumberError("two numbers in a row")
                pending = token.value
            case Kind.HALF:
                if pending is not None:  # "satu setengah juta", "dua setengah"
                    pending += Decimal("0.5")
                elif group == 0 and last_unit is not None and not halved_unit:
                    total += last_unit / 2  # "sejuta setengah"
                    halved_unit = True
                elif group == 0 and last_unit is None:
                    pending = Decimal("0.5")  # "setengah juta"
                else:
                    raise NotANumberError("misplaced half")
            case Kind.TENS | Kind.TEEN | Kind.LIKUR:
                if pending is None or group % 100 != 0:
                    raise NotANumberError("tens without a digit")
                offset = {Kind.TENS: 0, Kind.TEEN: 10, Kind.LIKUR: 20}[token.kind]
                group += pending * 10 if token.kind is Kind.TENS else offset + pending
                pending = None
            case Kind.HUNDRED:
                if pending is not None and group < 100:
                    group += pending * 100
                elif pending is None and 0 < group < 100:
                    group *= 100  # "lima belas ratus" = 1500
                else:
                    raise NotANumberError("hundreds without a digit")
                pending = None
            case Kind.BIG:
                if pending is None and group == 0:
                    raise NotANumberError("unit without a number")
                if last_unit is not None and token.value >= last_unit:
                    raise NotANumberError("units out of order")
                total += (group + (pending or 0)) * token.value
                group, pending, last_unit, halved_unit = Decimal(0), None, token.value, False
            case Kind.APPROX:
                if index != len(tokens) - 1 or index == 0:
                    raise NotANumberError("approximation not at the end")
    return Reading(total=total, rest=group + (pending or 0), last_unit=last_unit)
