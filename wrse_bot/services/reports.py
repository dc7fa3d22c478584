"""The coordinators' numbers (/laporan), aggregated in SQL: every figure is a
GROUP BY / COUNT / SUM(CASE ...) or a window function, so Python reads a handful
of aggregate rows and the report costs the same for 50 women or 50,000.

What the filters mean:
- **period** counts what happened in it: registrations by their date,
  enrolments by theirs, attendance by when it was marked, and check-ins by
  when they fell due;
- **kecamatan** is where the woman lives (her registration);
- **class or skill**: enrolments, attendance and check-ins of that class (or
  of classes of that skill); registrations of the women enrolled in that
  class, or interested in that skill.
The funnel follows one cohort instead: the women whose registrations are
counted, and how far each of them got, whenever that was.

Income is compared in whole Rp100.000 brackets (``income_bracket``), never
the exact, encrypted figure, so medians are "± Rp100.000".

Issue 11 adds the aid given (by kind, kecamatan and month: count and total) and
the accompaniment (per companion: caseload, visits by month, follow-ups, women
not contacted for 30 days; obstacles seen on visits). A number of aids, visits
or follow-ups about fewer than ``min_group`` women is withheld like a count: a
total over two women would tell what each got.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import WIB, now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    Aid,
    Attendance,
    CheckIn,
    CompanionArea,
    Enrolment,
    FollowUp,
    Registrant,
    RoleGrant,
    TrainingClass,
    Visit,
)
from wrse_bot.domain import disclosure
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.domain.eligibility import Verdict
from wrse_bot.domain.obstacles import ROUNDS, IncomeChange
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import CheckInStatus, EnrolmentStatus
from wrse_bot.domain.text import N_
from wrse_bot.domain.visits import NO_CONTACT_DAYS, VISIT_OBSTACLES
from wrse_bot.services.audience import WITHDRAWN
from wrse_bot.services.roles import Role

PERIODS: dict[str, str] = {
    "30": N_("30 days"),
    "90": N_("90 days"),
    "y": N_("This year"),
    "a": N_("All time"),
}
ENROLMENT_STATUSES = tuple(EnrolmentStatus)
# Check-ins whose question went out (whatever came of it).
ASKED = (
    CheckInStatus.ASKED,
    CheckInStatus.REASKED,
    CheckInStatus.ANSWERED,
    CheckInStatus.NO_RESPONSE,
)
FUNNEL_STAGES = ("registered", "eligible", "enrolled", "completed", "answered")
Shown = int | Withheld  # a published count
Share = float | Withheld | None  # a published median or share; None: nothing yet


@dataclass(frozen=True)
class ReportFilter:
    period: str = "a"  # one of PERIODS
    kecamatan: str | None = None  # "35.79.03"
    class_id: int | None = None
    skill: str | None = None  # one of SKILLS

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"unknown period {self.period!r}")
        if self.skill is not None and self.skill not in SKILLS:
            raise ValueError(f"unknown skill {self.skill!r}")
        if self.class_id is not None and self.skill is not None:
            raise ValueError("filter by a class or by a skill, not both")

    def since(self, at: datetime) -> datetime | None:
        """Start of the period (aware), or None for all time. "This year" is the WIB year."""
        if self.period in ("30", "90"):
            return at - timedelta(days=int(self.period))
        if self.period == "y":
            local = at.astimezone(WIB)
            return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        return None

    def classes(self) -> Any:
        """The classes the report is about (a subquery of ids), or None: every class."""
        if self.class_id is not None:
            return select(TrainingClass.id).where(TrainingClass.id == self.class_id)
        if self.skill is not None:
            return select(TrainingClass.id).where(TrainingClass.skill == self.skill)
        return None


@dataclass(frozen=True)
class RoundStats:
    """One check-in round (days after completing a class)."""

    round_days: int
    asked: int = 0  # sent to her: asked, re-asked, answered or marked no response
    answered: int = 0
    no_response: int = 0
    # Answered with an income, with an income at intake too: the pairs compared.
    pairs: int = 0
    median_before: float | None = None  # in Rp100.000 brackets
    median_after: float | None = None
    rose: int = 0  # answered saying income rose
    change_known: int = 0  # answered the income question at all
    # Distinct women behind the figures (a woman in two classes has two check-ins):
    # the group sizes the small-group rule (domain/disclosure.py) looks at.
    women_asked: int = 0
    women_paired: int = 0
    women_known: int = 0

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    @property
    def rose_share(self) -> float | None:
        return self.rose / self.change_known if self.change_known else None


# ---- aid and accompaniment (issue 11) ------------------------------------------------


@dataclass
class AidCell:
    aids: int = 0
    total: int = 0  # Rupiah
    women: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class ShownCell:
    aids: int | Withheld
    total: int | Withheld


@dataclass(frozen=True)
class AidFigures:
    by_kind: dict[str, AidCell]
    by_kecamatan: dict[str, AidCell]  # "" for unknown
    by_month: dict[str, AidCell]  # "2026-11"
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Effect:
    """One round's answers from women of one aid group ("" for no aid before it)."""

    round_days: int
    kind: str
    answers: int
    women: int
    rose: int
    fell: int


@dataclass(frozen=True)
class ShownEffect:
    round_days: int
    kind: str
    women: int | Withheld
    rose_share: float | Withheld | None
    fell_share: float | Withheld | None


@dataclass(frozen=True)
class PublishedAid:
    by_kind: dict[str, ShownCell]
    by_kecamatan: dict[str, ShownCell]
    by_month: dict[str, ShownCell]
    effects: tuple[ShownEffect, ...] = ()


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


@dataclass(frozen=True)
class Report:
    filter: ReportFilter
    generated_at: datetime
    class_title: str | None
    registrations: int
    by_verdict: dict[str, int]
    by_kecamatan: dict[str, int]  # "" for unknown
    intake_median: float | None  # brackets, over the registrations counted
    enrolments: dict[str, int]  # by status
    women_enrolled: int
    women_completed: int
    attendance_marked: int
    attendance_present: int
    rounds: tuple[RoundStats, ...]
    women_answered: int
    women_business: int
    obstacles: dict[str, int]
    # The women registered in the period (and filters), followed through, as
    # (stage, women): registered, eligible, enrolled, completed, answered a check-in (ever).
    funnel: tuple[tuple[str, int], ...]
    intake_women: int  # registrations with an income: the intake median's group
    attendance_women: int  # distinct women whose attendance was marked
    aid: AidFigures
    visits: VisitFigures

    @property
    def attendance_rate(self) -> float | None:
        return self.attendance_present / self.attendance_marked if self.attendance_marked else None

    @property
    def business_share(self) -> float | None:
        return self.women_business / self.women_answered if self.women_answered else None


# ---- what is published ----------------------------------------------------------------
# Every renderer (the /laporan message, its charts, the exports' summary sheet)
# reads these, never Report itself: a figure over too few women is Withheld.


@dataclass(frozen=True)
class PublishedRound:
    round_days: int
    asked: Shown
    answered: Shown
    response_rate: Share
    pairs: Shown
    median_before: Share  # in Rp100.000 brackets
    median_after: Share
    rose_share: Share


@dataclass(frozen=True)
class PublishedReport:
    filter: ReportFilter
    generated_at: datetime
    class_title: str | None
    min_group: int
    registrations: Shown
    by_verdict: dict[str, Shown]
    by_kecamatan: dict[str, Shown]
    intake_median: Share  # brackets
    enrolments: dict[str, Shown]
    attendance_present: Shown
    attendance_marked: Shown
    attendance_rate: Share
    women_completed: Shown
    rounds: tuple[PublishedRound, ...]
    women_business: Shown
    women_answered: Shown
    business_share: Share
    obstacles: dict[str, Shown]
    funnel: tuple[tuple[str, Shown], ...]
    aid: PublishedAid
    visits: PublishedVisits


def publish(r: Report, min_group: int) -> PublishedReport:
    """The report as it may be shown: the small-group rule applied to every figure."""
    k = min_group
    present, marked, attendance_rate = disclosure.part_of(
        r.attendance_present, r.attendance_marked, k, women=r.attendance_women
    )
    business, answered, business_share = disclosure.part_of(r.women_business, r.women_answered, k)
    rounds = []
    for rs in r.rounds:
        got, asked, rate = disclosure.part_of(rs.answered, rs.asked, k, women=rs.women_asked)
        _, _, rose = disclosure.part_of(rs.rose, rs.change_known, k, women=rs.women_known)
        rounds.append(
            PublishedRound(
                round_days=rs.round_days,
                asked=asked,
                answered=got,
                response_rate=rate,
                pairs=disclosure.count(rs.pairs, k) if rs.women_paired >= k else _few(rs.pairs, k),
                median_before=disclosure.over(rs.median_before, rs.women_paired, k),
                median_after=disclosure.over(rs.median_after, rs.women_paired, k),
                rose_share=rose,
            )
        )
    return PublishedReport(
        filter=r.filter,
        generated_at=r.generated_at,
        class_title=r.class_title,
        min_group=k,
        registrations=disclosure.count(r.registrations, k),
        by_verdict=disclosure.counts(r.by_verdict, k),
        by_kecamatan=disclosure.counts(r.by_kecamatan, k),
        intake_median=disclosure.over(r.intake_median, r.intake_women, k),
        enrolments=disclosure.counts(r.enrolments, k),
        attendance_present=present,
        attendance_marked=marked,
        attendance_rate=attendance_rate,
        women_completed=disclosure.count(r.women_completed, k),
        rounds=tuple(rounds),
        women_business=business,
        women_answered=answered,
        business_share=business_share,
        obstacles=disclosure.counts(r.obstacles, k),
        funnel=tuple((stage, disclosure.count(n, k)) for stage, n in r.funnel),
        aid=publish_aid(r.aid, k),
        visits=publish_visits(r.visits, k),
    )


def _few(n: int, k: int) -> Shown:
    """A count of check-ins from fewer than k women: withheld however many they are."""
    return disclosure.Withheld(k) if n else 0


def publish_aid(figures: AidFigures, k: int) -> PublishedAid:
    def shown(cells: dict[str, AidCell]) -> dict[str, ShownCell]:
        over = disclosure.over
        return {
            key: ShownCell(over(c.aids, len(c.women), k) or 0, over(c.total, len(c.women), k) or 0)
            for key, c in cells.items()
        }

    def share(n: int, e: Effect) -> Share:
        return disclosure.over(n / e.answers if e.answers else None, e.women, k)

    effects = tuple(
        ShownEffect(
            e.round_days, e.kind, disclosure.count(e.women, k), share(e.rose, e), share(e.fell, e)
        )
        for e in figures.effects
    )
    return PublishedAid(
        shown(figures.by_kind), shown(figures.by_kecamatan), shown(figures.by_month), effects
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


# ---- filters as SQL conditions ------------------------------------------------------


def _registrant_conds(f: ReportFilter, since: datetime | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if since is not None:
        conds.append(Registrant.created_at >= since)
    if f.kecamatan:
        conds.append(Registrant.kecamatan_code == f.kecamatan)
    if f.skill:
        # interests is a JSON list of skill codes; its text form holds '"menjahit"'.
        conds.append(cast(Registrant.interests, String).like(f'%"{f.skill}"%'))
    if f.class_id is not None:
        conds.append(
            exists().where(
                Enrolment.user_id == Registrant.user_id, Enrolment.class_id == f.class_id
            )
        )
    return conds


def _women_conds(f: ReportFilter, user_col: Any, class_col: Any) -> list[ColumnElement[bool]]:
    """Kecamatan (where she lives) and class/skill, for rows carrying user and class ids."""
    conds: list[ColumnElement[bool]] = []
    if f.kecamatan:
        conds.append(
            user_col.in_(
                select(Registrant.user_id).where(
                    Registrant.kecamatan_code == f.kecamatan, Registrant.user_id.is_not(None)
                )
            )
        )
    return [*conds, *_of_classes(f, class_col)]


def _of_classes(f: ReportFilter, class_col: Any) -> list[ColumnElement[bool]]:
    """Rows of the report's class, or of a class of its skill."""
    if f.class_id is not None:
        return [class_col == f.class_id]
    return [class_col.in_(f.classes())] if f.skill else []


def _count_if(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _medians(hist: Any) -> Any:
    """Medians from a histogram subquery (g, w, b, n): n rows have bracket b in
    group (g, w). Returns rows (g, w, median, count).

    Brackets are small whole numbers, so the data collapses into a few dozen
    histogram rows per group; running sums over them (window functions, the
    same SQL on SQLite and PostgreSQL) find the middle position(s): one when
    the count is odd, two (averaged) when even.
    """
    total = func.sum(hist.c.n).over(partition_by=(hist.c.g, hist.c.w))
    running = func.sum(hist.c.n).over(partition_by=(hist.c.g, hist.c.w), order_by=hist.c.b)
    c = select(
        hist.c.g,
        hist.c.w,
        hist.c.b,
        cast(hist.c.n, Integer).label("n"),
        cast(running, Integer).label("upto"),
        cast(total, Integer).label("total"),
    ).subquery()

    def covers(position: Any) -> ColumnElement[bool]:
        return and_(c.c.upto - c.c.n < position, c.c.upto >= position)

    lower, upper = (c.c.total + 1) // 2, (c.c.total + 2) // 2  # integer division on both
    return (
        select(c.c.g, c.c.w, func.avg(c.c.b), func.max(c.c.total))
        .where(or_(covers(lower), covers(upper)))
        .group_by(c.c.g, c.c.w)
    )


# ---- the report ------------------------------------------------------------------------


async def build_report(db: Database, f: ReportFilter, *, at: datetime | None = None) -> Report:
    at = at or now()
    since = f.since(at)
    async with db.sessions() as s:  # keyword arguments run in order: one query after another
        return Report(
            filter=f,
            generated_at=at,
            class_title=await _class_title(s, f.class_id) if f.class_id is not None else None,
            **await _registrations(s, f, since),
            **await _enrolments(s, f, since),
            **await _attendance(s, f, since),
            rounds=await _rounds(s, f, since),
            **await _business(s, f, since),
            obstacles=await _obstacles(s, f, since),
            funnel=await _funnel(s, f, since),
            aid=await aid_figures(s, f, since),
            visits=await visit_figures(s, f, since, today=at.astimezone(WIB).date()),
        )


def _ints(row: Any) -> dict[str, int]:
    """A row of labelled counts as {label: int}."""
    return {k: int(v) for k, v in row._mapping.items()}


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


async def _registrations(
    s: AsyncSession, f: ReportFilter, since: datetime | None
) -> dict[str, Any]:
    conds = _registrant_conds(f, since)
    rows = (
        await s.execute(
            select(Registrant.verdict, Registrant.kecamatan_code, func.count())
            .where(*conds)
            .group_by(Registrant.verdict, Registrant.kecamatan_code)
        )
    ).all()
    by_verdict: dict[str, int] = {}
    by_kecamatan: dict[str, int] = {}
    for verdict, kecamatan, n in rows:  # at most (verdicts x kecamatan) aggregate rows
        by_verdict[verdict or ""] = by_verdict.get(verdict or "", 0) + n
        by_kecamatan[kecamatan or ""] = by_kecamatan.get(kecamatan or "", 0) + n
    hist = (
        select(
            literal(0).label("g"),
            literal(0).label("w"),
            Registrant.income_bracket.label("b"),
            func.count().label("n"),
        )
        .where(*conds, Registrant.income_bracket.is_not(None))
        .group_by(Registrant.income_bracket)
        .subquery()
    )
    median = (await s.execute(_medians(hist))).first()
    return {
        "registrations": sum(by_verdict.values()),
        "by_verdict": by_verdict,
        "by_kecamatan": by_kecamatan,
        "intake_median": _float(median[2]) if median is not None else None,
        "intake_women": int(median[3]) if median is not None else 0,
    }


async def _funnel(
    s: AsyncSession, f: ReportFilter, since: datetime | None
) -> tuple[tuple[str, int], ...]:
    """How far the women registered in the period got (one pass over
    registrants, an indexed EXISTS per stage)."""

    def reached(*conds: ColumnElement[bool]) -> Any:
        mine = Enrolment.user_id == Registrant.user_id
        return _count_if(exists().where(mine, *conds, *_of_classes(f, Enrolment.class_id)))

    answered = exists().where(
        CheckIn.user_id == Registrant.user_id,
        CheckIn.status == CheckInStatus.ANSWERED,
        *_of_classes(f, CheckIn.class_id),
    )
    row = (
        await s.execute(
            select(
                func.count(),
                _count_if(Registrant.verdict == Verdict.ELIGIBLE),
                reached(Enrolment.status == EnrolmentStatus.ENROLLED),
                reached(
                    Enrolment.status != EnrolmentStatus.CANCELLED, Enrolment.completed.is_(True)
                ),
                _count_if(answered),
            ).where(*_registrant_conds(f, since))
        )
    ).one()
    return tuple(zip(FUNNEL_STAGES, (int(v) for v in row), strict=True))


async def _enrolments(s: AsyncSession, f: ReportFilter, since: datetime | None) -> dict[str, Any]:
    conds = _women_conds(f, Enrolment.user_id, Enrolment.class_id)
    if since is not None:
        conds.append(Enrolment.created_at >= since)
    done = and_(Enrolment.completed.is_(True), Enrolment.status != EnrolmentStatus.CANCELLED)
    enrolled = Enrolment.status == EnrolmentStatus.ENROLLED
    row = (
        await s.execute(
            select(
                *(_count_if(Enrolment.status == st).label(st) for st in ENROLMENT_STATUSES),
                func.count(distinct(case((enrolled, Enrolment.user_id)))).label("women_enrolled"),
                func.count(distinct(case((done, Enrolment.user_id)))).label("women_completed"),
            ).where(*conds)
        )
    ).one()
    counts = _ints(row)  # the statuses first: popped before the rest is spread
    return {"enrolments": {st: counts.pop(st) for st in ENROLMENT_STATUSES}, **counts}


async def _attendance(s: AsyncSession, f: ReportFilter, since: datetime | None) -> dict[str, int]:
    conds = _women_conds(f, Enrolment.user_id, Enrolment.class_id)
    if since is not None:
        conds.append(Attendance.marked_at >= since)
    row = (
        await s.execute(
            select(
                func.count().label("attendance_marked"),
                _count_if(Attendance.present.is_(True)).label("attendance_present"),
                func.count(distinct(Enrolment.user_id)).label("attendance_women"),
            )
            .select_from(Attendance)
            .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
            .where(*conds)
        )
    ).one()
    return _ints(row)


def _checkin_conds(f: ReportFilter, since: datetime | None) -> list[ColumnElement[bool]]:
    conds = _women_conds(f, CheckIn.user_id, CheckIn.class_id)
    if since is not None:
        conds.append(CheckIn.due_at >= since)
    return conds


async def _rounds(
    s: AsyncSession, f: ReportFilter, since: datetime | None
) -> tuple[RoundStats, ...]:
    conds = _checkin_conds(f, since)
    answered = CheckIn.status == CheckInStatus.ANSWERED
    asked = CheckIn.status.in_(ASKED)
    known = and_(answered, CheckIn.income_change.is_not(None))
    counts = {  # labelled as RoundStats' fields
        r.round_days: _ints(r)
        for r in await s.execute(
            select(
                CheckIn.round_days,
                _count_if(asked).label("asked"),
                _count_if(answered).label("answered"),
                _count_if(CheckIn.status == CheckInStatus.NO_RESPONSE).label("no_response"),
                _count_if(and_(answered, CheckIn.income_change == IncomeChange.ROSE)).label("rose"),
                _count_if(known).label("change_known"),
                func.count(distinct(case((asked, CheckIn.user_id)))).label("women_asked"),
                func.count(distinct(case((known, CheckIn.user_id)))).label("women_known"),
            )
            .where(*conds)
            .group_by(CheckIn.round_days)
        )
    }
    # Medians of the same women before (intake, w=0) and after (this round, w=1).
    incomes = (CheckIn.income_bracket.is_not(None), Registrant.income_bracket.is_not(None))
    paired = (*conds, answered, *incomes)
    women_paired = {
        days: int(n)
        for days, n in await s.execute(
            select(CheckIn.round_days, func.count(distinct(CheckIn.user_id)))
            .join(Registrant, Registrant.user_id == CheckIn.user_id)
            .where(*paired)
            .group_by(CheckIn.round_days)
        )
    }
    pairs = (
        select(
            CheckIn.round_days.label("r"),
            Registrant.income_bracket.label("b0"),
            CheckIn.income_bracket.label("b1"),
            func.count().label("n"),
        )
        .join(Registrant, Registrant.user_id == CheckIn.user_id)
        .where(*paired)
        .group_by(CheckIn.round_days, Registrant.income_bracket, CheckIn.income_bracket)
        .cte("pairs")
    )
    sides = union_all(
        select(pairs.c.r.label("g"), literal(0).label("w"), pairs.c.b0.label("b"), pairs.c.n),
        select(pairs.c.r, literal(1), pairs.c.b1, pairs.c.n),
    ).subquery()
    hist = (
        select(sides.c.g, sides.c.w, sides.c.b, func.sum(sides.c.n).label("n"))
        .group_by(sides.c.g, sides.c.w, sides.c.b)
        .subquery()
    )
    medians: dict[int, dict[Any, Any]] = {}
    for g, w, median, n in (await s.execute(_medians(hist))).all():
        medians.setdefault(g, {"n": int(n)})[w] = median
    result = []
    for days in sorted(set(ROUNDS) | set(counts)):
        m = medians.get(days, {})
        result.append(
            RoundStats(
                **counts.get(days, {"round_days": days}),
                pairs=m.get("n", 0),
                median_before=_float(m.get(0)),
                median_after=_float(m.get(1)),
                women_paired=women_paired.get(days, 0),
            )
        )
    return tuple(result)


async def _business(s: AsyncSession, f: ReportFilter, since: datetime | None) -> dict[str, int]:
    """Women who answered a check-in, and those of them who started a business."""
    started = case((CheckIn.business_started.is_(True), CheckIn.user_id))
    row = (
        await s.execute(
            select(
                func.count(distinct(CheckIn.user_id)).label("women_answered"),
                func.count(distinct(started)).label("women_business"),
            ).where(*_checkin_conds(f, since), CheckIn.status == CheckInStatus.ANSWERED)
        )
    ).one()
    return _ints(row)


async def _obstacles(s: AsyncSession, f: ReportFilter, since: datetime | None) -> dict[str, int]:
    rows = (
        await s.execute(
            select(CheckIn.obstacle, func.count())
            .where(
                *_checkin_conds(f, since),
                CheckIn.status == CheckInStatus.ANSWERED,
                CheckIn.obstacle.is_not(None),
            )
            .group_by(CheckIn.obstacle)
            .order_by(func.count().desc(), CheckIn.obstacle)
        )
    ).all()
    return {code: int(n) for code, n in rows}


async def aid_figures(s: AsyncSession, f: ReportFilter, since: datetime | None) -> AidFigures:
    classes = f.classes()
    conds = []
    if since is not None:
        conds.append(Aid.given_on >= since.astimezone(WIB).date())
    if f.kecamatan:
        conds.append(Registrant.kecamatan_code == f.kecamatan)
    if classes is not None:
        conds.append(
            exists().where(Enrolment.user_id == Registrant.user_id, Enrolment.class_id.in_(classes))
        )
    rows = await s.execute(
        select(Aid.kind, Registrant.kecamatan_code, Aid.given_on, Aid.registrant_id, Aid.value)
        .join(Registrant, Registrant.id == Aid.registrant_id)
        .where(*conds)
    )
    by_kind: dict[str, AidCell] = defaultdict(AidCell)
    by_kec: dict[str, AidCell] = defaultdict(AidCell)
    by_month: dict[str, AidCell] = defaultdict(AidCell)
    for kind, kec, given_on, woman, value in rows:
        for cell in (by_kind[kind], by_kec[kec or ""], by_month[given_on.strftime("%Y-%m")]):
            cell.aids += 1
            cell.total += int(value)
            cell.women.add(woman)
    return AidFigures(
        dict(sorted(by_kind.items(), key=lambda kv: -kv[1].total)),
        dict(sorted(by_kec.items())),
        dict(sorted(by_month.items())),
        await _effects(s, f, since),
    )


async def _effects(s: AsyncSession, f: ReportFilter, since: datetime | None) -> tuple[Effect, ...]:
    """Income change at each check-in round, for women who had aid of a kind
    before answering against those who had none. A woman with two kinds counts
    in both; the "none" group is every answer with no aid before it."""
    conds = [CheckIn.status == CheckInStatus.ANSWERED, CheckIn.income_change.is_not(None)]
    if since is not None:
        conds.append(CheckIn.answered_at >= since)
    if f.kecamatan:
        conds.append(Registrant.kecamatan_code == f.kecamatan)
    if (classes := f.classes()) is not None:
        conds.append(CheckIn.class_id.in_(classes))
    kind = func.coalesce(Aid.kind, "")
    rows = await s.execute(
        select(
            CheckIn.round_days,
            kind,
            func.count(CheckIn.id.distinct()),
            func.count(CheckIn.user_id.distinct()),
            func.count(case((CheckIn.income_change == IncomeChange.ROSE, CheckIn.id)).distinct()),
            func.count(case((CheckIn.income_change == IncomeChange.FELL, CheckIn.id)).distinct()),
        )
        .join(Registrant, Registrant.user_id == CheckIn.user_id)
        .outerjoin(
            Aid, (Aid.registrant_id == Registrant.id) & (Aid.given_on <= CheckIn.answered_at)
        )
        .where(*conds)
        .group_by(CheckIn.round_days, kind)
        .order_by(CheckIn.round_days, kind)
    )
    return tuple(
        Effect(int(r), k, int(n), int(w), int(up), int(down)) for r, k, n, w, up, down in rows
    )


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

    # Her desa is encrypted: read the registrations of the kecamatan concerned once.
    places = load_places()
    kecs = {places.get(v).parent_code for vs in areas.values() for v in vs if v in places}
    if f.kecamatan:
        kecs &= {f.kecamatan}
    classes = f.classes()
    in_class: list[Any] = []  # a woman of the class: she has a place in it (by her account)
    if classes is not None:
        placed = select(Enrolment.user_id).where(Enrolment.class_id.in_(classes))
        in_class.append(Registrant.user_id.in_(placed))
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
    if since is not None:
        visit_conds.append(Visit.visited_on >= since.astimezone(WIB).date())
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


async def class_choices(db: Database, limit: int = 8) -> list[Any]:
    """The newest classes (rows with .id and .title), for the class filter's buttons."""
    async with db.sessions() as s:
        stmt = select(TrainingClass.id, TrainingClass.title).order_by(TrainingClass.id.desc())
        return list((await s.execute(stmt.limit(limit))).all())


async def class_title(db: Database, class_id: int) -> str | None:
    """The class's title, or None when there is no such class."""
    async with db.sessions() as s:
        return await _class_title(s, class_id)


async def _class_title(s: AsyncSession, class_id: int) -> str | None:
    return await s.scalar(select(TrainingClass.title).where(TrainingClass.id == class_id))
