"""A due check-in answered with her companion during a visit (issue 11).

The same questions as her own check-in (wrse_bot/forms/checkin.py), run on
the engine service with the companion as owner and the check-in as subject.
Her desa is checked when it opens and at every input; the answers land in the
check-in's own columns, marked ``via_companion``; follow-ups open as when she
answers herself. Her own "Mulai" then finds the check-in finished.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.db.models import ActiveForm, CheckIn, Registrant
from wrse_bot.domain.statuses import CheckInStatus, FormName
from wrse_bot.domain.text import N_
from wrse_bot.forms.checkin import CHECKIN
from wrse_bot.forms.model import Answers
from wrse_bot.services.checkins import OPEN, STARTABLE, _write, answered, answers_of
from wrse_bot.services.companions import may_see
from wrse_bot.services.forms import FormSpec, Status
from wrse_bot.services.notices import Notice
from wrse_bot.services.roles import COMPANIONS, audit

NO_RESPONSE, REASKED = CheckInStatus.NO_RESPONSE, CheckInStatus.REASKED
VIA = replace(CHECKIN, name=FormName.CHECKIN_VIA)
SAVED = N_("Saved: her check-in answers, marked as given with you. Thank you!")


async def _row(s: AsyncSession, form: ActiveForm) -> tuple[CheckIn, Registrant] | None:
    """The check-in and her registration, if she is a woman of this companion's desa."""
    stmt = select(CheckIn).where(CheckIn.id == form.subject)
    if s.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    ci = await s.scalar(stmt)
    reg = (
        await s.scalar(select(Registrant).where(Registrant.user_id == ci.user_id))
        if ci is not None
        else None
    )
    if not await may_see(s, form.user_id, reg.id if reg else None, what="checkin_via"):
        return None
    assert ci is not None and reg is not None
    return ci, reg


class ViaCompanion:
    async def load(self, s: AsyncSession, form: ActiveForm) -> Answers | None:
        found = await _row(s, form)
        return answers_of(found[0]) if found is not None and found[0].status in OPEN else None

    async def save(
        self, s: AsyncSession, form: ActiveForm, before: Answers, after: Answers
    ) -> None:
        found = await _row(s, form)
        assert found is not None  # load() found it in this transaction
        _write(found[0], before, after)


async def _begin(s: AsyncSession, form: ActiveForm) -> Status | None:
    found = await _row(s, form)
    if found is None:
        return Status.REFUSED
    ci = found[0]
    if ci.status not in STARTABLE:
        return Status.CLOSED
    if ci.status == NO_RESPONSE:
        ci.status = REASKED
    return None


async def _finish(s: AsyncSession, form: ActiveForm, answers: Answers) -> tuple[Notice, ...]:
    found = await _row(s, form)
    assert found is not None
    ci, reg = found
    ci.via_companion = form.user_id
    await answered(s, ci, reg.monthly_income)
    audit(s, form.user_id, "checkin:via_companion", registrant_id=reg.id, detail=f"#{ci.id}")
    return (Notice(form.user_id, SAVED),)


SPEC = FormSpec(VIA, store=ViaCompanion(), begin=_begin, finish=_finish, roles=COMPANIONS)
