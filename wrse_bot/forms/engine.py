"""The pure transition: (form, state, answer) -> (new state, effects). No I/O.

A service loads the state from its row, calls :func:`advance` in the
transaction that claimed the update, writes the new state and answers back,
and hands the effects to a renderer. Rules every form shares:

* every accepted input raises ``rev``; a button drawn for an older revision
  changes nothing (the one just before is a double tap);
* "Kembali" goes to the question before on the path her answers took (no
  history is kept: the answers are the history), its answer kept;
* an answer to a question her path now skips is forgotten; a question she
  skipped ("Lewati") counts as answered, with None;
* a question may end the form at once (``next`` is END), past any review;
* a form with a review shows her answers after the last question; "edit_<id>"
  changes one, and once her path is whole again she is back at the review
  ("Kembali" during an edit restores what she had);
* a refused answer (a sticker, an emoji, an empty or too long text, a word that
  names no button) is a miss: a kind problem and the same question again; after
  ``help_after`` misses in a row the help button is offered, below the answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from wrse_bot.domain.small_talk import unreadable_message
from wrse_bot.domain.vocabulary import CONTROLS, is_emoji_only
from wrse_bot.forms.model import (
    DONE,
    EDIT,
    EMOJI,
    END,
    REVIEW,
    TAP,
    TOO_LONG,
    Answers,
    Choice,
    Form,
    Question,
)

InputKind = Literal["text", "choice", "other", "back", "skip", "help"]


@dataclass(frozen=True)
class Answer:
    """What she did: typed ``text``, tapped a ``choice`` (its code, drawn for
    ``rev``), sent something else (``other``: "sticker", "voice" ...), asked
    to go ``back`` / ``skip``, or typed the words of the ``help`` button."""

    kind: InputKind
    value: str = ""
    rev: int | None = None


@dataclass(frozen=True)
class Problem:
    message: str  # msgid
    params: dict[str, Any] = field(default_factory=dict)
    prefix: str | None = None  # first sentence (the bot cannot read it, it is too long)


@dataclass(frozen=True)
class FormState:
    step: str | None  # None: not started; DONE: finished
    rev: int = 0
    answers: Answers = field(default_factory=dict)
    misses: int = 0
    editing: Answers | None = None  # changing one answer from the review: the answers before


# ---- effects: what the caller should do ----------------------------------------------


@dataclass(frozen=True)
class Ask:
    """Send the question for ``step`` (with ``problem`` when her answer was refused)."""

    step: str
    problem: Problem | None = None


@dataclass(frozen=True)
class OfferHelp:
    """Add the help button, below the answer buttons."""


@dataclass(frozen=True)
class Redraw:
    """A multiple choice changed: redraw its buttons in place."""

    step: str


@dataclass(frozen=True)
class Finished:
    """All answered."""


@dataclass(frozen=True)
class Stale:
    """A button of an earlier question; ``step`` is the open one."""

    step: str
    double_tap: bool  # the button just replaced: the same tap again, not an old one


Effect = Ask | OfferHelp | Redraw | Finished | Stale


@dataclass(frozen=True)
class Outcome:
    state: FormState
    effects: tuple[Effect, ...]

    @property
    def changed(self) -> bool:
        return not any(isinstance(e, Stale) for e in self.effects)


# ---- the transition -------------------------------------------------------------------


def start(form: Form, state: FormState) -> Outcome:
    """Begin, or resume where she stopped: the open question, drawn afresh."""
    step = state.step if state.step not in (None, DONE) else form.first.id
    new = replace(state, step=step, rev=state.rev + 1, misses=0)
    return Outcome(new, (Ask(step),))


def advance(form: Form, state: FormState, ans: Answer) -> Outcome:
    if state.step is None:
        return start(form, state)  # a message before "Mulai": she is here, so begin
    if ans.kind == "choice" and ans.rev != state.rev:
        return Outcome(state, (Stale(state.step, double_tap=ans.rev == state.rev - 1),))
    if state.step == DONE:
        return Outcome(state, (Finished(),))
    if state.step == REVIEW:
        return _review(form, state, ans)
    q = form.question(state.step)
    control = _control(q, state.answers, ans)
    if control == "back" and state.editing is not None:
        return _to_review(state, state.editing)  # the edit is abandoned: nothing changed
    if control == "back":
        return _go(state, previous(form, state), state.answers)
    if control == "skip" and q.skippable:
        return _accept(form, state, q, None, form.after(q, state.answers))
    if control == "done" and q.multi:
        return _done(form, state, q)
    result = _read(q, state.answers, ans)
    if isinstance(result, Problem):
        return _miss(form, state, q.id, result)
    choice, value = result
    if q.multi and choice is not None:
        return _toggle(form, state, q, choice, typed=ans.kind == "text")
    target = choice.goto if choice is not None else q.typed_next
    answers = {**state.answers, q.answer_key: value}
    return _accept(form, state, q, value, target or form.after(q, answers), jump=bool(target))


def refuse(form: Form, state: FormState, problem: Problem) -> Outcome:
    """An answer the transition accepted but a rule outside it refused (a check
    against the database: one NIK too many today): a miss, the same question again."""
    return _miss(form, state, state.step or form.first.id, problem)


def previous(form: Form, state: FormState) -> str:
    """The question before the open one, on the path her answers took."""
    walked = path(form, state.answers, stop=state.step)
    return walked[-2] if len(walked) > 1 and walked[-1] == state.step else form.first.id


def path(form: Form, answers: Answers, *, stop: str | None) -> list[str]:
    """Questions visited from the first, following answers, up to ``stop`` or
    the first unanswered question (included) or the end."""
    walked: list[str] = []
    step = form.first.id
    while step != DONE and step not in walked:  # a question may loop onto itself
        walked.append(step)
        q = form.question(step)
        if step == stop or not _has(q, answers):
            break
        step = form.after(q, answers)
    return walked


def _review(form: Form, state: FormState, ans: Answer) -> Outcome:
    """Her answers on one screen: "submit" finishes, "edit_<id>" changes one."""
    typed = CONTROLS.match(ans.value, within=False) if ans.kind == "text" else None
    if (ans.kind == "choice" and ans.value == "submit") or typed == "done":
        return Outcome(replace(state, step=DONE, rev=state.rev + 1, misses=0), (Finished(),))
    if ans.kind == "back" or typed == "back" or (ans.kind == "choice" and ans.value == "back"):
        return _go(state, path(form, state.answers, stop=None)[-1], state.answers)
    target = ans.value.removeprefix(EDIT) if ans.kind == "choice" else ""
    if ans.value.startswith(EDIT) and target in path(form, state.answers, stop=None):
        edit = replace(state, step=target, rev=state.rev + 1, misses=0, editing=state.answers)
        return Outcome(edit, (Ask(target),))
    problem = Problem(TAP, prefix=unreadable_message(ans.value) if ans.kind == "other" else None)
    return _miss(form, state, REVIEW, problem)


def _to_review(state: FormState, answers: Answers) -> Outcome:
    new = replace(state, step=REVIEW, rev=state.rev + 1, answers=answers, misses=0, editing=None)
    return Outcome(new, (Ask(REVIEW),))


# ---- pieces --------------------------------------------------------------------------


def _control(q: Question, answers: Answers, ans: Answer) -> str | None:
    if ans.kind in ("back", "skip"):
        return ans.kind
    if ans.kind == "choice" and ans.value in ("back", "skip", "done"):
        return ans.value
    if ans.kind == "text":
        word = CONTROLS.match(ans.value, within=False)
        if word is not None and _named(q, answers, q.options(answers), ans.value) is not None:
            return None  # "Batik" is a class, not a typo of "balik"
        if word == "back" or (word == "skip" and q.skippable) or (word == "done" and q.multi):
            return word
    return None


def _read(q: Question, answers: Answers, ans: Answer) -> tuple[Choice | None, Any] | Problem:
    """Her answer as (the choice it names, its value), or the problem with it."""
    options = q.options(answers)
    if ans.kind == "choice":
        chosen = next((c for c in options if c.code == ans.value), None)
        return (chosen, chosen.answer) if chosen is not None else Problem(q.example)
    if ans.kind in ("back", "skip"):
        return Problem(q.example)  # nothing to skip here
    if ans.kind != "text":
        if ans.value in q.refuse:
            return Problem(q.refuse[ans.value])
        return Problem(q.example, prefix=unreadable_message(ans.value))
    text = ans.value.strip() if q.raw else " ".join(ans.value.split())
    if len(text) > q.max_len:
        return Problem(q.example, {"max": q.max_len}, prefix=TOO_LONG)  # and how to answer
    if text.startswith("/"):
        return Problem(q.example)  # a command she typed is never an answer
    named = _named(q, answers, options, text)
    if named is not None:
        return named, named.answer
    if is_emoji_only(text) and not q.raw:
        return Problem(q.example, prefix=EMOJI)
    if q.parse is None or not text:
        return Problem(q.example)
    try:
        return None, q.parse(text, answers)
    except ValueError as exc:
        return Problem(getattr(exc, "message", q.example), dict(getattr(exc, "params", {}) or {}))


def _named(q: Question, answers: Answers, options: tuple[Choice, ...], text: str) -> Choice | None:
    """The choice her typed words name: a code or value of the vocabulary."""
    words = q.vocabulary(answers)
    if words is None or not options:
        return None
    code = words.match(text, within=q.within)
    if code is None:
        return None
    return next((c for c in options if code in (c.code, c.value)), None)


def _toggle(form: Form, state: FormState, q: Question, choice: Choice, *, typed: bool) -> Outcome:
    if choice.exclusive:
        return _accept(form, state, q, (choice.answer,), form.after(q, state.answers))
    exclusive = {c.answer for c in q.options(state.answers) if c.exclusive}
    chosen = [v for v in state.answers.get(q.answer_key) or () if v not in exclusive]
    chosen = (
        [v for v in chosen if v != choice.answer]
        if choice.answer in chosen
        else [*chosen, choice.answer]
    )
    order = [c.answer for c in q.options(state.answers)]
    value = tuple(v for v in order if v in chosen)  # a stable order
    new = replace(
        state, rev=state.rev + 1, answers={**state.answers, q.answer_key: value}, misses=0
    )
    # A tap redraws the buttons in place; typed words get the question again.
    return Outcome(new, (Ask(q.id),) if typed else (Redraw(q.id),))


def _done(form: Form, state: FormState, q: Question) -> Outcome:
    value = state.answers.get(q.answer_key)
    if not _answered(value):
        return _miss(form, state, q.id, Problem(q.example))
    return _accept(form, state, q, value, form.after(q, state.answers))


def _accept(
    form: Form, state: FormState, q: Question, value: Any, target: str, *, jump: bool = False
) -> Outcome:
    answers = {**state.answers, q.answer_key: value}
    if value != state.answers.get(q.answer_key):
        for key in q.resets:
            answers.pop(key, None)
    if target == END:
        return Outcome(
            replace(state, step=DONE, rev=state.rev + 1, answers=answers, misses=0), (Finished(),)
        )
    if state.editing is not None and not jump and not _follow_up(form, q, target):
        # Back to the review once every question on her (new) path is answered
        # (a button's own goto, or a follow-up of this answer, is asked first).
        walked = path(form, answers, stop=None)
        whole = _has(form.question(walked[-1]), answers)
        target = REVIEW if whole else walked[-1]
    if target == DONE and form.review:
        target = REVIEW
    answers = _forget_skipped(form, answers, target)
    if target == REVIEW:
        return _to_review(state, answers)
    if target == DONE:
        return Outcome(
            replace(state, step=DONE, rev=state.rev + 1, answers=answers, misses=0), (Finished(),)
        )
    q_next = form.question(target)
    if q_next.initial is not None and answers.get(q_next.answer_key) is None:
        answers[q_next.answer_key] = q_next.initial(answers)
    return _go(state, target, answers)


def _follow_up(form: Form, q: Question, target: str) -> bool:
    """``target`` asks about the same answer (confirming an ambiguous amount)."""
    return target not in (DONE, END, REVIEW) and form.question(target).answer_key == q.answer_key


def _go(state: FormState, step: str, answers: Answers) -> Outcome:
    return Outcome(
        replace(state, step=step, rev=state.rev + 1, answers=answers, misses=0), (Ask(step),)
    )


def _miss(form: Form, state: FormState, step: str, problem: Problem) -> Outcome:
    misses = state.misses + 1
    new = replace(state, rev=state.rev + 1, misses=misses)
    effects: tuple[Effect, ...] = (Ask(step, problem),)
    if form.help_after is not None and misses >= form.help_after:
        effects = (*effects, OfferHelp())
    return Outcome(new, effects)


def _forget_skipped(form: Form, answers: dict[str, Any], target: str) -> dict[str, Any]:
    """Answers to questions her path now passes by are dropped ("Belum" has no
    kind of business); those after where she is now are kept for her return."""
    walked = path(form, answers, stop=target)
    kept = {form.question(s).answer_key for s in walked}
    reach = form.index(target) if walked[-1] == target else form.index(walked[-1])
    for q in form.questions[:reach]:
        if q.answer_key not in kept:
            answers.pop(q.answer_key, None)
    return answers


def _answered(value: Any) -> bool:
    return value is not None and value != () and value != []


def _has(q: Question, answers: Answers) -> bool:
    """Answered, or skipped (a skippable question's None)."""
    return _answered(answers.get(q.answer_key)) or (q.skippable and q.answer_key in answers)
