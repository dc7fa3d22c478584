"""Data for the coordinators' review: a few known rows for tests, and bulk
synthetic rows (core INSERTs, executemany in chunks) for the benchmark.

    async with db.transaction() as s:
        seed = Seeder(s)
        a = await seed.woman(verdict=Verdict.ELIGIBLE, kecamatan=JUNREJO, bracket=3)
        k1 = await seed.klass(skill="menjahit")
        e = await seed.enrol(a, k1, completed=True)
        await seed.checkin(e, 30, bracket=5, change="rose", obstacle="modal")

    await seed_bulk(db, women=50_000)   # 3 check-ins each: 150,000
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot import crypto
from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    Aid,
    Assessment,
    Attendance,
    CheckIn,
    ClassSession,
    CompanionArea,
    Enrolment,
    FollowUp,
    Registrant,
    RoleGrant,
    TrainingClass,
    User,
    Visit,
)
from wrse_bot.domain.aid import AidKind
from wrse_bot.domain.eligibility import Verdict
from wrse_bot.domain.obstacles import BRACKET_RUPIAH, IncomeChange
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import CheckInStatus, ClassStatus, EnrolmentStatus, RegistrantStatus
from wrse_bot.domain.visits import VISIT_OBSTACLES
from wrse_bot.services.checkins import income_change

BATU, BUMIAJI, JUNREJO = "35.79.01", "35.79.02", "35.79.03"
KECAMATAN = (BATU, BUMIAJI, JUNREJO)
COMPANION_BASE = 900_000_000  # the bulk companions' Telegram ids


def female_nik(n: int, kecamatan: str = JUNREJO) -> str:
    """A valid-looking NIK of a woman born 12 March 1980 (day + 40), serial n."""
    return f"3579{kecamatan[-2:]}520380{n:04d}"


class Seeder:
    """Small, explicit rows through one session (flushes to get ids)."""

    def __init__(self, s: AsyncSession) -> None:
        self.s = s
        self._ids = itertools.count(800_001)

    async def woman(
        self,
        *,
        verdict: Verdict = Verdict.ELIGIBLE,
        kecamatan: str = JUNREJO,
        bracket: int | None = 3,
        interests: Sequence[str] = ("menjahit",),
        created_at: datetime | None = None,
        name: str = "Siti Aminah",
        nik: str | None = None,
        phone: str = "+6281234567890",
        user_id: int | None = None,
    ) -> Registrant:
        uid = user_id or next(self._ids)
        self.s.add(User(id=uid))
        await self.s.flush()
        reg = Registrant(
            user_id=uid,
            status=RegistrantStatus.ACTIVE,
            verdict=verdict,
            full_name=name,
            nik=nik or female_nik(uid % 10_000 or 1, kecamatan),
            sex="F",
            kecamatan_code=kecamatan,
            monthly_income=str(bracket * BRACKET_RUPIAH) if bracket is not None else None,
            income_bracket=bracket,
            interests=list(interests),
            phone=phone,
            marital_status="cerai_mati",
            main_earner=True,
            dependents=3,
            created_at=created_at or now(),
        )
        self.s.add(reg)
        await self.s.flush()
        self.s.add(
            Assessment(
                registrant_id=reg.id,
                verdict=verdict,
                ruleset_version="permensos-08-2012/v1",
                results=[],
                assessed_on=(created_at or now()).date(),
            )
        )
        return reg

    async def klass(
        self,
        *,
        skill: str = "menjahit",
        title: str = "Menjahit Dasar",
        kecamatan: str = JUNREJO,
        sessions: int = 2,
    ) -> TrainingClass:
        at = now()
        k = TrainingClass(
            skill=skill,
            title=title,
            place="Balai Desa",
            kecamatan_code=kecamatan,
            trainer="Bu Rina",
            capacity=20,
            taken=0,
            enrol_deadline=at,
            status=ClassStatus.PUBLISHED,
        )
        self.s.add(k)
        await self.s.flush()
        for i in range(sessions):
            start = at - timedelta(days=10 - i)
            self.s.add(ClassSession(class_id=k.id, starts_at=start, ends_at=start))
        await self.s.flush()
        await self.s.refresh(k, ["sessions"])
        return k

    async def enrol(
        self,
        woman: Registrant,
        klass: TrainingClass,
        *,
        status: EnrolmentStatus = EnrolmentStatus.ENROLLED,
        completed: bool = False,
        created_at: datetime | None = None,
    ) -> Enrolment:
        assert woman.user_id is not None
        e = Enrolment(
            class_id=klass.id,
            user_id=woman.user_id,
            status=status,
            completed=completed,
            created_at=created_at or now(),
        )
        self.s.add(e)
        await self.s.flush()
        return e

    async def attend(self, enrolment: Enrolment, session: ClassSession, present: bool) -> None:
        self.s.add(Attendance(session_id=session.id, enrolment_id=enrolment.id, present=present))
        await self.s.flush()

    async def checkin(
        self,
        enrolment: Enrolment,
        round_days: int,
        *,
        status: CheckInStatus = CheckInStatus.ANSWERED,
        bracket: int | None = None,
        change: IncomeChange | None = None,
        business: bool | None = None,
        business_kind: str | None = None,
        help_received: Sequence[str] = (),
        obstacle: str | None = None,
        obstacle_other: str | None = None,
        wants_contact: bool | None = None,
        due_at: datetime | None = None,
    ) -> CheckIn:
        due = due_at or now() - timedelta(days=1)
        answered = status == CheckInStatus.ANSWERED
        c = CheckIn(
            enrolment_id=enrolment.id,
            user_id=enrolment.user_id,
            class_id=enrolment.class_id,
            round_days=round_days,
            due_at=due,
            status=status,
            asked_at=due if status != CheckInStatus.SCHEDULED else None,
            answered_at=due + timedelta(hours=2) if answered else None,
            income=str(bracket * BRACKET_RUPIAH) if bracket is not None else None,
            income_bracket=bracket,
            income_change=change,
            business_started=business,
            business_kind=business_kind,
            help_received=list(help_received),
            obstacle=obstacle,
            obstacle_other=obstacle_other,
            wants_contact=wants_contact,
        )
        self.s.add(c)
        await self.s.flush()
        return c

    async def follow_up(
        self, checkin: CheckIn, reason: str, *, created_at: datetime | None = None
    ) -> FollowUp:
        fu = FollowUp(checkin_id=checkin.id, reason=reason, created_at=created_at or now())
        self.s.add(fu)
        await self.s.flush()
        return fu


# ---- bulk ---------------------------------------------------------------------------------

CHUNK = 5_000
SKILL_CODES = ("menjahit", "memasak", "kue_kering", "membatik")
OBSTACLE_CODES = ("modal", "pemasaran", "waktu", "kesehatan", "alat", "lainnya")
HELP_CODES = ("mesin_jahit", "gerobak", "etalase", "modal_usaha", "tidak_ada")


async def _insert(db: Database, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """executemany in chunks, one transaction per chunk (bounded memory)."""
    total = 0
    chunk: list[dict[str, Any]] = []

    async def flush() -> None:
        async with db.transaction() as s:
            await s.execute(insert(table), chunk)

    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            await flush()
            total += len(chunk)
            chunk = []
    if chunk:
        await flush()
        total += len(chunk)
    return total


async def seed_bulk(
    db: Database,
    *,
    women: int = 50_000,
    classes: int = 60,
    seed: int = 4,
    visits_total: int = 30_000,
) -> dict[str, int]:
    """Synthetic programme: every woman registered in the last 400 days and
    enrolled in one class; 3 sessions per class with attendance; 3 check-ins
    (30/90/180 days) per enrolment. Encrypted columns stay empty: reports read
    only the plain aggregates (verdict, kecamatan, brackets, codes)."""
    crypto.protector()  # fail early if the key is not configured
    rnd = random.Random(seed)
    at = now()
    counts: dict[str, int] = {}
    counts["users"] = await _insert(db, User.__table__, ({"id": i} for i in range(1, women + 1)))

    verdicts = (Verdict.ELIGIBLE,) * 7 + (Verdict.NEEDS_REVIEW,) * 2 + (Verdict.NOT_ELIGIBLE,)
    intake = [rnd.randint(0, 9) for _ in range(women + 1)]

    places = load_places()
    villages = {k: [v.code for v in places.villages(k)] for k in KECAMATAN}

    def village(i: int) -> str:
        desa = villages[KECAMATAN[i % 3]]
        return desa[(i // 3) % len(desa)]

    def registrants() -> Iterable[dict[str, Any]]:
        for i in range(1, women + 1):
            yield {
                "user_id": i,
                # Her desa (encrypted) and a name: a companion's caseload reads both.
                "full_name": f"Ibu {i}",
                "village_code": village(i),
                "status": RegistrantStatus.ACTIVE,
                "verdict": verdicts[i % len(verdicts)],
                "kecamatan_code": KECAMATAN[i % 3],
                "income_bracket": intake[i],
                "interests": [SKILL_CODES[i % 4]],
                "nik_mismatch": False,
                "created_at": at - timedelta(days=rnd.randint(0, 400)),
            }

    counts["registrants"] = await _insert(db, Registrant.__table__, registrants())
    counts["classes"] = await _insert(
        db,
        TrainingClass.__table__,
        (
            {
                "id": c,
                "skill": SKILL_CODES[c % 4],
                "title": f"Kelas {c}",
                "place": "Balai Desa",
                "kecamatan_code": KECAMATAN[c % 3],
                "trainer": "Bu Rina",
                "capacity": women,
                "taken": 0,
                "enrol_deadline": at,
                "status": ClassStatus.PUBLISHED,
            }
            for c in range(1, classes + 1)
        ),
    )
    counts["sessions"] = await _insert(
        db,
        ClassSession.__table__,
        (
            {
                "id": (c - 1) * 3 + k,
                "class_id": c,
                "starts_at": at - timedelta(days=200 - k),
                "ends_at": at - timedelta(days=200 - k),
            }
            for c in range(1, classes + 1)
            for k in (1, 2, 3)
        ),
    )
    statuses = (EnrolmentStatus.ENROLLED,) * 17 + (
        EnrolmentStatus.CANCELLED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.OFFERED,
    )
    status_of = [statuses[i % len(statuses)] for i in range(women + 1)]
    counts["enrolments"] = await _insert(
        db,
        Enrolment.__table__,
        (
            {
                "id": i,
                "class_id": i % classes + 1,
                "user_id": i,
                "status": status_of[i],
                "completed": status_of[i] == EnrolmentStatus.ENROLLED and i % 5 != 0,
                "created_at": at - timedelta(days=rnd.randint(0, 380)),
            }
            for i in range(1, women + 1)
        ),
    )
    counts["attendance"] = await _insert(
        db,
        Attendance.__table__,
        (
            {
                "session_id": ((i % classes + 1) - 1) * 3 + k,
                "enrolment_id": i,
                "present": rnd.random() < 0.85,
                "marked_at": at - timedelta(days=200 - k),
            }
            for i in range(1, women + 1)
            for k in (1, 2, 3)
        ),
    )
    checkin_statuses = (
        (CheckInStatus.ANSWERED,) * 6
        + (CheckInStatus.NO_RESPONSE,) * 2
        + (CheckInStatus.ASKED, CheckInStatus.SCHEDULED)
    )

    def checkins() -> Iterable[dict[str, Any]]:
        for i in range(1, women + 1):
            for r, days in enumerate((30, 90, 180)):
                status = checkin_statuses[(i + r) % len(checkin_statuses)]
                answered = status == CheckInStatus.ANSWERED
                after = max(0, intake[i] + rnd.randint(-2, 4)) if answered else None
                change = None
                if after is not None:
                    change = income_change(intake[i], after)
                yield {
                    "enrolment_id": i,
                    "user_id": i,
                    "class_id": i % classes + 1,
                    "round_days": days,
                    "due_at": at - timedelta(days=rnd.randint(0, 360)),
                    "status": status,
                    "income_bracket": after,
                    "income_change": change,
                    "business_started": (rnd.random() < 0.4) if answered else None,
                    "help_received": [HELP_CODES[i % 5]] if answered else [],
                    "obstacle": OBSTACLE_CODES[(i * 7 + r) % 6] if answered else None,
                    "wants_contact": (i % 9 == 0) if answered else None,
                }

    counts["checkins"] = await _insert(db, CheckIn.__table__, checkins())

    aid_kinds = [k.value for k in AidKind if k != AidKind.LAINNYA]

    def aids() -> Iterable[dict[str, Any]]:
        # One aid for every fifth woman (10,000 of 50,000), over the last year.
        for n, i in enumerate(range(1, women + 1, 5)):
            yield {
                "registrant_id": i,
                "kind": aid_kinds[n % len(aid_kinds)],
                "value": rnd.choice((500_000, 1_000_000, 1_500_000, 2_500_000)),
                "given_on": (at - timedelta(days=rnd.randint(0, 365))).date(),
                "source": "APBD Dinsos",
                "recorded_at": at,
            }

    counts["aids"] = await _insert(db, Aid.__table__, aids())

    # One companion per desa (issue 11), 30,000 visits over the last year, and
    # 5,000 follow-ups they hold (a third resolved).
    desa = sorted({v for vs in villages.values() for v in vs})
    companion = {v: COMPANION_BASE + n for n, v in enumerate(desa)}
    await _insert(
        db,
        RoleGrant.__table__,
        ({"user_id": c, "role": "companion", "granted_at": at} for c in companion.values()),
    )
    counts["companions"] = await _insert(
        db,
        CompanionArea.__table__,
        ({"user_id": c, "village_code": v, "assigned_at": at} for v, c in companion.items()),
    )
    obstacle_codes = list(VISIT_OBSTACLES)

    def visits() -> Iterable[dict[str, Any]]:
        for _ in range(visits_total):
            i = rnd.randint(1, women)
            seen = rnd.sample(obstacle_codes, rnd.randint(0, 2))
            yield {
                "registrant_id": i,
                "companion_id": companion[village(i)],
                "visited_on": (at - timedelta(days=rnd.randint(0, 365))).date(),
                "obstacles": seen,
                "created_at": at,
            }

    counts["visits"] = await _insert(db, Visit.__table__, visits())
    counts["follow_ups"] = await _insert(
        db,
        FollowUp.__table__,
        (
            {
                "checkin_id": n * 30 + 1,
                "reason": "income_fell",
                "assigned_to": companion[village((n * 30) // 3 + 1)],
                "created_at": at - timedelta(days=n % 300),
                "resolved_at": at if n % 3 == 0 else None,
            }
            for n in range(min(5_000, women * 3 // 30))
        ),
    )
    if not db.is_sqlite:  # explicit ids were inserted: move the sequences past them
        async with db.transaction() as s:
            for table in ("classes", "class_sessions", "enrolments"):
                await s.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
    return counts
