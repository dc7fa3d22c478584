"""/siaran as a form (issues 3 and 10): whom (``kind``, then ``kecamatan``,
``interest`` or ``class_id``), then ``text``: her message as typed, or ``SCHEDULE``
to send a class's schedule (``schedule_of`` says which, unless the audience is a
class's own). The preview is the form's review. Facts from the database
(services/broadcast.py, never saved): the published classes (``_classes``, (id,
title) pairs) and, on the preview, the recipient count (``_count``) and the
schedule (``_schedule``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.limits import utf16_len
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_, Msg
from wrse_bot.domain.vocabulary import AUDIENCE_WORDS, SKILL_WORDS, fold, place_words
from wrse_bot.forms.model import DONE, Answers, Choice, Form, Question

BROADCAST = FormName.BROADCAST
MAX_TEXT = 3500  # Telegram allows 4096; the frame adds a few lines around it
SCHEDULE = ""  # the message is a class's schedule (a typed message is never empty)
CLASS_AUDIENCES = frozenset({"enrolled", "waitlisted"})
TOO_LONG = N_("The message is too long (at most {max} characters). Please shorten it.")
CLASS_EXAMPLE = N_("Please tap one of the classes, or type its title.")


@dataclass(frozen=True)
class Audience:
    kind: str  # all | kecamatan | interest | enrolled | waitlisted
    value: str | int | None = None

    @property
    def class_id(self) -> int | None:
        return int(self.value) if self.kind in CLASS_AUDIENCES and self.value else None


def audience_of(a: Answers) -> Audience | None:
    kind = a.get("kind")
    value = {"kecamatan": a.get("kecamatan"), "interest": a.get("interest")}.get(kind or "")
    return Audience(kind, a.get("class_id") if kind in CLASS_AUDIENCES else value) if kind else None


def schedule_class(a: Answers) -> int | None:
    """The class whose schedule she sends, if the message is one."""
    if a.get("text") != SCHEDULE:
        return None
    return a.get("class_id") if a.get("kind") in CLASS_AUDIENCES else a.get("schedule_of")


def title_of(a: Answers, class_id: int | None) -> str:
    return dict(a.get("_classes") or ()).get(class_id, "-")


def audience_text(a: Answers) -> Msg:
    """ "women in Kecamatan Junrejo", to be rendered in the staff's language."""
    kind = a.get("kind")
    if kind == "kecamatan":
        name = load_places().name(a.get("kecamatan"))
        return Msg(N_("women in Kecamatan {name}"), {"name": name})
    if kind == "interest":
        skill = Msg(SKILLS.get(a.get("interest") or "", "-"))
        return Msg(N_("women interested in {skill}"), {"skill": skill})
    if kind in CLASS_AUDIENCES:
        title = title_of(a, a.get("class_id"))
        if kind == "enrolled":
            return Msg(N_("participants of the class {title}"), {"title": title})
        return Msg(N_("the waiting list of the class {title}"), {"title": title})
    return Msg(N_("all eligible women"))


# ---- choices and typed answers ---------------------------------------------------------


def _audiences(a: Answers) -> tuple[Choice, ...]:
    """Whom; a class's own audiences only while a class is published."""
    kinds = (
        ("all", "all", N_("All eligible women")),
        ("kec", "kecamatan", N_("By kecamatan")),
        ("int", "interest", N_("By class interest")),
        ("enr", "enrolled", N_("Enrolled in a class")),
        ("wait", "waitlisted", N_("Waitlisted for a class")),
    )
    return tuple(
        Choice(code, label, value=kind)
        for code, kind, label in kinds
        if kind not in CLASS_AUDIENCES or a.get("_classes")
    )


def _kecamatan(a: Answers) -> tuple[Choice, ...]:
    return tuple(
        Choice("k" + p.code.replace(".", ""), "{name}", value=p.code, params={"name": p.name})
        for p in load_places().kecamatan()
    )


KECAMATAN_WORDS = place_words(tuple((p.code, p.name) for p in load_places().kecamatan()))


def _classes(a: Answers) -> tuple[Choice, ...]:
    return tuple(
        Choice(f"c{cid}", "{title}", value=cid, params={"title": title[:60]})
        for cid, title in a.get("_classes") or ()
    )


def read_class(text: str, a: Answers) -> int:
    """A class named by its title, exactly (folded): two of one title are ambiguous."""
    named = [cid for cid, title in a.get("_classes") or () if fold(title) == fold(text)]
    if len(named) != 1:
        raise DomainError(CLASS_EXAMPLE)
    return named[0]


def read_message(text: str, a: Answers) -> str:
    if utf16_len(text) > MAX_TEXT:  # as Telegram counts: an emoji is two
        raise DomainError(TOO_LONG, {"max": MAX_TEXT})
    return text


# The two class questions (whom, and which schedule) pick a class alike.
CLASS_PICK: dict[str, Any] = dict(
    choices=_classes, parse=read_class, example=CLASS_EXAMPLE, per_row=1
)


def _after_audience(a: Answers) -> str:
    return {"all": "message", "kecamatan": "kecamatan", "interest": "interest"}.get(
        a.get("kind") or "", "class"
    )


def _after_message(a: Answers) -> str:
    if a.get("text") == SCHEDULE and a.get("kind") not in CLASS_AUDIENCES:
        return "schedule"  # which class's schedule
    return DONE


BROADCAST_FORM = Form(
    BROADCAST,
    review=True,  # the preview: exactly what she receives, and how many
    questions=(
        Question(
            "audience",
            N_("New broadcast. Who should receive it?"),
            key="kind",
            choices=_audiences,
            words=AUDIENCE_WORDS,
            next=_after_audience,
            per_row=1,
            back=False,
        ),
        Question(
            "kecamatan",
            N_("Which kecamatan?"),
            choices=_kecamatan,
            words=KECAMATAN_WORDS,
            next="message",
            per_row=1,
        ),
        Question(
            "interest",
            N_("Which class interest?"),
            choices=tuple(Choice(code, label) for code, label in SKILLS.items()),
            words=SKILL_WORDS,
            next="message",
        ),
        Question("class", N_("Which class?"), key="class_id", next="message", **CLASS_PICK),
        Question(
            "message",
            N_("To: {audience}\nType the message now, or send a class schedule."),
            key="text",
            params=lambda a: {"audience": audience_text(a)},
            choices=(Choice("schedule", N_("📅 Class schedule"), value=SCHEDULE),),
            parse=read_message,
            example=N_("Please type the message for the women."),
            raw=True,  # her lines and emoji, as she wrote them
            max_len=4096,
            next=_after_message,
        ),
        Question("schedule", N_("Which class's schedule?"), key="schedule_of", **CLASS_PICK),
    ),
)
