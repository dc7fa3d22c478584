"""Typed callback data: one small frozen type per kind of button.

``encode`` writes a button's data; ``decode`` reads a tap back and refuses
anything it did not write (wrong prefix, a field that is not ASCII digits or a
short ``[a-z0-9_]`` code, a number beyond the database's columns, over 64 bytes).
``int`` fields are at most ``INT4_MAX`` (``big()``: a Telegram id), ``str``
fields ``CODE_MAX`` letters (``code(n)``); ``KINDS`` lets a test check that the
longest data of each kind fits.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Self, get_type_hints

from wrse_bot.domain.digits import INT4_MAX, INT8_MAX, parse_uint

MAX_BYTES = 64  # Telegram's limit on callback_data
CODE_MAX = 24
_CODE = re.compile(r"[a-z0-9_]*", re.ASCII)  # a field may be empty ("" = none)
SEP = ":"


def big() -> Any:
    """An int field that may hold a Telegram id (up to INT8_MAX)."""
    return dataclasses.field(default=0, metadata={"max": INT8_MAX})


def code(length: int) -> Any:
    """A str field of at most ``length`` letters."""
    return dataclasses.field(default="", metadata={"max": length})


KINDS: list[type[Button]] = []


@dataclass(frozen=True)
class Button:
    """Base of every kind; subclasses set ``PREFIX`` and declare their fields."""

    PREFIX: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _CODE.fullmatch(cls.PREFIX) or any(k.PREFIX == cls.PREFIX for k in KINDS):
            raise TypeError(f"{cls.__name__}: a unique short prefix is required")
        KINDS.append(cls)

    def encode(self) -> str:
        fields = _fields(type(self))
        parts = [self.PREFIX]
        parts.extend(_write(getattr(self, name), limit) for name, _, limit, _ in fields)
        # Trailing fields left at their defaults are not written: shorter data,
        # and the same data as before a field was added.
        while len(parts) > 1 and parts[-1] == fields[len(parts) - 2][3]:
            parts.pop()
        data = SEP.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def decode(cls, data: str | None) -> Self | None:
        """The button this data names, or None for anything we did not write."""
        if not data or len(data) > MAX_BYTES:
            return None
        prefix, *values = data.split(SEP)
        fields = _fields(cls)
        if prefix != cls.PREFIX or len(values) > len(fields):
            return None
        read: dict[str, Any] = {}
        for (name, kind, limit, _), raw in zip(fields, values, strict=False):
            value = _read(kind, raw, limit)  # missing trailing fields: their defaults
            if value is None:
                return None
            read[name] = value
        return cls(**read)

    @classmethod
    def pattern(cls) -> str:
        """For ``CallbackQueryHandler(pattern=...)``: the prefix; ``decode`` checks the rest."""
        return f"^{re.escape(cls.PREFIX)}{SEP}"

    @classmethod
    def longest(cls) -> str:
        """The longest data this kind can write (for the 64-byte test)."""
        parts = [str(limit) if kind is int else "z" * limit for _, kind, limit, _ in _fields(cls)]
        return SEP.join([cls.PREFIX, *parts])


@cache
def _fields(kind: type[Button]) -> tuple[tuple[str, Any, int, str], ...]:
    """Each field of ``kind``: its name, type, limit and default as written
    (read once per kind: every button of every question is encoded here)."""
    hints = get_type_hints(kind)
    return tuple(
        (f.name, hints[f.name], limit, _write(f.default, limit))
        for f in dataclasses.fields(kind)
        for limit in (int(f.metadata.get("max", INT4_MAX if hints[f.name] is int else CODE_MAX)),)
    )


def _write(value: Any, limit: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"a button field is an int or a code, not {value!r}")
    if isinstance(value, int):
        if not 0 <= value <= limit:
            raise ValueError(f"out of range: {value}")
        return str(value)
    if len(value) > limit or not _CODE.fullmatch(value):
        raise ValueError(f"not a short code: {value!r}")
    return value


def _read(kind: Any, raw: str, limit: int) -> int | str | None:
    if kind is int:
        return parse_uint(raw, limit)
    return raw if len(raw) <= limit and _CODE.fullmatch(raw) else None


# ---- the kinds -----------------------------------------------------------------------


@dataclass(frozen=True)
class FormButton(Button):
    """An answer to the question of ``form`` drawn for ``rev`` (a choice code,
    or one of the engine's: back, skip, done, help, submit, edit_<id>)."""

    PREFIX: ClassVar[str] = "fm"
    form: str = code(12)
    rev: int = 0
    code: str = ""


@dataclass(frozen=True)
class OpenForm(Button):
    """Open (or return to) ``form`` about ``subject`` (0: none): "Mulai", "Lanjutkan"."""

    PREFIX: ClassVar[str] = "fo"
    form: str = code(12)
    subject: int = 0


@dataclass(frozen=True)
class FollowUpTap(Button):
    """An action on follow-up card ``id``: ``a`` take it, ``n`` add a note, ``r`` resolved."""

    PREFIX: ClassVar[str] = "tl"
    op: str = code(1)
    id: int = 0


@dataclass(frozen=True)
class VerifyTap(Button):
    """An action on verification card ``flag``: sh show, sk skip, ap approve, ok
    contacted, rj reject, rs reject with preset reason ``n``, rw write a reason."""

    PREFIX: ClassVar[str] = "vf"
    op: str = code(2)
    flag: int = 0
    n: int = 0


@dataclass(frozen=True)
class ClassButton(Button):
    """A woman's class buttons (/kelas, /kelas_saya, a seat offered): ``action``
    on class or enrolment ``ident`` (p page, v view, j join, y confirm, n no,
    c cancel, cy confirm cancel, a take the seat, l let it go)."""

    PREFIX: ClassVar[str] = "k"
    action: str = code(2)
    ident: int = 0


@dataclass(frozen=True)
class RsvpButton(Button):
    """ "I will come" / "I cannot come" under a session reminder."""

    PREFIX: ClassVar[str] = "rv"
    enrolment: int = 0
    session: int = 0
    answer: str = code(1)  # y | n


@dataclass(frozen=True)
class RoleButton(Button):
    """/peran and invitations: ``rv`` revoke ``person``'s role (asks first),
    ``rvy`` yes (her ``role`` then), ``rvn`` no, ``ri`` withdraw invitation ``person``."""

    PREFIX: ClassVar[str] = "ro"
    op: str = code(3)
    person: int = big()
    role: str = code(12)


@dataclass(frozen=True)
class ExportButton(Button):
    """/ekspor: ``f`` pick masking for ``fmt``, ``full`` confirm full data, ``go``
    export (``mode`` m masked, f full with ``issued``/``token``), ``no`` cancel."""

    PREFIX: ClassVar[str] = "ex"
    op: str = code(4)
    fmt: str = code(4)
    mode: str = code(1)
    issued: int = big()
    token: str = code(16)


@dataclass(frozen=True)
class MyDataButton(Button):
    """Her /data_saya: view, edit, del (asks first), del_yes, del_no."""

    PREFIX: ClassVar[str] = "me"
    op: str = code(8)


@dataclass(frozen=True)
class ReportButton(Button):
    """/laporan's panel: ``op`` (f filters, t pick a class or skill, go show) and
    the filter: period, kecamatan (``01``... or all) and target (c<id>, s<skill>, all)."""

    PREFIX: ClassVar[str] = "lp"
    op: str = code(2)
    period: str = code(2)
    kec: str = code(3)
    target: str = code(22)


@dataclass(frozen=True)
class CaseloadPage(Button):
    """A page of a companion's /dampingan: ``view`` "all" or "visit" (needs a visit)."""

    PREFIX: ClassVar[str] = "cl"
    view: str = code(5)
    page: int = 0


@dataclass(frozen=True)
class TakeOverFollowUp(Button):
    """A coordinator takes over a follow-up someone else holds (a companion, say)."""

    PREFIX: ClassVar[str] = "to"
    follow_up: int = 0


@dataclass(frozen=True)
class EnrolFor(Button):
    """/kelaskan: a companion enrols woman ``registrant`` (no Telegram) in a class:
    ``s`` the open classes from her caseload entry, ``p`` page ``ident`` of them,
    ``v`` ask to confirm class ``ident``, ``y`` enrol her in it, ``n`` not now."""

    PREFIX: ClassVar[str] = "kf"
    op: str = code(1)
    registrant: int = 0
    ident: int = 0


@dataclass(frozen=True)
class DigestTap(Button):
    """A companion's daily digest: ``t`` she told woman ``ident`` (a registration)
    what digest ``digest`` listed; ``a`` take / ``l`` let go the seat offered to
    her (enrolment ``ident``)."""

    PREFIX: ClassVar[str] = "dg"
    op: str = code(1)
    ident: int = 0
    digest: int = big()
