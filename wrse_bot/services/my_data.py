"""Her rights under UU PDP: see her data, and have it deleted (which also
withdraws her consent). ``Person`` is a registration as shown, to her or to an officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import today_wib
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, Assessment, Registrant
from wrse_bot.domain.nik import NikError, mask_nik, parse_nik
from wrse_bot.domain.people import mask_phone
from wrse_bot.domain.statuses import RegistrantStatus
from wrse_bot.forms.intake import NAME as INTAKE
from wrse_bot.services.aid import AidLine, aid_of
from wrse_bot.services.erasure import erase
from wrse_bot.services.registration import RuleLine, rule_lines
from wrse_bot.services.updates import claim_update


@dataclass(frozen=True)
class Person:
    """A registration as shown: the NIK masked (the last four digits tell two
    records apart), the phone as this viewer may see it (None: not for her)."""

    registrant_id: int
    user_id: int | None
    full_name: str
    nik: str
    sex: str | None  # as she answered
    nik_sex: str | None  # as the NIK's digits say
    birth_date: date | None
    nik_birth_date: date | None
    kecamatan_code: str | None
    village_code: str | None
    address: str | None
    marital_status: str | None
    main_earner: bool | None
    dependents: int | None
    income: int
    education: str | None
    occupation: str | None
    occupation_other: str | None
    interests: tuple[str, ...]
    phone: str | None
    contact_by: str | None  # "telegram" / "no_phone": she gave no number
    status: str
    verdict: str | None
    registered_at: datetime
    more: dict[str, Any]  # answers without a column
    reasons: tuple[RuleLine, ...] = ()  # her latest check's result
    aid: tuple[AidLine, ...] = ()  # business aid recorded for her, newest first


def person(
    reg: Registrant, *, phone: str | None, reasons: tuple[RuleLine, ...] = (), aid: tuple = ()
) -> Person:
    try:
        nik_sex: str | None = parse_nik(reg.nik or "", today=today_wib()).sex.value
    except NikError:
        nik_sex = None
    return Person(
        registrant_id=reg.id,
        user_id=reg.user_id,
        full_name=reg.full_name or "-",
        nik=mask_nik(reg.nik) if reg.nik else "-",
        sex=reg.sex,
        nik_sex=nik_sex,
        birth_date=reg.birth_date,
        nik_birth_date=reg.nik_birth_date,
        kecamatan_code=reg.kecamatan_code,
        village_code=reg.village_code,
        address=reg.address,
        marital_status=reg.marital_status,
        main_earner=reg.main_earner,
        dependents=reg.dependents,
        income=int(reg.monthly_income or 0),
        education=reg.education,
        occupation=reg.occupation,
        occupation_other=reg.occupation_other,
        interests=tuple(reg.interests or ()),
        phone=phone,
        contact_by=reg.contact_by,
        status=reg.status,
        verdict=reg.verdict,
        registered_at=reg.created_at,
        more=dict(reg.more_answers or {}),
        reasons=reasons,
        aid=aid,
    )


async def latest_reasons(s: AsyncSession, registrant_id: int) -> tuple[RuleLine, ...]:
    """Her latest check's result, as renderable lines."""
    latest = await s.scalar(
        select(Assessment.results)
        .where(Assessment.registrant_id == registrant_id)
        .order_by(Assessment.id.desc())
        .limit(1)
    )
    return rule_lines(latest)


async def _live(s: AsyncSession, user_id: int) -> Registrant | None:
    return await s.scalar(
        select(Registrant).where(
            Registrant.user_id == user_id, Registrant.status != RegistrantStatus.DELETED
        )
    )


class MyDataService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def view(self, user_id: int) -> Person | None:
        """What /data_saya shows her (her phone masked)."""
        async with self.db.sessions() as s:
            reg = await _live(s, user_id)
            if reg is None:
                return None
            return person(
                reg,
                phone=mask_phone(reg.phone),
                reasons=await latest_reasons(s, reg.id),
                aid=tuple(await aid_of(s, reg.id)),
            )

    async def has_anything(self, user_id: int) -> bool:
        async with self.db.sessions() as s:
            reg = await _live(s, user_id)
            draft = await s.scalar(
                select(ActiveForm.id).where(
                    ActiveForm.user_id == user_id, ActiveForm.form == INTAKE
                )
            )
            return reg is not None or draft is not None

    async def delete(self, user_id: int, update_id: int | None) -> bool:
        """Erase everything that is hers and withdraw her consent (services/erasure.py);
        False if there was nothing to erase."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return True
            erased = await erase(s, self.settings, user_id, reason="by_subject")
            return erased.had_data
