"""The class forms through the one engine service on a real database: what
finishing does happens in the form's transaction, and only for staff, now
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from tests.conftest import make_settings
from wrse_bot.clock import WIB, now
from wrse_bot.db.models import ActiveForm, RoleGrant, TrainingClass
from wrse_bot.forms.engine import Answer
from wrse_bot.runtime import Runtime
from wrse_bot.services.forms import FormRunner, Status

STAFF, WOMAN = 5501, 5502
YEAR = now().astimezone(WIB).year + 1
ANSWERS = (
    ("choice", "menjahit"),
    ("text", "Menjahit Dasar"),
    ("text", "Belajar menjahit dari nol."),
    ("text", "Balai Desa Beji"),
    ("text", "Junrejo"),
    ("text", "Bu Sri"),
    ("text", "20"),
    ("text", f"1 Desember {YEAR} 09.00-12.00"),
    ("text", "selesai"),
    ("text", f"25 November {YEAR} 17.00"),
)


@pytest.fixture
async def runtime(db_url: str) -> AsyncIterator[Runtime]:
    rt = Runtime.build(make_settings(db_url))
    async with rt.db.transaction() as s:
        s.add(RoleGrant(user_id=STAFF, role="staff"))
    yield rt
    await rt.db.dispose()


async def to_preview(forms: FormRunner) -> int:
    view = await forms.open(STAFF, "class")
    for kind, value in ANSWERS:
        view = await forms.handle(STAFF, None, Answer(kind, value, view.rev))  # type: ignore[arg-type]
        assert view.problem is None, (value, view)
    assert view.step == "review"
    return view.rev


async def classes(rt: Runtime) -> int:
    async with rt.db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(TrainingClass)) or 0)


async def test_publishing_creates_the_class_and_closes_the_form(runtime: Runtime) -> None:
    rev = await to_preview(runtime.forms)
    done = await runtime.forms.handle(STAFF, None, Answer("choice", "submit", rev), form="class")
    assert done.status == Status.DONE and len(done.notices) == 1
    assert await classes(runtime) == 1
    assert await runtime.forms.active(STAFF) is None


async def test_a_role_taken_away_mid_form_publishes_nothing(runtime: Runtime) -> None:
    rev = await to_preview(runtime.forms)
    async with runtime.db.transaction() as s:
        await s.execute(delete(RoleGrant).where(RoleGrant.user_id == STAFF))
    done = await runtime.forms.handle(STAFF, None, Answer("choice", "submit", rev), form="class")
    assert done.status == Status.REFUSED and not done.notices
    assert await classes(runtime) == 0 and await runtime.forms.active(STAFF) is None


async def test_only_staff_may_open_the_class_forms(runtime: Runtime) -> None:
    assert (await runtime.forms.open(WOMAN, "class")).status == Status.REFUSED
    assert (await runtime.forms.open(WOMAN, "class_edit", 1)).status == Status.REFUSED
    assert (await runtime.forms.open(STAFF, "class_edit", 999)).status == Status.CLOSED  # no class
    async with runtime.db.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(ActiveForm)) == 0


async def test_a_publish_refused_at_the_last_tap_keeps_the_draft_on_the_preview(
    runtime: Runtime,
) -> None:
    """The deadline passed while the preview stood: "Terbitkan" says so, nothing
    is published, and her answers wait on the preview for the one to change."""
    rev = await to_preview(runtime.forms)
    async with runtime.db.transaction() as s:  # time passes: the deadline is now behind us
        row = await s.scalar(select(ActiveForm).where(ActiveForm.user_id == STAFF))
        assert row is not None and row.answers is not None
        row.answers = {**row.answers, "deadline": (now() - timedelta(hours=1)).isoformat()}
    refused = await runtime.forms.handle(STAFF, None, Answer("choice", "submit", rev), form="class")
    assert refused.status == Status.ASK and refused.step == "review"
    assert refused.problem is not None
    assert refused.problem.message == "The enrolment deadline has already passed."
    assert await classes(runtime) == 0
    assert await runtime.forms.active(STAFF) == ("class", None)
    assert refused.state.answers["title"] == "Menjahit Dasar"  # the draft, whole

    view = await runtime.forms.handle(
        STAFF, None, Answer("choice", "edit_deadline", refused.rev), form="class"
    )
    view = await runtime.forms.handle(
        STAFF, None, Answer("text", f"25 November {YEAR} 17.00", view.rev)
    )
    assert view.step == "review" and view.problem is None
    done = await runtime.forms.handle(
        STAFF, None, Answer("choice", "submit", view.rev), form="class"
    )
    assert done.status == Status.DONE and await classes(runtime) == 1
