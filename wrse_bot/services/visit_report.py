"""Accompaniment in /laporan (issue 11): per companion, her caseload, visits
per month, follow-ups open and resolved, and the women of her desa nobody
contacted for 30 days; and the obstacles companions saw on visits, split into
those from inside herself and those from outside.

They follow the report's period (visits and follow-ups since), kecamatan (the
women counted) and class or skill: then only the women with a place in that
class (or a class of that skill) count, in her caseload, the visits and their
obstacles, and only the follow-ups of that class's check-ins. Every figure
obeys the small-group rule: a count of fewer than ``min_group`` women, or a
number of visits or follow-ups about fewer than that many, is withheld.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import WIB
from wrse_bot.db.models import (
    CheckIn,
    CompanionArea,
    Enrolment,
    FollowUp,
    Registrant,
    RoleGrant,
    Visit,
)
from wrse_bot.domain import disclosure
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.domain.places import load_places
from wrse_bot.domain.visits import NO_CONTACT_DAYS, VISIT_OBSTACLES
from wrse_bot.services.audience import WITHDRAWN
from wrse_bot.services.roles import Role

if TYPE_CHECKING:
    from wrse_bot.services.reports import ReportFilter

Shown = int | Withheld


@dataclass
class Tally:
    n: int = 0  # visits, or follow-ups
    women: set[int] = field(default_factory=set)

    def add(self, woman: int) -> None:
        self.n += 1
        self.women.add(woman)


@dataclass
class CompanionFigures:
    companion_id: int
    villages: tuple[str, ...]
    caseload: int = 0
    not_contacted: int = 0
    visits_by_month: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    open: Tally = field(default_factory=Tally)
    resolved: Tally = field(default_factory=Tally)


@dataclass(frozen=True)
class VisitFigures:
    companions: tuple[CompanionFigures, ...] = ()
    obstacles: dict[str, Tally] = field(default_factory=dict)  # code -> visits noting it
    kinds: dict[str, Tally] = field(default_factory=dict)  # internal/external -> visits


@dataclass(frozen=True)
class PublishedCompanion:
    companion_id: int
    villages: tuple[str, ...]
    caseload: Shown
    not_contacted: Shown
    visits_by_month: dict[str, Shown]
    open: Shown
    resolved: Shown


@dataclass(frozen=True)
class PublishedVisits:
    companions: tuple[PublishedCompanion, ...] = ()
    obstacles: dict[str, Shown] = field(default_factory=dict)
    kinds: dict[str, Shown] = field(default_factory=dict)


async def visit_figures(
    s: AsyncSession, f: ReportFilter, since: datetime | None, *, today: date
) -> VisitFigures:
    areas: dict[int, set[str]] = defaultdict(set)
    for uid, village in await s.execute(
        select(CompanionArea.user_id, CompanionArea.village_code)
        .join(RoleGrant, RoleGrant.user_id == CompanionArea.user_id)
        .where(RoleGrant.role == Role.COMPANION.value)
    ):
        areas[uid].add(village)
    since_day = since.astimezone(WIB).date() if since is not None else None

    # Her desa is encrypted: read the registrations of the kecamatan concerned once.
    places = load_places()
    kecs = {places.get(v).parent_code for vs in areas.values() for v in vs if v in places}
    if f.kecamatan:
        kecs &= {f.kecamatan}
    classes = f.classes()
    in_class: list[Any] = []  # a woman of the class: she has a place in it (by her account)
    if classes is not None:
        in_class.append(
            Registrant.user_id.in_(select(Enrolment.user_id).where(Enrolment.class_id.in_(classes)))
        )
    by_village: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    if kecs:
        for rid, uid, village in await s.execute(
            select(Registrant.id, Registrant.user_id, Registrant.village_code).where(
                Registrant.kecamatan_code.in_(kecs),
                Registrant.status.not_in(WITHDRAWN),
                Registrant.full_name.is_not(None),
                *in_class,
            )
        ):
            by_village[village or ""].append((rid, uid))

    last_visit = {
        rid: on
        for rid, on in await s.execute(
            select(Visit.registrant_id, func.max(Visit.visited_on)).group_by(Visit.registrant_id)
        )
    }
    last_answer = {
        uid: at
        for uid, at in await s.execute(
            select(CheckIn.user_id, func.max(CheckIn.answered_at))
            .where(CheckIn.answered_at.is_not(None))
            .group_by(CheckIn.user_id)
        )
    }
    cutoff = today - timedelta(days=NO_CONTACT_DAYS)

    def contacted(rid: int, uid: int | None) -> bool:
        seen = last_visit.get(rid)
        answered = last_answer.get(uid) if uid is not None else None
        days = [d for d in (seen, answered.astimezone(WIB).date() if answered else None) if d]
        return bool(days) and max(days) >= cutoff

    figures: dict[int, CompanionFigures] = {}
    for uid, villages in sorted(areas.items()):
        c = CompanionFigures(uid, tuple(sorted(villages)))
        women = [w for v in villages for w in by_village.get(v, ())]
        c.caseload = len(women)
        c.not_contacted = sum(1 for rid, wuid in women if not contacted(rid, wuid))
        figures[uid] = c

    # Every visit of the period counts for the obstacles, whoever noted it.
    visit_conds = list(in_class)
    if since_day is not None:
        visit_conds.append(Visit.visited_on >= since_day)
    if f.kecamatan:
        visit_conds.append(Registrant.kecamatan_code == f.kecamatan)
    obstacles: dict[str, Tally] = defaultdict(Tally)
    kinds: dict[str, Tally] = defaultdict(Tally)
    for companion, rid, on, seen in await s.execute(
        select(Visit.companion_id, Visit.registrant_id, Visit.visited_on, Visit.obstacles)
        .join(Registrant, Registrant.id == Visit.registrant_id)
        .where(*visit_conds)
    ):
        if companion in figures:
            figures[companion].visits_by_month[on.strftime("%Y-%m")].add(rid)
        named = [o for o in seen or () if o in VISIT_OBSTACLES]
        for kind in {VISIT_OBSTACLES[o][1] for o in named}:
            kinds[kind].add(rid)
        for o in named:
            obstacles[o].add(rid)

    if figures:
        fu_conds = [FollowUp.assigned_to.in_(figures)]
        if since is not None:
            fu_conds.append(FollowUp.created_at >= since)
        stmt = select(FollowUp.assigned_to, FollowUp.resolved_at, CheckIn.user_id).join(
            CheckIn, CheckIn.id == FollowUp.checkin_id
        )
        if classes is not None:
            fu_conds.append(CheckIn.class_id.in_(classes))
        if f.kecamatan:
            stmt = stmt.join(Registrant, Registrant.user_id == CheckIn.user_id)
            fu_conds.append(Registrant.kecamatan_code == f.kecamatan)
        for holder, resolved, woman in await s.execute(stmt.where(*fu_conds)):
            (figures[holder].resolved if resolved is not None else figures[holder].open).add(woman)
    return VisitFigures(
        tuple(figures.values()),
        dict(sorted(obstacles.items(), key=lambda kv: -kv[1].n)),
        dict(sorted(kinds.items())),
    )


def _shown(t: Tally, k: int) -> Shown:
    return 0 if t.n == 0 else disclosure.over(t.n, len(t.women), k) or 0


def publish_visits(v: VisitFigures, k: int) -> PublishedVisits:
    return PublishedVisits(
        tuple(
            PublishedCompanion(
                c.companion_id,
                c.villages,
                disclosure.count(c.caseload, k),
                disclosure.count(c.not_contacted, k),
                {m: _shown(t, k) for m, t in sorted(c.visits_by_month.items())},
                _shown(c.open, k),
                _shown(c.resolved, k),
            )
            for c in v.companions
        ),
        {o: _shown(t, k) for o, t in v.obstacles.items()},
        {kind: _shown(t, k) for kind, t in v.kinds.items()},
    )
