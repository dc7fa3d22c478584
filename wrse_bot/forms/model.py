"""A form is data: a table of questions the engine walks (ARCHITECTURE.md, "Forms").
Nothing here knows Telegram or SQL: a service maps answers to its columns, a
renderer draws the buttons."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from wrse_bot.domain.text import N_, Msg
from wrse_bot.domain.vocabulary import Vocabulary

Answers = Mapping[str, Any]
# Reads a typed answer; raises ValueError (a DomainError carries message and params).
Parser = Callable[[str, Answers], Any]

DONE = "done"  # the step after the last question
END = "end"  # a ``next`` that ends the form at once, past any review ("Tidak setuju")
REVIEW = "review"  # a form with a review shows her answers here before they count
EDIT = "edit_"  # a review's button "edit_<question id>" changes one answer
CONTROL_CODES = frozenset({"back", "skip", "done", "help", "submit"})  # codes the engine owns
TAP = N_("Please tap one of the buttons below.")
TOO_LONG = N_("That is a little long. Please write it in at most {max} letters.")
EMOJI = N_("Sorry, we cannot read emoji yet.")
TEXT_MAX = 500  # no answer of ours is longer; a pasted letter is refused kindly


@dataclass(frozen=True)
class Choice:
    """A button. Tapping it (or typing its words) answers ``value`` (default: the
    code); ``goto`` sends her somewhere else than the question's next, and a
    ``value`` of None there clears the answer ("Ketik ulang")."""

    code: str
    label: str  # msgid, formatted with ``params``
    value: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    goto: str | None = None
    alone: bool = False  # drawn on a row of its own ("Lainnya", "Tidak ada")
    exclusive: bool = False  # in a multiple choice: this alone is the whole answer

    @property
    def answer(self) -> Any:
        return self.code if self.value is None and self.goto is None else self.value


Choices = tuple[Choice, ...] | Callable[[Answers], tuple[Choice, ...]]
Words = Vocabulary | Callable[[Answers], Vocabulary]


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str  # msgid
    key: str = ""  # where the answer is kept; default: the id (two questions may share one)
    choices: Choices = ()
    words: Words | None = None  # typed words naming the choices (codes or values)
    within: bool = True  # typed words may sit in a sentence ("mau masak")
    parse: Parser | None = None  # a typed answer that is not a choice
    example: str = TAP  # the refusal, with an example of a good answer
    next: str | Callable[[Answers], str] | None = None  # None: the following question
    # Where a typed (parsed) answer goes instead of ``next``, as a choice's ``goto``:
    # a list that grows by typing ("Tambah sesi") shows itself again.
    typed_next: str | None = None
    skippable: bool = False
    resets: tuple[str, ...] = ()  # answers that no longer hold once this one changes
    back: bool = True
    multi: bool = False  # toggle several choices, then "Done"
    max_len: int = TEXT_MAX
    raw: bool = False  # her own words as typed (a broadcast): lines, emoji kept; parser judges
    per_row: int = 2
    number: int = 0  # shown as "(2/5)"; 0 draws no number
    params: Callable[[Answers], Mapping[str, Any]] | None = None  # for the prompt
    markup: bool = False  # the prompt is HTML already (bold headings); params are not
    contact: bool = False  # asks for her phone: a keyboard with "share my number"
    # What to say to a message that is not text, by its kind ("foreign_contact").
    refuse: Mapping[str, str] = field(default_factory=dict)
    # A review line's name (msgid): a form with a generic review shows the
    # answer under it and offers to change it; the intake files such answers
    # without a column of their own (Registrant.more_answers).
    label: str = ""
    # Reaching this question unanswered fills it first (a multiple choice shows
    # what the database holds now: a companion's desa, ticked).
    initial: Callable[[Answers], Any] | None = None

    @property
    def answer_key(self) -> str:
        return self.key or self.id

    def options(self, answers: Answers) -> tuple[Choice, ...]:
        return self.choices(answers) if callable(self.choices) else self.choices

    def shown(self, answers: Answers) -> Any:
        """Her answer as a review shows it: the label of the choice it names
        (a msgid, as ``Msg``), or the value itself."""
        value = answers.get(self.answer_key)
        named = next((c for c in self.options(answers) if c.answer == value), None)
        return Msg(named.label) if named is not None and not named.params else value

    def vocabulary(self, answers: Answers) -> Vocabulary | None:
        return self.words(answers) if callable(self.words) else self.words


@dataclass(frozen=True)
class Form:
    name: str
    questions: tuple[Question, ...]
    help_after: int | None = None  # misses in a row before "ask an officer" is offered
    review: bool = False  # after the last question: her answers, "Kirim" or change one
    total: int = 0  # questions as she counts them, for "(2/5)"

    def __post_init__(self) -> None:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids) or {DONE, END, REVIEW} & set(ids):
            raise ValueError(f"{self.name}: question ids must be unique, not {DONE!r}/{REVIEW!r}")
        for q in self.questions:
            if not callable(q.choices):
                codes = [c.code for c in q.choices]
                reserved = CONTROL_CODES & set(codes) or any(c.startswith(EDIT) for c in codes)
                if len(set(codes)) != len(codes) or reserved:
                    raise ValueError(f"{self.name}.{q.id}: duplicate or reserved choice code")

    @property
    def first(self) -> Question:
        return self.questions[0]

    @cached_property
    def _position(self) -> dict[str, int]:
        return {q.id: i for i, q in enumerate(self.questions)}

    def question(self, step: str) -> Question:
        return self.questions[self._position[step]]

    def after(self, q: Question, answers: Answers) -> str:
        """Where ``q`` leads, by her answers: its ``next``, or the following question."""
        if callable(q.next):
            return q.next(answers)
        if q.next is not None:
            return q.next
        i = self.index(q.id) + 1
        return self.questions[i].id if i < len(self.questions) else DONE

    def index(self, step: str) -> int:
        return len(self.questions) if step in (DONE, END, REVIEW) else self._position[step]


def _typed(c: Choice) -> Choice:
    safe = button_code(c.code)
    if safe == c.code:
        return c
    return replace(c, code=safe, value=c.answer if c.goto is None else c.value)


def typed_buttons(q: Question) -> Question:
    """``q`` with choice codes that fit a typed button (place codes have dots),
    each answering the same value."""
    if callable(q.choices):
        pick = q.choices
        return replace(q, choices=lambda a: tuple(_typed(c) for c in pick(a)))
    return replace(q, choices=tuple(_typed(c) for c in q.choices))


def button_code(code: str) -> str:
    """The typed-button code of a choice code (``typed_buttons``)."""
    return re.sub(r"[^a-z0-9_]", "_", code.lower())
