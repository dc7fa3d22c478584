"""A companion's caseload (/dampingan, issue 11): the women of her desa, each
with her verdict, her latest class and attendance, her last check-in, open
follow-ups and the last visit, and why she needs a visit, if she does.

Only women of her desa (services/companions.py) are ever read, and every
woman shown is audit-logged as a look at her data. A page is a handful of
women; the facts of one page are read in a few batched queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import today_wib
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    Attendance,
    CheckIn,
    ClassSession,
    Enrolment,
    FollowUp,
    Registrant,
    TrainingClass,
    Visit,
)
from wrse_bot.domain.obstacles import IncomeChange
from wrse_bot.domain.placeholders import is_placeholder
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import CheckInStatus
from wrse_bot.domain.visits import Contact, visit_reasons
from wrse_bot.services.companions import areas_of, women_of
from wrse_bot.services.roles import audit

PAGE = 5
ALL = "all"
NEEDS_VISIT = "visit"
VIEWS = (ALL, NEEDS_VISIT)
UNANSWERED = (CheckInStatus.ASKED, CheckInStatus.REASKED, CheckInStatus.NO_RESPONSE)


@dataclass(frozen=True)
class LastCheckIn:
    round_days: int
    status: str
    answered_on: date | None
    income_change: str | None


@dataclass(frozen=True)
class Case:
    registrant_id: int
    name: str
    village: str
    verdict: str | None
    telegram: bool  # she has her own Telegram account linked
    class_title: str | None
    attended: int
    sessions: int
    last_checkin: LastCheckIn | None
    open_follow_ups: int
    last_visit: date | None
    reasons: tuple[str, ...]  # why she needs a visit (wrse_bot/domain/visits.py)
    open_checkin: int | None = None  # a check-in asked and not answered: answer it with her


@dataclass(frozen=True)
class Caseload:
    view: str
    cases: tuple[Case, ...]  # this page
    page: int
    pages: int
    total: int  # women in her desa
    needing: int  # of them, needing a visit
    has_areas: bool


async def _pairs(s: AsyncSession, stmt: Any) -> dict[Any, Any]:
    """A two-column query as {first: second}."""
    return dict((await s.execute(stmt)).all())


async def _cases(s: AsyncSession, ids: Sequence[int], today: date) -> list[Case]:
    if not ids:
        return []
    places = load_places()
    regs = list(await s.scalars(select(Registrant).where(Registrant.id.in_(ids))))
    users = [r.user_id for r in regs if r.user_id is not None]
    latest: dict[int, tuple[int, str, int]] = {}  # user -> enrolment, title, class
    for eid, uid, title, cid in await s.execute(
        select(Enrolment.id, Enrolment.user_id, TrainingClass.title, TrainingClass.id)
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(Enrolment.user_id.in_(users))
        .order_by(Enrolment.id)
    ):
        latest[uid] = (eid, title, cid)
    enrolments = [e for e, *_ in latest.values()]
    present = await _pairs(
        s,
        select(Attendance.enrolment_id, func.count())
        .where(Attendance.enrolment_id.in_(enrolments), Attendance.present.is_(True))
        .group_by(Attendance.enrolment_id),
    )
    sessions = await _pairs(
        s,
        select(ClassSession.class_id, func.count())
        .where(ClassSession.class_id.in_([c for *_, c in latest.values()]))
        .group_by(ClassSession.class_id),
    )
    last_ci: dict[int, LastCheckIn] = {}
    last_answer: dict[int, date] = {}
    fell: dict[int, bool] = {}
    waiting: dict[int, int] = {}  # user -> her latest unanswered check-in
    for cid, uid, days, status, answered, change in await s.execute(
        select(
            CheckIn.id,
            CheckIn.user_id,
            CheckIn.round_days,
            CheckIn.status,
            CheckIn.answered_at,
            CheckIn.income_change,
        )
        .where(
            CheckIn.user_id.in_(users),
            CheckIn.status.not_in((CheckInStatus.SCHEDULED, CheckInStatus.CANCELLED)),
        )
        .order_by(CheckIn.due_at, CheckIn.id)
    ):
        on = answered.date() if answered is not None else None
        last_ci[uid] = LastCheckIn(days, status, on, change)
        if status == CheckInStatus.ANSWERED and on is not None:
            last_answer[uid], fell[uid] = on, change == IncomeChange.FELL
        if status in UNANSWERED:
            waiting[uid] = cid
    follow = await _pairs(
        s,
        select(CheckIn.user_id, func.count())
        .join(FollowUp, FollowUp.checkin_id == CheckIn.id)
        .where(CheckIn.user_id.in_(users), FollowUp.resolved_at.is_(None))
        .group_by(CheckIn.user_id),
    )
    visits = await _pairs(
        s,
        select(Visit.registrant_id, func.max(Visit.visited_on))
        .where(Visit.registrant_id.in_(ids))
        .group_by(Visit.registrant_id),
    )
    cases = []
    for r in sorted(regs, key=lambda r: ids.index(r.id)):
        uid = r.user_id  # None for no account: no key of the dicts below
        e = latest.get(uid)
        contact = Contact(
            last_visit=visits.get(r.id),
            last_answer=last_answer.get(uid),
            open_follow_ups=follow.get(uid, 0),
            income_fell=fell.get(uid, False),
            unanswered=uid in waiting,
        )
        cases.append(
            Case(
                registrant_id=r.id,
                name=r.full_name or "-",
                village=places.name(r.village_code),
                verdict=r.verdict,
                telegram=uid is not None and not is_placeholder(uid),
                class_title=e[1] if e else None,
                attended=present.get(e[0], 0) if e else 0,
                sessions=sessions.get(e[2], 0) if e else 0,
                last_checkin=last_ci.get(uid),
                open_follow_ups=contact.open_follow_ups,
                last_visit=contact.last_visit,
                reasons=visit_reasons(contact, today),
                open_checkin=waiting.get(uid),
            )
        )
    return cases


async def caseload(
    db: Database, companion_id: int, view: str = ALL, page: int = 0, *, today: date | None = None
) -> Caseload:
    """One page of her caseload; each woman on it is audit-logged as looked at."""
    today = today or today_wib()
    async with db.transaction() as s:
        ids = await women_of(s, companion_id)
        has_areas = bool(await areas_of(s, companion_id))
        everyone = await _cases(s, ids, today)
        needing = [c for c in everyone if c.reasons]
        chosen = needing if view == NEEDS_VISIT else everyone
        pages = max(1, -(-len(chosen) // PAGE))
        page = min(max(page, 0), pages - 1)
        shown = tuple(chosen[page * PAGE : (page + 1) * PAGE])
        for c in shown:
            audit(s, companion_id, "caseload:view", registrant_id=c.registrant_id)
        return Caseload(view, shown, page, pages, len(everyone), len(needing), has_areas)
