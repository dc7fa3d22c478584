"""Visit notes on the engine service (issue 11): a companion records a home
visit to one woman of her desa (wrse_bot/forms/visit.py). Her desa is checked
when the form opens and again at every input (an admin may change them
meanwhile); a look outside is refused and audit-logged. Saving writes the
``Visit`` row and audit-logs it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import today_wib
from wrse_bot.db.models import ActiveForm, Registrant, Visit
from wrse_bot.domain.text import N_, Day, Msg
from wrse_bot.domain.visits import VISIT_OBSTACLES
from wrse_bot.forms.model import Answers
from wrse_bot.forms.visit import VISIT, day_of, obstacles_of
from wrse_bot.services.companions import may_see
from wrse_bot.services.follow_up_holders import resolve_by_visit
from wrse_bot.services.forms import FormSpec, InRow, Status
from wrse_bot.services.notices import Notice
from wrse_bot.services.roles import COMPANIONS, audit

SAVED = N_("Saved: your visit to {name} on {date}. Next step by {next}.")
CLOSED_FOLLOW_UPS = N_("Her open follow-ups that you held are marked resolved by this visit.")


class VisitFacts(InRow):
    async def load(self, s: AsyncSession, row: ActiveForm) -> Answers | None:
        if not await may_see(s, row.user_id, row.subject, what="visit"):
            return None
        reg = await s.get(Registrant, row.subject)
        assert reg is not None
        answers = dict(await super().load(s, row) or {})
        answers.update(_today=today_wib().isoformat(), _name=reg.full_name)
        return answers

    async def save(self, s: AsyncSession, row: ActiveForm, before: Answers, after: Answers) -> None:
        row.answers = {k: v for k, v in after.items() if not k.startswith("_")}


async def _begin(s: AsyncSession, row: ActiveForm) -> Status | None:
    return None if await may_see(s, row.user_id, row.subject, what="visit") else Status.REFUSED


async def _finish(s: AsyncSession, row: ActiveForm, answers: Answers) -> tuple[Notice, ...]:
    assert row.subject is not None
    visit = Visit(
        registrant_id=row.subject,
        companion_id=row.user_id,
        visited_on=day_of(answers, "visited_on"),
        talked=answers["talked"],
        obstacles=list(obstacles_of(answers)),
        next_step=answers["next_step"],
        next_on=day_of(answers, "next_on"),
    )
    s.add(visit)
    await s.flush()
    audit(s, row.user_id, "visit:record", registrant_id=row.subject, detail=f"#{visit.id}")
    reg = await s.get(Registrant, row.subject)  # her name: the stored answers keep no "_" facts
    closed = await resolve_by_visit(s, row.user_id, reg.user_id if reg else None)
    return (
        Notice(
            row.user_id,
            SAVED,
            {
                "name": (reg.full_name if reg else None) or answers.get("_name") or "-",
                "date": Day(visit.visited_on),
                "next": Day(visit.next_on) if visit.next_on else "-",
            },
            lines=(CLOSED_FOLLOW_UPS,) if closed else (),
        ),
    )


def facts_for_review(answers: Answers) -> dict[str, Any]:
    seen = obstacles_of(answers)
    return {
        "name": answers.get("_name") or "-",
        "date": Day(day_of(answers, "visited_on")) if answers.get("visited_on") else "-",
        "talked": answers.get("talked") or "-",
        "obstacles": [Msg(VISIT_OBSTACLES[o][0]) for o in seen if o in VISIT_OBSTACLES],
        "next_step": answers.get("next_step") or "-",
        "next_on": Day(day_of(answers, "next_on")) if answers.get("next_on") else "-",
    }


SPEC = FormSpec(VISIT, store=VisitFacts(), begin=_begin, finish=_finish, roles=COMPANIONS)
