"""Sample classes for the demo (``:contoh``), published through the real class service.

Dates are relative to today, so the samples are always upcoming and open for enrolment.
Loading twice adds nothing: a sample whose title is already among the upcoming
published classes is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from wrse_bot.clock import now as clock_now
from wrse_bot.db.engine import Database
from wrse_bot.domain.class_spec import ClassSpec
from wrse_bot.domain.schedule import Span
from wrse_bot.services.class_changes import publish_class
from wrse_bot.services.class_views import staff_classes


@dataclass(frozen=True)
class _Sample:
    skill: str
    title: str
    description: str
    place: str
    kecamatan_code: str
    trainer: str
    capacity: int
    session_days: tuple[int, ...]  # working days (Mon-Fri) from today, each 09.00-12.00 WIB
    deadline_day: int  # enrolment closes that working day at 17.00 WIB


SAMPLES = (
    _Sample(
        "menjahit",
        "Menjahit Dasar",
        "Belajar menjahit dari nol: memakai mesin jahit, mengukur dan menjahit rok sederhana.",
        "Balai Desa Beji",
        "35.79.03",
        "Bu Sulastri",
        15,
        (5, 6, 8, 10),
        3,
    ),
    _Sample(
        "kue_kering",
        "Kue Kering untuk Dijual",
        "Membuat nastar dan kastengel, menghitung modal dan harga jual.",
        "Aula Kelurahan Sisir",
        "35.79.01",
        "Bu Wahyuni",
        20,
        (7, 9),
        5,
    ),
    _Sample(
        "membatik",
        "Membatik Tulis Motif Apel",
        "Batik tulis dengan canting, dari pola sampai pewarnaan.",
        "Balai Desa Bumiaji",
        "35.79.02",
        "Pak Hadi",
        2,  # small on purpose: the third woman to enrol goes on the waiting list
        (11, 12, 13),
        9,
    ),
)


def sample_specs(tz: tzinfo, at: datetime | None = None) -> list[ClassSpec]:
    today = (at or clock_now()).astimezone(tz).date()

    def wib(working_days: int, hour: int) -> datetime:
        day = today
        while working_days > 0:
            day += timedelta(days=1)
            working_days -= day.weekday() < 5  # the office does not teach at weekends
        return datetime.combine(day, time(hour), tzinfo=tz)

    return [
        ClassSpec(
            skill=s.skill,
            title=s.title,
            description=s.description,
            place=s.place,
            kecamatan_code=s.kecamatan_code,
            trainer=s.trainer,
            capacity=s.capacity,
            sessions=tuple(Span(wib(d, 9), wib(d, 12)) for d in s.session_days),
            enrol_deadline=wib(s.deadline_day, 17),
        )
        for s in SAMPLES
    ]


async def load_sample_classes(db: Database, tz: tzinfo, *, actor_id: int) -> list[str]:
    """Publish the samples not yet upcoming; returns the titles added (none the 2nd time)."""
    added: list[str] = []
    async with db.transaction() as s:
        present = {c.title for c in await staff_classes(s)}
        for spec in sample_specs(tz):
            if spec.title in present:
                continue
            await publish_class(s, spec, actor_id=actor_id)
            added.append(spec.title)
    return added
