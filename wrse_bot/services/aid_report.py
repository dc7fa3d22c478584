"""Aid in /laporan (issue 11): how much was given, by kind, kecamatan and
month, in count and total Rupiah, under the report's filters. A cell is shown
only when at least ``min_group`` women are behind it (the small-group rule):
a total over two women would tell what each got.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import WIB
from wrse_bot.db.models import Aid, CheckIn, Enrolment, Registrant
from wrse_bot.domain import disclosure
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.domain.obstacles import IncomeChange
from wrse_bot.domain.statuses import CheckInStatus

if TYPE_CHECKING:
    from wrse_bot.services.reports import ReportFilter


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
        await _effects(s, since=since, kecamatan=f.kecamatan, classes=classes),
    )


async def _effects(
    s: AsyncSession, *, since: datetime | None, kecamatan: str | None, classes: Any
) -> tuple[Effect, ...]:
    """Income change at each check-in round, for women who had aid of a kind
    before answering against those who had none. A woman with two kinds counts
    in both; the "none" group is every answer with no aid before it."""
    conds = [CheckIn.status == CheckInStatus.ANSWERED, CheckIn.income_change.is_not(None)]
    if since is not None:
        conds.append(CheckIn.answered_at >= since)
    if kecamatan:
        conds.append(Registrant.kecamatan_code == kecamatan)
    if classes is not None:
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


def publish_aid(figures: AidFigures, min_group: int) -> PublishedAid:
    def shown(cells: dict[str, AidCell]) -> dict[str, ShownCell]:
        return {
            key: ShownCell(
                disclosure.over(c.aids, len(c.women), min_group) or 0,
                disclosure.over(c.total, len(c.women), min_group) or 0,
            )
            for key, c in cells.items()
        }

    effects = tuple(
        ShownEffect(
            e.round_days,
            e.kind,
            disclosure.count(e.women, min_group),
            disclosure.over(e.rose / e.answers if e.answers else None, e.women, min_group),
            disclosure.over(e.fell / e.answers if e.answers else None, e.women, min_group),
        )
        for e in figures.effects
    )
    return PublishedAid(
        shown(figures.by_kind), shown(figures.by_kecamatan), shown(figures.by_month), effects
    )
