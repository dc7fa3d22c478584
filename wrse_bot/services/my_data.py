"""Her rights under UU PDP: see her data, and have it deleted (which also
withdraws her consent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, Assessment, Registrant
from wrse_bot.domain.nik import mask_nik
from wrse_bot.domain.people import mask_phone
from wrse_bot.domain.statuses import RegistrantStatus
from wrse_bot.forms.intake import NAME as INTAKE
from wrse_bot.services.aid import AidLine, aid_of
from wrse_bot.services.erasure import erase
from wrse_bot.services.registration import RuleLine, rule_lines
from wrse_bot.services.updates import claim_update


@dataclass(frozen=True)
class MyData:
    """What /data_saya shows her; the NIK arrives already masked."""

    full_name: str
    nik_masked: str
    birth_date: date | None
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
    phone_masked: str
    contact_by: str | None
    status: str
    verdict: str | None
    reasons: tuple[RuleLine, ...]
    more: dict[str, Any] = field(default_factory=dict)  # answers without a column
    number: int = 0  # her registration number, for the office (/stimulan, visits)
    aid: tuple[AidLine, ...] = ()  # business aid recorded for her, newest first


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

    async def view(self, user_id: int) -> MyData | None:
        async with self.db.sessions() as s:
            reg = await _live(s, user_id)
            if reg is None:
                return None
            latest = await s.scalar(
                select(Assessment)
                .where(Assessment.registrant_id == reg.id)
                .order_by(Assessment.id.desc())
                .limit(1)
            )
            return MyData(
                full_name=reg.full_name or "",
                nik_masked=mask_nik(reg.nik or ""),
                birth_date=reg.birth_date,
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
                phone_masked=mask_phone(reg.phone),
                contact_by=reg.contact_by,
                status=reg.status,
                verdict=reg.verdict,
                reasons=rule_lines(latest.results) if latest else (),
                more=dict(reg.more_answers or {}),
                number=reg.id,
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
        """Erase everything that is hers and withdraw her consent
        (services/erasure.py); only anonymous counts remain. False if there
        was nothing to erase."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return True
            erased = await erase(s, self.settings, user_id, reason="by_subject")
            return erased.had_data
