"""Rows written straight to the database, for tests that need a published
class or an eligible woman without going through the chat first.

    cid = await make_class(db, capacity=2, sessions=[(wib(2030, 12, 3, 9), wib(2030, 12, 3, 12))])
    await make_woman(db, 7001)                       # eligible, Junrejo, likes menjahit
    await make_woman(db, 7002, verdict=Verdict.NEEDS_REVIEW)

Default dates lie in December 2030 (Tuesday 3 and Thursday 5, 09.00-12.00 WIB),
so classes are upcoming whatever day the tests run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from wrse_bot.db.engine import Database
from wrse_bot.db.models import ClassSession, Registrant, TrainingClass, User
from wrse_bot.domain.eligibility import Verdict
from wrse_bot.domain.statuses import ClassStatus, RegistrantStatus

WIB = ZoneInfo("Asia/Jakarta")


def wib(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """An aware datetime on the office's clock (stored as UTC)."""
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


DEFAULT_SESSIONS: tuple[tuple[datetime, datetime], ...] = (
    (wib(2030, 12, 3, 9), wib(2030, 12, 3, 12)),  # Selasa, 3 Desember 2030
    (wib(2030, 12, 5, 9), wib(2030, 12, 5, 12)),  # Kamis, 5 Desember 2030
)


async def make_class(
    db: Database,
    *,
    skill: str = "menjahit",
    title: str = "Menjahit Dasar",
    capacity: int = 10,
    kecamatan_code: str = "35.79.03",
    place: str = "Balai Desa Beji",
    trainer: str = "Bu Sri Wahyuni",
    description: str = "",
    sessions: Sequence[tuple[datetime, datetime]] = DEFAULT_SESSIONS,
    deadline: datetime | None = None,
    status: ClassStatus = ClassStatus.PUBLISHED,
    taken: int = 0,
    created_by: int | None = None,
) -> int:
    """A class with its sessions; returns its id. The deadline defaults to one
    day before the first session. ``taken`` is written as given: seat counts
    of enrolments you add yourself are yours to keep consistent."""
    first = min(start for start, _ in sessions) if sessions else None
    if deadline is None:
        assert first is not None, "a class without sessions needs a deadline"
        deadline = first - timedelta(days=1)
    async with db.transaction() as s:
        cls = TrainingClass(
            skill=skill,
            title=title,
            description=description,
            place=place,
            kecamatan_code=kecamatan_code,
            trainer=trainer,
            capacity=capacity,
            taken=taken,
            enrol_deadline=deadline,
            status=status,
            created_by=created_by,
        )
        cls.sessions = [ClassSession(starts_at=a, ends_at=b) for a, b in sessions]
        s.add(cls)
        await s.flush()
        return cls.id


async def make_woman(
    db: Database,
    user_id: int,
    *,
    verdict: Verdict | None = Verdict.ELIGIBLE,
    status: RegistrantStatus = RegistrantStatus.ACTIVE,
    kecamatan_code: str = "35.79.03",
    interests: Iterable[str] = ("menjahit",),
    full_name: str = "Siti Aminah",
    village_code: str | None = None,
) -> int:
    """A Telegram user with a submitted registration (no NIK, income or phone:
    those are for the registration tests); returns the registrant id."""
    async with db.transaction() as s:
        if await s.get(User, user_id) is None:
            s.add(User(id=user_id, language="id"))
            await s.flush()
        reg = Registrant(
            user_id=user_id,
            status=status,
            verdict=verdict,
            full_name=full_name,
            sex="F",
            kecamatan_code=kecamatan_code,
            village_code=village_code,
            interests=list(interests),
        )
        s.add(reg)
        await s.flush()
        return reg.id


async def make_assisted_woman(
    db: Database,
    companion_id: int,
    village_code: str,
    *,
    full_name: str = "Sari Wulandari",
    verdict: Verdict | None = Verdict.ELIGIBLE,
    kecamatan_code: str = "35.79.03",
    code: str = "ABCD-EFGH",
) -> int:
    """A woman registered by her companion (/daftarkan), without Telegram: her
    placeholder account as the finish of that form gives it; returns the
    registrant id. ``code`` is her link code (/start <code>)."""
    from wrse_bot.services.assisted import code_hash
    from wrse_bot.services.placeholders import give_placeholder

    async with db.transaction() as s:
        reg = Registrant(
            user_id=None,
            status=RegistrantStatus.ACTIVE,
            verdict=verdict,
            full_name=full_name,
            sex="F",
            kecamatan_code=kecamatan_code,
            village_code=village_code,
            interests=["menjahit"],
            assisted_by=companion_id,
            link_code_hash=code_hash(code),
        )
        s.add(reg)
        await s.flush()
        await give_placeholder(s, reg)
        return reg.id
