"""The one engine service: every form runs through here (issue 10).

A form is a table (wrse_bot/forms/model.py) and its rules a pure transition
(wrse_bot/forms/engine.py). This service does, once for every form:

* **one active form per person**, in ``active_forms``: a message goes to the
  open one; opening another pauses it, and when the new one ends she is
  offered to return (``FormView.resumable``);
* the **claim of the update** (a redelivered update changes nothing) in the
  same transaction that saves the answer and the new state: on PostgreSQL in
  the very statement that reads her open form;
* the **revision check** on every button, the help button included: a button
  of an earlier question changes nothing (``STALE``; the one just replaced is
  a ``DOUBLE_TAP``);
* the **owed question**: the rev whose question reached Telegram is recorded
  (``delivered``); one saved but never sent (a crash between) is in ``owed()``;
* **/batal**: a form that keeps its answers is paused (she resumes it later),
  any other is discarded;
* **help after N misses** (the engine's ``OfferHelp``), and the **audit** of a
  staff form when it is finished;
* a form's **check against the database** (``FormSpec.check``) of an answer
  the transition accepted: refused, it is a miss and the same question again.

A ``FormSpec`` says where a form's answers live (its own row, or this table,
encrypted) and what finishing it does, in the same transaction; finishing
returns typed notices (services/notices.py) for the renderer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError, UnboundExecutionError
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm
from wrse_bot.forms.engine import (
    Answer,
    Ask,
    FormState,
    OfferHelp,
    Outcome,
    Problem,
    Redraw,
    Stale,
    advance,
    refuse,
    start,
)
from wrse_bot.forms.model import DONE, Answers, Form
from wrse_bot.services.prompts import PromptLedger
from wrse_bot.services.roles import audit
from wrse_bot.services.updates import claim_after, claim_if, claim_params, claim_update, seen

HELP = "help"  # the help button's code: checked against the revision like any other


class Status(StrEnum):
    ASK = "ask"  # send the open question (with ``problem`` when her answer was refused)
    TOGGLED = "toggled"  # a multiple choice changed: redraw its buttons in place
    DONE = "done"  # finished: send ``notices``
    STALE = "stale"  # a button of an earlier question; the open one is in ``state``
    DOUBLE_TAP = "double_tap"  # the same button again before the bot caught up
    DUPLICATE = "duplicate"  # Telegram delivered this update before
    HELP = "help"  # she asked for help on the open question
    CLOSED = "closed"  # the form's subject is gone or no longer open
    REFUSED = "refused"  # not hers to open (a forged button)
    CANCELLED = "cancelled"  # /batal: discarded, or ``kept`` for later
    NONE = "none"  # no open form: the message is not for a form


@dataclass(frozen=True)
class FormView:
    status: Status
    owner: int
    form: str | None = None
    subject: int | None = None
    state: FormState = field(default_factory=lambda: FormState(None))
    problem: Problem | None = None
    offer_help: bool = False
    notices: tuple[Any, ...] = ()
    paused: str | None = None  # the form she left to open this one
    resumable: str | None = None  # a paused form to offer once this one ends
    kept: bool = False  # /batal kept her answers

    @property
    def step(self) -> str | None:
        return self.state.step

    @property
    def rev(self) -> int:
        return self.state.rev


class Store(Protocol):
    """Where a form's answers live between inputs."""

    async def load(self, s: AsyncSession, row: ActiveForm) -> Answers | None:
        """Her answers so far; None when the subject is gone or closed."""

    async def save(self, s: AsyncSession, row: ActiveForm, before: Answers, after: Answers) -> None:
        """Write the answers that changed."""


class InRow:
    """Answers kept in the active_forms row itself, as one encrypted document."""

    async def load(self, s: AsyncSession, row: ActiveForm) -> Answers | None:
        return _tuples(row.answers or {})

    async def save(self, s: AsyncSession, row: ActiveForm, before: Answers, after: Answers) -> None:
        row.answers = dict(after)


IN_ROW = InRow()

Finish = Callable[[AsyncSession, ActiveForm, Answers], Awaitable[tuple[Any, ...]]]
# May the form open about this subject? None: yes; else CLOSED or REFUSED.
Begin = Callable[[AsyncSession, ActiveForm], Awaitable[Status | None]]
Help = Callable[[AsyncSession, ActiveForm, FormState], Awaitable[None]]
RoleOf = Callable[[AsyncSession, int], Awaitable[Any]]
# Read-only facts from the database that a form's choices and screens read (published
# classes, a recipient count), under keys starting with "_": never saved. Computed
# from her answers before the transition (the choices she answered) and again after
# it (the screen she sees next, which the answer may have changed). None: the
# form's subject is gone or closed.
Facts = Callable[[AsyncSession, ActiveForm, Answers], Awaitable[Mapping[str, Any] | None]]
FACT = "_"
# An accepted answer checked against the database before it is saved (a NIK typed
# once too often today, a desa no longer hers): her answers before (with the
# facts) and the state the transition reached. None lets it stand; a Problem
# refuses it, and the same question is asked again with it.
Check = Callable[[AsyncSession, ActiveForm, Answers, FormState], Awaitable[Problem | None]]


async def _nothing(s: AsyncSession, row: ActiveForm, answers: Answers) -> tuple[Any, ...]:
    return ()


@dataclass(frozen=True)
class FormSpec:
    form: Form
    finish: Finish = _nothing  # in the form's transaction; returns notices
    store: Store = IN_ROW
    begin: Begin | None = None  # may the form open about this subject (and note it)?
    help: Help | None = None  # she asked for help on the open question: tell someone
    facts: Facts | None = None
    # /batal pauses it for later instead of discarding (or: by its row)
    keep_on_cancel: bool | Callable[[ActiveForm], bool] = False
    audit: str | None = None  # a staff form: this audit action when finished
    roles: frozenset[str] | None = None  # who may use it, checked on every input (None: anyone)
    check: Check | None = None  # an accepted answer checked against the database

    @property
    def name(self) -> str:
        return self.form.name


class FormRunner:
    def __init__(
        self, db: Database, specs: Iterable[FormSpec], role_of: RoleOf | None = None
    ) -> None:
        self.db = db
        self._role_of = role_of
        self.specs: Mapping[str, FormSpec] = {spec.name: spec for spec in specs}
        self._prompts = PromptLedger(db, ActiveForm.__table__, "id")
        self._rows: dict[tuple[int, str], int] = {}  # (owner, form) -> row id, for delivered()

    # ---- lookups ------------------------------------------------------------------

    async def active(self, owner: int) -> tuple[str, int | None] | None:
        """Her open form and its subject, if any."""
        async with self.db.sessions() as s:
            row = (await s.execute(_open(owner))).first()
            return None if row is None else (row.form, row.subject)

    async def owed(self) -> list[FormView]:
        """Open questions saved but never delivered (the process died in between)."""
        async with self.db.sessions() as s:
            rows = await s.scalars(
                select(ActiveForm).where(
                    ActiveForm.paused.is_(False),
                    ActiveForm.step.is_not(None),
                    ActiveForm.step != DONE,
                    ActiveForm.prompted_rev != ActiveForm.rev,
                    ActiveForm.form.in_(self.specs),
                )
            )
            views = []
            for row in rows:
                answers = await _load(s, self.specs[row.form], row)
                if answers is not None:
                    self._rows[(row.user_id, row.form)] = row.id
                    views.append(self._view(Status.ASK, row, _state(row, answers)))
            return views

    async def current(self, owner: int, form: str) -> FormView | None:
        """Her open ``form``'s question, to show again (after a command, a greeting)."""
        async with self.db.sessions() as s:
            row = await _mine_row(s, owner, lock=False)
            if row is None or row.form != form or row.step in (None, DONE):
                return None
            answers = await _load(s, self.specs[form], row)
            if answers is None:
                return None
            self._rows[(owner, form)] = row.id
            return self._view(Status.ASK, row, _state(row, answers))

    def delivered(self, view: FormView) -> None:
        """The question drawn for ``view.rev`` reached Telegram: nothing is owed."""
        row_id = self._rows.get((view.owner, view.form or ""))
        if row_id is not None:
            self._prompts.delivered(row_id, view.rev)

    async def flush(self) -> None:
        await self._prompts.flush()

    # ---- the conversation -----------------------------------------------------------

    async def open(
        self, owner: int, form: str, subject: int | None = None, *, update_id: int | None = None
    ) -> FormView:
        """Open ``form`` (or return to it where she stopped); the one open is paused."""
        spec = self.specs[form]
        async with self.db.transaction() as s:
            if not await self._may(s, spec, owner):
                return FormView(Status.REFUSED, owner, form, subject)
            if not await claim_update(s, update_id):
                return FormView(Status.DUPLICATE, owner, form, subject)
            rows = list(
                await s.scalars(_lock(s, select(ActiveForm).where(ActiveForm.user_id == owner)))
            )
            row = next((r for r in rows if r.form == form), None)
            if row is not None and row.subject != subject and subject is not None:
                await s.delete(row)  # a form about another subject replaces this one
                await s.flush()
                row = None
            new = row is None
            if row is None:  # added only once allowed: a refused one leaves no trace
                row = ActiveForm(user_id=owner, form=form, subject=subject, rev=0, misses=0)
                row.prompted_rev, row.paused = -1, False
            refusal = await spec.begin(s, row) if spec.begin is not None else None
            if refusal is not None:
                return FormView(refusal, owner, form, subject)
            if new:
                s.add(row)
            with s.no_autoflush:  # facts are read before the other is paused: not yet added
                answers = await _load(s, spec, row)
            if answers is None:
                return FormView(Status.CLOSED, owner, form, subject)
            paused = None
            for other in rows:
                if other is not row and not other.paused:
                    other.paused, paused = True, other.form
            await s.flush()  # the other is paused before this one is open
            row.paused = False
            outcome = start(spec.form, _state(row, answers))
            _write(row, outcome.state)
            await s.flush()
            self._rows[(owner, form)] = row.id
            return replace(self._view(Status.ASK, row, outcome.state), paused=paused)

    async def handle(
        self, owner: int, update_id: int | None, ans: Answer, *, form: str | None = None
    ) -> FormView:
        """Her input to her open form (a button names its form: it must be the open one)."""
        try:
            return await self._handle(owner, update_id, ans, form)
        except IntegrityError:
            # Two people finished with the same unique value at the same instant (a
            # NIK) and the database let only one hold it: replayed, this one sees it.
            return await self._handle(owner, update_id, ans, form)

    async def _handle(
        self, owner: int, update_id: int | None, ans: Answer, form: str | None
    ) -> FormView:
        if update_id is not None and self.db.autocommit is not None and ans.kind != "help":
            view = await self._handle_quickly(owner, update_id, ans, form)
            if view is not None:
                return view
        async with self.db.transaction() as s:
            row, claimed = await _claim_mine(s, owner, update_id)
            return await self._apply(s, owner, row, claimed, ans, form, lambda r: _save(s, r))

    async def _handle_quickly(
        self, owner: int, update_id: int, ans: Answer, form: str | None
    ) -> FormView | None:
        """PostgreSQL, in two round trips instead of four (BEGIN, read, save, COMMIT):
        her form is read outside a transaction, and the new state saved together
        with the update's claim in one guarded statement (``_SAVE_CLAIMED``). The
        hooks get a session bound to nothing: one that needs the database (filing,
        a NIK check, help, a role) raises, and the full transaction runs instead,
        as it does for a copy, a stale button, or a row that moved meanwhile. None:
        take the full path."""
        assert self.db.autocommit is not None
        params = claim_params(update_id)
        async with self.db.autocommit.connect() as conn:
            found = (await conn.execute(_PEEK, {"uid": owner, **params})).first()
            if found is None:
                return FormView(Status.NONE, owner, form)  # nothing is claimed without a form
            values = found._asdict()
            if values.pop("seen"):
                return None
            row, saved = ActiveForm(**values), False
            guard = {"old_step": row.step, "old_rev": row.rev, "old_misses": row.misses}

            async def save(row: ActiveForm) -> None:
                nonlocal saved
                if s.sync_session.new or s.sync_session.dirty or s.sync_session.deleted:
                    raise _NeedsTransactionError
                row.updated_at = now()
                new = {f"new_{name}": getattr(row, name) for name in _SAVED}
                done = await conn.execute(_SAVE_CLAIMED, {"rid": row.id, **guard, **new, **params})
                if done.first() is None:  # claimed or changed meanwhile
                    raise _NeedsTransactionError
                saved = True

            s = AsyncSession()
            try:
                view = await self._apply(s, owner, row, True, ans, form, save)
            except (UnboundExecutionError, _NeedsTransactionError):
                return None
            finally:
                await s.close()
        return view if saved else None  # nothing saved, nothing claimed: the full path claims

    async def _apply(
        self,
        s: AsyncSession,
        owner: int,
        row: ActiveForm | None,
        claimed: bool,
        ans: Answer,
        form: str | None,
        save: Callable[[ActiveForm], Awaitable[None]],
    ) -> FormView:
        """Her input to her form's ``row`` (read, and ``claimed`` or not), in ``s``;
        ``save`` writes the row's new state."""
        if row is None or row.form not in self.specs:
            return FormView(Status.NONE, owner, form)
        spec = self.specs[row.form]
        if not await self._may(s, spec, owner):  # her role was taken away meanwhile
            await s.execute(_DELETE, {"rid": row.id})
            return FormView(Status.REFUSED, owner, row.form, row.subject)
        before = await _load(s, spec, row)
        if before is None:  # its subject ended elsewhere: a message is not for it
            await s.execute(_DELETE, {"rid": row.id})
            status = Status.CLOSED if ans.kind == "choice" else Status.NONE
            return FormView(status, owner, row.form, row.subject)
        state = _state(row, before)
        if not claimed:  # Telegram delivered this update before
            return self._redelivered(row, state)
        if form is not None and row.form != form:  # a button of a form she left
            return self._view(Status.STALE, row, state)
        if ans.kind == "help" and spec.help is None:
            ans = Answer("text", ans.value)  # the words, to a form nobody helps with
        if ans.kind == "help" or (ans.kind == "choice" and ans.value == HELP):
            return await self._help(s, spec, row, state, ans, save)
        outcome = advance(spec.form, state, ans)
        if not outcome.changed:  # a stale button: nothing to save
            return self._outcome(row, outcome)
        if spec.check is not None:
            problem = await spec.check(s, row, before, outcome.state)
            if problem is not None:
                outcome = refuse(spec.form, state, problem)
                if spec.help is not None:  # typing again will not do: a person may
                    outcome = replace(outcome, effects=(*outcome.effects, OfferHelp()))
        await spec.store.save(s, row, _plain(before), _plain(outcome.state.answers))
        _write(row, outcome.state)
        if outcome.state.step == DONE:
            notices = await spec.finish(s, row, _plain(outcome.state.answers))
            if spec.audit:
                audit(s, owner, spec.audit, detail=row.form)
            await s.execute(_DELETE, {"rid": row.id})
            view = self._view(Status.DONE, row, outcome.state)
            return replace(view, notices=notices, resumable=await _resumable(s, row))
        await save(row)
        self._rows[(owner, row.form)] = row.id
        if spec.facts is not None:  # what she sees next, by her new answers
            answers = await _load(s, spec, row, outcome.state.answers)
            if answers is not None:
                outcome = replace(outcome, state=replace(outcome.state, answers=answers))
        return self._outcome(row, outcome)

    async def cancel(
        self,
        owner: int,
        update_id: int | None = None,
        *,
        form: str | None = None,
        rev: int | None = None,
    ) -> FormView:
        """/batal: her open form is kept for later or discarded, as the form says.
        A form's own "Batal" button names the form and its revision: an old one is stale."""
        async with self.db.transaction() as s:
            row = await s.scalar(_lock(s, select(ActiveForm).where(_mine(owner))))
            if row is None:
                return FormView(Status.NONE, owner)
            if (form is not None and row.form != form) or (rev is not None and row.rev != rev):
                double = form == row.form and rev == row.rev - 1
                spec = self.specs.get(row.form)
                answers = await _load(s, spec, row) if spec is not None else {}
                status = Status.DOUBLE_TAP if double else Status.STALE
                return self._view(status, row, _state(row, answers or {}))
            if not await claim_update(s, update_id):
                return FormView(Status.DUPLICATE, owner, row.form, row.subject)
            keep = self.specs[row.form].keep_on_cancel if row.form in self.specs else False
            if callable(keep):
                keep = keep(row)
            if keep:
                row.paused = True
                return FormView(Status.CANCELLED, owner, row.form, row.subject, kept=True)
            await s.delete(row)
            view = FormView(Status.CANCELLED, owner, row.form, row.subject)
            return replace(view, resumable=await _resumable(s, row))

    async def discard(self, owner: int, form: str) -> None:
        """Forget her ``form`` (its subject ended elsewhere)."""
        async with self.db.transaction() as s:
            await s.execute(
                delete(ActiveForm).where(ActiveForm.user_id == owner, ActiveForm.form == form)
            )

    async def paused_forms(self, owner: int) -> list[str]:
        async with self.db.sessions() as s:
            found = await s.scalars(
                select(ActiveForm.form)
                .where(ActiveForm.user_id == owner, ActiveForm.paused.is_(True))
                .order_by(ActiveForm.updated_at.desc())
            )
            return list(found)

    # ---- pieces -----------------------------------------------------------------------

    async def _may(self, s: AsyncSession, spec: FormSpec, owner: int) -> bool:
        if spec.roles is None:
            return True
        role = await self._role_of(s, owner) if self._role_of is not None else None
        if role in spec.roles:
            return True
        audit(s, owner, "form:refused", detail=spec.name)  # a forged or revoked button
        return False

    async def _help(
        self,
        s: AsyncSession,
        spec: FormSpec,
        row: ActiveForm,
        state: FormState,
        ans: Answer,
        save: Callable[[ActiveForm], Awaitable[None]],
    ) -> FormView:
        # A help button names its question (one left on an earlier question shows
        # her where she is now); typed words ("Minta bantuan petugas", or the phone
        # question's keyboard) mean the open one.
        if ans.kind == "choice" and ans.rev != state.rev:
            return self._view(Status.STALE, row, state)
        if spec.help is not None:
            await spec.help(s, row, state)
        new = replace(state, rev=state.rev + 1, misses=0)  # the question is drawn again
        _write(row, new)
        await save(row)
        self._rows[(row.user_id, row.form)] = row.id
        return self._view(Status.HELP, row, new)

    def _redelivered(self, row: ActiveForm, state: FormState) -> FormView:
        """Applied before. If its question never went out (the process died between
        commit and send), it is owed now; otherwise nothing is said."""
        if row.prompted_rev == row.rev or self._prompts.sent(row.id, row.rev):
            return FormView(Status.DUPLICATE, row.user_id, row.form, row.subject, state)
        self._rows[(row.user_id, row.form)] = row.id
        return self._view(Status.ASK, row, state)

    def _outcome(self, row: ActiveForm, outcome: Outcome) -> FormView:
        status, problem, offer = Status.ASK, None, False
        for effect in outcome.effects:
            if isinstance(effect, Ask):
                problem = effect.problem
            elif isinstance(effect, Redraw):
                status = Status.TOGGLED
            elif isinstance(effect, Stale):
                status = Status.DOUBLE_TAP if effect.double_tap else Status.STALE
            elif isinstance(effect, OfferHelp):
                offer = True
        view = self._view(status, row, outcome.state)
        return replace(view, problem=problem, offer_help=offer)

    def _view(self, status: Status, row: ActiveForm, state: FormState) -> FormView:
        return FormView(status, row.user_id, row.form, row.subject, state)


async def offer(s: AsyncSession, owner: int, form: str, subject: int | None) -> None:
    """``form`` waits for her (a check-in was asked): her next message starts it.
    If another form is open, that one keeps her messages and this one waits, paused."""
    busy = await s.scalar(select(ActiveForm.id).where(_mine(owner), ActiveForm.form != form))
    row = await s.scalar(
        _lock(s, select(ActiveForm).where(ActiveForm.user_id == owner, ActiveForm.form == form))
    )
    if row is not None and row.subject == subject:
        return  # already waiting, or half answered: she goes on where she was
    if row is not None:
        await s.delete(row)
        await s.flush()
    s.add(
        ActiveForm(
            user_id=owner,
            form=form,
            subject=subject,
            rev=0,
            prompted_rev=-1,
            misses=0,
            paused=busy is not None,
        )
    )


async def _resumable(s: AsyncSession, ended: ActiveForm) -> str | None:
    """The form she paused most recently, to offer once ``ended`` is over."""
    return await s.scalar(
        select(ActiveForm.form)
        .where(ActiveForm.user_id == ended.user_id, ActiveForm.id != ended.id)
        .order_by(ActiveForm.updated_at.desc())
        .limit(1)
    )


async def _load(
    s: AsyncSession, spec: FormSpec, row: ActiveForm, answers: Answers | None = None
) -> Answers | None:
    """Her answers (``answers``, else the store's) with the form's facts, fresh."""
    if answers is None:
        answers = await spec.store.load(s, row)
    if answers is None or spec.facts is None:
        return answers
    facts = await spec.facts(s, row, _plain(answers))
    return None if facts is None else {**_plain(answers), **facts}


def _plain(answers: Answers) -> dict[str, Any]:
    """Her answers without the facts: what is saved."""
    return {k: v for k, v in answers.items() if not k.startswith(FACT)}


# Every answer passes here: her open form is read and written with prebuilt Core
# statements (composing a query or running the ORM's unit of work costs more CPU
# than SQLite takes to execute it), into a detached row the hooks read.
_T: Any = ActiveForm.__table__
_MINE = select(_T).where(_T.c.user_id == bindparam("uid"), _T.c.paused.is_(False))
_MINE_LOCKED = _MINE.with_for_update()
_SAVED = ("step", "rev", "misses", "answers", "updated_at")
_SAVE = (
    update(_T)
    .where(_T.c.id == bindparam("rid"))
    .values({name: bindparam(f"new_{name}", type_=_T.c[name].type) for name in _SAVED})
)
_DELETE = delete(_T).where(_T.c.id == bindparam("rid"))


async def _mine_row(s: AsyncSession, owner: int, *, lock: bool = True) -> ActiveForm | None:
    """Her open form's row (locked on PostgreSQL), detached: ``_save`` writes it."""
    stmt = _MINE_LOCKED if lock and s.bind.dialect.name == "postgresql" else _MINE
    found = (await s.execute(stmt, {"uid": owner})).first()
    return None if found is None else ActiveForm(**found._asdict())


# PostgreSQL: the update is claimed (if she has a form open) by the statement that
# reads and locks her form, one round trip for both.
_OPEN = (_T.c.user_id == bindparam("uid")) & _T.c.paused.is_(False)
_CLAIM = claim_if(select(_T.c.id).where(_OPEN).exists()).cte("claim")
_CLAIMED = select(_CLAIM.c.update_id).exists().label("claimed")
_CLAIMING = select(_T, _CLAIMED).where(_OPEN).with_for_update(of=_T)


# PostgreSQL's quick path (FormRunner._handle_quickly): her open form read outside a
# transaction, with whether this update was handled before; then her new state saved
# only if her row is as it was read and the update is new, claimed in the same statement.
_PEEK = select(_T, seen().label("seen")).where(_OPEN)
_CHANGED = (
    update(_T)
    .where(
        _T.c.id == bindparam("rid"),
        _T.c.step.is_not_distinct_from(bindparam("old_step", type_=_T.c.step.type)),
        _T.c.rev == bindparam("old_rev"),
        _T.c.misses == bindparam("old_misses"),
        ~seen(),
    )
    .values({name: bindparam(f"new_{name}", type_=_T.c[name].type) for name in _SAVED})
    .returning(_T.c.id)
    .cte("changed")
)
_SAVE_CLAIMED = claim_after(_CHANGED)


class _NeedsTransactionError(Exception):
    """The quick path met what only the full transaction may do."""


async def _claim_mine(
    s: AsyncSession, owner: int, update_id: int | None
) -> tuple[ActiveForm | None, bool]:
    """Her open form's row (``_mine_row``), and whether ``update_id`` was claimed
    with it (False: it was handled before). Nothing is claimed without a form."""
    if update_id is None or s.bind.dialect.name != "postgresql":
        row = await _mine_row(s, owner)
        return row, row is not None and await claim_update(s, update_id)
    params = {"uid": owner, **claim_params(update_id)}
    found = (await s.execute(_CLAIMING, params)).first()
    if found is None:
        return None, False
    values = found._asdict()
    claimed = bool(values.pop("claimed"))
    return ActiveForm(**values), claimed


async def _save(s: AsyncSession, row: ActiveForm) -> None:
    row.updated_at = now()
    values = {f"new_{name}": getattr(row, name) for name in _SAVED}
    await s.execute(_SAVE, {"rid": row.id, **values})


def _mine(owner: int) -> Any:
    return (ActiveForm.user_id == owner) & ActiveForm.paused.is_(False)


def _open(owner: int) -> Any:
    return select(ActiveForm.form, ActiveForm.subject).where(_mine(owner))


def _lock(s: AsyncSession, stmt: Any) -> Any:
    return stmt.with_for_update() if s.bind.dialect.name == "postgresql" else stmt


def _state(row: ActiveForm, answers: Answers) -> FormState:
    editing = (row.answers or {}).get("__editing__") if row.answers else None
    clean = {k: v for k, v in answers.items() if k != "__editing__"}
    return FormState(
        row.step, row.rev or 0, clean, row.misses or 0, _tuples(editing) if editing else None
    )


def _write(row: ActiveForm, state: FormState) -> None:
    row.step, row.rev, row.misses = state.step, state.rev, state.misses
    if state.editing is not None or (row.answers and "__editing__" in row.answers):
        answers = dict(row.answers or {})
        if state.editing is None:
            answers.pop("__editing__", None)
        else:
            answers["__editing__"] = _plain(state.editing)
        row.answers = answers


def _tuples(answers: Mapping[str, Any]) -> dict[str, Any]:
    """JSON has lists where the engine keeps tuples (a multiple choice)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()}


__all__ = ["FormRunner", "FormSpec", "FormView", "InRow", "Status", "Store"]
