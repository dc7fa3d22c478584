"""An admin assigns a companion (pendamping) her desa (/wilayah, issue 11):
which companion, which kecamatan, then her desa there as a multiple choice
that starts with the desa she has now. A review shows it before it counts.

Facts from the database, under "_" keys (never saved): ``_companions`` as
``((user_id, number of desa), ...)``, ``_areas`` as ``{user_id: [codes]}``,
and the place list ``_kecamatan`` as ``((code, name), ...)`` and
``_villages`` as ``{kecamatan code: ((code, name), ...)}``.
"""

from __future__ import annotations

from typing import Any

from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_
from wrse_bot.domain.vocabulary import Vocabulary, place_words
from wrse_bot.forms.model import Answers, Choice, Form, Question

NAME = FormName.AREAS
NONE = "none"  # no desa in this kecamatan


def _companions(answers: Answers) -> tuple[Choice, ...]:
    return tuple(
        Choice(
            f"u{uid}",
            N_("Companion {who} ({n} desa)"),
            value=int(uid),
            params={"who": str(uid), "n": int(n)},
        )
        for uid, n in answers.get("_companions") or ()
    )


def _kecamatan(answers: Answers) -> tuple[Choice, ...]:
    return tuple(
        Choice(f"k{code.rsplit('.', 1)[-1]}", "{name}", value=code, params={"name": name})
        for code, name in answers.get("_kecamatan") or ()
    )


def _kecamatan_words(answers: Answers) -> Vocabulary:
    """ "junrejo" typed names Junrejo, as in the intake."""
    return place_words(tuple((str(c), str(n)) for c, n in answers.get("_kecamatan") or ()))


def _village_words(answers: Answers) -> Vocabulary:
    return place_words(villages_in(answers))


def villages_in(answers: Answers) -> tuple[tuple[str, str], ...]:
    kec = answers.get("kecamatan")
    table = answers.get("_villages") or {}
    return tuple((str(c), str(n)) for c, n in table.get(kec, ())) if kec else ()


def _villages(answers: Answers) -> tuple[Choice, ...]:
    return (
        *(
            Choice(f"v{code.rsplit('.', 1)[-1]}", "{name}", value=code, params={"name": name})
            for code, name in villages_in(answers)
        ),
        Choice(NONE, N_("No desa here"), value=NONE, alone=True, exclusive=True),
    )


def _current(answers: Answers) -> tuple[str, ...]:
    """Her desa in the chosen kecamatan now, in the buttons' order."""
    mine = set((answers.get("_areas") or {}).get(str(answers.get("companion")), ()))
    return tuple(code for code, _ in villages_in(answers) if code in mine)


def chosen(answers: Answers) -> tuple[str, ...]:
    """The desa ticked (none when "No desa here")."""
    return tuple(v for v in answers.get("villages") or () if v != NONE)


AREAS = Form(
    NAME,
    review=True,
    questions=(
        Question(
            "companion",
            N_("Which companion? Each is named by her Telegram number."),
            choices=_companions,
            per_row=1,
            resets=("villages",),
            back=False,
        ),
        Question(
            "kecamatan",
            N_("In which kecamatan are her desa?"),
            choices=_kecamatan,
            words=_kecamatan_words,
            per_row=1,
            resets=("villages",),
        ),
        Question(
            "villages",
            N_(
                "Tap the desa she accompanies (tap again to remove), then tap Done. "
                "She sees only the women of these desa."
            ),
            choices=_villages,
            words=_village_words,
            multi=True,
            initial=_current,
        ),
    ),
)


def facts(
    companions: list[tuple[int, frozenset[str]]], kecamatan: Any, villages: Any
) -> dict[str, Any]:
    """The "_" answers from the companions and the place list."""
    return {
        "_companions": tuple((uid, len(areas)) for uid, areas in companions),
        "_areas": {str(uid): sorted(areas) for uid, areas in companions},
        "_kecamatan": tuple(kecamatan),
        "_villages": {k: tuple(v) for k, v in villages.items()},
    }
