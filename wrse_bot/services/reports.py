"""The coordinators' numbers (/laporan), aggregated in SQL.

Every figure is a GROUP BY / COUNT / SUM(CASE ...) or a window function in
the database; Python only reads a handful of aggregate rows, so the report
costs the same whether the programme has 50 women or 50,000.

What the filters mean:
- **period** counts what happened in it: registrations by their date,
  enrolments by theirs, attendance by when it was marked, and check-ins by
  when they fell due;
- **kecamatan** is where the woman lives (her registration);
- **class or skill**: enrolments, attendance and check-ins of that class (or
  of classes of that skill); registrations of the women enrolled in that
  class, or interested in that skill.

The funnel (registered -> eligible -> enrolled -> completed -> answered a
check-in) follows one cohort instead: the women whose registrations are
counted, and how far each of them got, whenever that was.

Income is compared in whole Rp100.000 brackets (``income_bracket``), never
the exact, encrypted figure, so medians are "± Rp100.000".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
from wrse_bot.db.models import Attendance, CheckIn, Enrolment, Registrant, TrainingClass
from wrse_bot.domain import disclosure
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.domain.eligibility import Verdict
from wrse_bot.domain.obstacles import ROUNDS, IncomeChange
from wrse_bot.domain.statuses import CheckInStatus, EnrolmentStatus
from wrse_bot.domain.text import N_
from wrse_bot.services.aid_report import AidFigures, PublishedAid, aid_figures, publish_aid
from wrse_bot.services.visit_report import (
    PublishedVisits,
    VisitFigures,
    publish_visits,
    visit_figures,
)

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
        if self.period == "30":
            return at - timedelta(days=30)
        if self.period == "90":
            return at - timedelta(days=90)
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
    obstacles: dict[str, int] = field(default_factory=dict)
    # The women registered in the period (and filters), followed through:
    # registered, eligible, enrolled, completed, answered a check-in (ever).
    cohort: tuple[int, ...] = (0, 0, 0, 0, 0)
    intake_women: int = 0  # registrations with an income: the intake median's group
    attendance_women: int = 0  # distinct women whose attendance was marked
    aid: AidFigures = field(default_factory=lambda: AidFigures({}, {}, {}))
    visits: VisitFigures = field(default_factory=VisitFigures)

    @property
    def eligible(self) -> int:
        return self.by_verdict.get(Verdict.ELIGIBLE, 0)

    @property
    def attendance_rate(self) -> float | None:
        return self.attendance_present / self.attendance_marked if self.attendance_marked else None

    @property
    def business_share(self) -> float | None:
        return self.women_business / self.women_answered if self.women_answered else None

    @property
    def funnel(self) -> tuple[tuple[str, int], ...]:
        """registered -> eligible -> enrolled -> completed -> answered a check-in,
        for the same women: those registered in the period (and filters)."""
        return tuple(zip(FUNNEL_STAGES, self.cohort, strict=True))


@dataclass(frozen=True)
class ClassChoice:
    id: int
    title: str


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
    aid: PublishedAid = field(default_factory=lambda: PublishedAid({}, {}, {}))
    visits: PublishedVisits = field(default_factory=PublishedVisits)


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
            cohort=await _cohort(s, f, since),
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


async def _cohort(s: AsyncSession, f: ReportFilter, since: datetime | None) -> tuple[int, ...]:
    """The funnel: how far the women registered in the period got (one pass
    over registrants, an indexed EXISTS per stage)."""

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
    return tuple(int(v) for v in row)


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
    paired = (
        *conds,
        answered,
        CheckIn.income_bracket.is_not(None),
        Registrant.income_bracket.is_not(None),
    )
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


async def class_choices(db: Database, limit: int = 8) -> list[ClassChoice]:
    """The newest classes, for the class filter's buttons."""
    async with db.sessions() as s:
        rows = (
            await s.execute(
                select(TrainingClass.id, TrainingClass.title)
                .order_by(TrainingClass.id.desc())
                .limit(limit)
            )
        ).all()
    return [ClassChoice(id=r.id, title=r.title) for r in rows]


async def class_title(db: Database, class_id: int) -> str | None:
    """The class's title, or None when there is no such class."""
    async with db.sessions() as s:
        return await _class_title(s, class_id)


async def _class_title(s: AsyncSession, class_id: int) -> str | None:
    return await s.scalar(select(TrainingClass.title).where(TrainingClass.id == class_id))
