"""The one engine service on SQLite and PostgreSQL: one open form a person,
answers saved with the update's claim, stale buttons and double taps change
nothing, a second form pauses the first and offers it back, /batal keeps or
discards, a question saved but never sent is owed, answers are encrypted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import make_settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, AuditEvent
from wrse_bot.domain.statuses import FormName
from wrse_bot.forms.engine import Answer, Problem
from wrse_bot.forms.model import Choice, Form, Question
from wrse_bot.runtime import Runtime
from wrse_bot.services.forms import FormRunner, FormSpec, InRow, Status
from wrse_bot.services.notices import Notice

OWNER = 4242

# Two small forms of the test's own, under names the database accepts (FormName).
NOTE = Form(
    FormName.FOLLOW_UP_NOTE,
    (
        Question("title", "Title?", parse=lambda text, _: text),
        Question("urgent", "Urgent?", choices=(Choice("yes", "Yes"), Choice("no", "No"))),
    ),
)
TOPIC = Form(FormName.BROADCAST, (Question("topic", "Topic?", parse=lambda text, _: text),))


async def finish_note(s: AsyncSession, row: ActiveForm, answers: Any) -> tuple[Notice, ...]:
    return (Notice(row.user_id, "Saved {title}", {"title": answers["title"]}),)


@pytest.fixture
async def runner(db_url: str) -> AsyncIterator[FormRunner]:
    Runtime.build(make_settings(db_url))  # configures the encryption key
    db = Database(db_url)
    yield FormRunner(
        db,
        [
            FormSpec(NOTE, finish=finish_note, audit="note_form"),
            FormSpec(TOPIC, keep_on_cancel=True),
        ],
    )
    await db.dispose()


def typed(value: str) -> Answer:
    return Answer("text", value)


async def test_answers_are_kept_between_inputs_and_finishing_returns_its_notices(
    runner: FormRunner,
) -> None:
    view = await runner.open(OWNER, NOTE.name, update_id=1)
    assert (view.status, view.step) == (Status.ASK, "title")
    view = await runner.handle(OWNER, 2, typed("Pasar"))
    assert (view.status, view.step) == (Status.ASK, "urgent")
    view = await runner.handle(OWNER, 3, Answer("choice", "yes", view.rev), form=NOTE.name)
    assert view.status == Status.DONE
    assert view.notices == (Notice(OWNER, "Saved {title}", {"title": "Pasar"}),)
    assert await runner.active(OWNER) is None
    async with runner.db.sessions() as s:
        actions = list(await s.scalars(text("SELECT action FROM audit_events")))
    assert actions == ["note_form"]
    assert AuditEvent.__tablename__ == "audit_events"


async def test_a_redelivered_update_changes_nothing(runner: FormRunner) -> None:
    await runner.open(OWNER, NOTE.name, update_id=1)
    first = await runner.handle(OWNER, 2, typed("Pasar"))
    runner.delivered(first)  # its question reached her
    again = await runner.handle(OWNER, 2, typed("Lain"))
    assert again.status == Status.DUPLICATE
    assert (await runner.handle(OWNER, 3, typed("x"))).step == first.step  # still "urgent"


async def test_a_redelivered_update_whose_question_never_went_out_owes_it(
    runner: FormRunner,
) -> None:
    await runner.open(OWNER, NOTE.name, update_id=1)
    first = await runner.handle(OWNER, 2, typed("Pasar"))  # saved; the send failed
    again = await runner.handle(OWNER, 2, typed("Pasar"))  # so Telegram sends it again
    assert again.status == Status.ASK and (again.step, again.rev) == (first.step, first.rev)


async def test_an_old_button_is_stale_and_the_one_just_replaced_a_double_tap(
    runner: FormRunner,
) -> None:
    opened = await runner.open(OWNER, NOTE.name, update_id=1)
    asked = await runner.handle(OWNER, 2, typed("Pasar"))
    assert asked.rev == opened.rev + 1
    tap = await runner.handle(OWNER, 3, Answer("choice", "yes", opened.rev - 1), form=NOTE.name)
    assert tap.status == Status.STALE and tap.step == "urgent"
    tap = await runner.handle(OWNER, 4, Answer("choice", "yes", asked.rev - 1), form=NOTE.name)
    assert tap.status == Status.DOUBLE_TAP
    # A help button her answer replaced asked nothing: she is shown where she is.
    tap = await runner.handle(OWNER, 5, Answer("choice", "help", asked.rev - 1), form=NOTE.name)
    assert tap.status == Status.STALE and tap.step == "urgent"
    help_ = await runner.handle(OWNER, 6, Answer("choice", "help", asked.rev), form=NOTE.name)
    assert help_.status == Status.HELP and help_.step == "urgent"


async def test_opening_a_second_form_pauses_the_first_and_offers_it_back(
    runner: FormRunner,
) -> None:
    await runner.open(OWNER, NOTE.name, update_id=1)
    await runner.handle(OWNER, 2, typed("Pasar"))
    view = await runner.open(OWNER, TOPIC.name, update_id=3)
    assert view.paused == NOTE.name
    assert await runner.active(OWNER) == (TOPIC.name, None)
    done = await runner.handle(OWNER, 4, typed("Modal"))
    assert done.status == Status.DONE and done.resumable == NOTE.name
    back = await runner.open(OWNER, NOTE.name, update_id=5)
    assert back.step == "urgent"  # where she left it, her title kept


async def test_batal_keeps_a_form_that_says_so_and_discards_the_others(
    runner: FormRunner,
) -> None:
    await runner.open(OWNER, TOPIC.name, update_id=1)
    kept = await runner.cancel(OWNER, 2)
    assert kept.status == Status.CANCELLED and kept.kept
    assert await runner.paused_forms(OWNER) == [TOPIC.name]
    await runner.open(OWNER, NOTE.name, update_id=3)
    gone = await runner.cancel(OWNER, 4)
    assert not gone.kept and await runner.paused_forms(OWNER) == [TOPIC.name]
    assert (await runner.handle(OWNER, 5, typed("x"))).status == Status.NONE


async def test_a_question_saved_but_never_sent_is_owed(runner: FormRunner) -> None:
    await runner.open(OWNER, NOTE.name, update_id=1)
    asked = await runner.handle(OWNER, 2, typed("Pasar"))
    owed = await runner.owed()
    assert [(v.owner, v.step, v.rev) for v in owed] == [(OWNER, "urgent", asked.rev)]
    runner.delivered(asked)
    await runner.flush()
    assert await runner.owed() == []


async def test_answers_are_encrypted_at_rest(runner: FormRunner) -> None:
    await runner.open(OWNER, NOTE.name, update_id=1)
    await runner.handle(OWNER, 2, typed("Rahasia Pasar"))
    async with runner.db.sessions() as s:
        stored = await s.scalar(text("SELECT answers FROM active_forms"))
    assert stored and "Rahasia" not in stored


async def test_a_staff_form_refuses_others_and_whoever_lost_the_role_mid_form(
    db_url: str,
) -> None:
    staff = {OWNER}
    Runtime.build(make_settings(db_url))  # configures the encryption key
    db = Database(db_url)

    async def role_of(s: AsyncSession, uid: int) -> str | None:
        return "staff" if uid in staff else None

    runner = FormRunner(db, [FormSpec(NOTE, roles=frozenset({"staff"}))], role_of)
    try:
        assert (await runner.open(999, NOTE.name, update_id=1)).status == Status.REFUSED
        assert (await runner.open(OWNER, NOTE.name, update_id=2)).status == Status.ASK
        staff.clear()  # an admin took her role away
        assert (await runner.handle(OWNER, 3, typed("Pasar"))).status == Status.REFUSED
        assert await runner.active(OWNER) is None
        async with db.sessions() as s:
            refused = list(await s.scalars(text("SELECT detail FROM audit_events")))
        assert refused == [NOTE.name, NOTE.name]
    finally:
        await db.dispose()


async def test_the_database_refuses_two_open_forms_for_one_person(runner: FormRunner) -> None:
    with pytest.raises(IntegrityError):
        async with runner.db.transaction() as s:
            for form in (NOTE.name, TOPIC.name):
                s.add(ActiveForm(user_id=OWNER, form=form, rev=0, prompted_rev=-1, misses=0))
                await s.flush()


# ---- the answer path on PostgreSQL: read, then save with the claim in one statement ----
# A form's hooks may use the database (a check, filing); then the whole answer runs in
# one transaction instead. Either way an answer is saved once and a copy changes nothing.

KNOWN = Form(
    FormName.FOLLOW_UP_NOTE,
    (
        Question("code", "Code?", parse=lambda text, _: text),
        Question("urgent", "Urgent?", choices=(Choice("yes", "Yes"), Choice("no", "No"))),
    ),
)


async def refuse_unknown_code(s: AsyncSession, row: ActiveForm, before: Any, after: Any) -> Any:
    """A check that asks the database (as the NIK limit does)."""
    code = after.answers.get("code")
    if code is None or await s.scalar(text("SELECT :c = 'K1'"), {"c": code}):
        return None
    return Problem("Unknown code")


@pytest.fixture
async def checked(db_url: str) -> AsyncIterator[FormRunner]:
    Runtime.build(make_settings(db_url))
    db = Database(db_url)
    yield FormRunner(db, [FormSpec(KNOWN, check=refuse_unknown_code)])
    await db.dispose()


async def test_a_check_that_reads_the_database_refuses_and_accepts(checked: FormRunner) -> None:
    await checked.open(OWNER, KNOWN.name, update_id=1)
    refused = await checked.handle(OWNER, 2, typed("K9"))
    assert (refused.status, refused.step) == (Status.ASK, "code")
    assert refused.problem == Problem("Unknown code")
    accepted = await checked.handle(OWNER, 3, typed("K1"))
    assert (accepted.step, accepted.problem) == ("urgent", None)
    checked.delivered(accepted)
    assert (await checked.handle(OWNER, 3, typed("K1"))).status == Status.DUPLICATE


async def test_an_answer_saved_without_a_transaction_is_there_after_a_restart(
    runner: FormRunner, db_url: str
) -> None:
    await runner.open(OWNER, NOTE.name, update_id=1)
    asked = await runner.handle(OWNER, 2, typed("Pasar"))
    runner.delivered(asked)
    await runner.flush()
    again = FormRunner(runner.db, runner.specs.values())  # a new process, the same rows
    assert (await again.current(OWNER, NOTE.name)).step == "urgent"  # type: ignore[union-attr]
    assert (await again.handle(OWNER, 2, typed("Pasar"))).status == Status.DUPLICATE


async def test_a_form_moved_on_between_reading_and_saving_is_not_overwritten(
    pg_url: str,
) -> None:
    """PostgreSQL reads her form outside a transaction: if it moves on meanwhile
    (here: a store that lets another writer in first), her words are read against
    the form as it now stands, and nothing is saved over the other's change."""
    Runtime.build(make_settings(pg_url))
    db = Database(pg_url)

    class Racing(InRow):
        raced = False

        async def save(self, s: AsyncSession, row: ActiveForm, before: Any, after: Any) -> None:
            if not self.raced:  # someone else saves "title" first
                self.raced = True
                async with db.transaction() as other:
                    await other.execute(
                        text("UPDATE active_forms SET rev = rev + 1, step = 'urgent'")
                    )
            await super().save(s, row, before, after)

    runner = FormRunner(db, [FormSpec(NOTE, store=Racing())])
    try:
        await runner.open(OWNER, NOTE.name, update_id=1)
        view = await runner.handle(OWNER, 2, typed("Pasar"))
        # Read against "urgent", the question the other writer moved her to: refused.
        assert (view.status, view.step) == (Status.ASK, "urgent")
        assert view.problem is not None
        now = await runner.current(OWNER, NOTE.name)
        assert now is not None and "title" not in now.state.answers
        runner.delivered(view)
        assert (await runner.handle(OWNER, 2, typed("Pasar"))).status == Status.DUPLICATE
    finally:
        await db.dispose()
