"""Her rights under UU PDP: see her data, and have it deleted (which also
withdraws her consent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    Assessment,
    AuditEvent,
    Consent,
    Registrant,
    RegistrationDraft,
    StaffFlag,
)
from wrse_bot.domain.nik import mask_nik
from wrse_bot.domain.people import mask_phone
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
    status: str
    verdict: str | None
    reasons: tuple[RuleLine, ...]


async def _live(s: AsyncSession, user_id: int) -> Registrant | None:
    return await s.scalar(
        select(Registrant).where(Registrant.user_id == user_id, Registrant.status != "deleted")
    )


class MyDataService:
    def __init__(self, db: Database) -> None:
        self.db = db

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
                status=reg.status,
                verdict=reg.verdict,
                reasons=rule_lines(latest.results) if latest else (),
            )

    async def has_anything(self, user_id: int) -> bool:
        async with self.db.sessions() as s:
            reg = await _live(s, user_id)
            draft = await s.get(RegistrationDraft, user_id)
            return reg is not None or draft is not None

    async def delete(self, user_id: int, update_id: int | None) -> bool:
        """Erase her personal data; only anonymous counts remain.

        The registrant row keeps status, verdict, kecamatan and dates so the
        office can still count; name, NIK, its hash, birth date, address,
        income, phone and the reasons (which quote income) are removed.
        """
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return True
            reg = await _live(s, user_id)
            drafts = await s.execute(
                delete(RegistrationDraft).where(RegistrationDraft.user_id == user_id)
            )
            at = now()
            await s.execute(
                update(Consent)
                .where(Consent.user_id == user_id, Consent.withdrawn_at.is_(None))
                .values(withdrawn_at=at)
            )
            if reg is None:
                return bool(drafts.rowcount)  # type: ignore[attr-defined]
            await s.execute(
                update(Assessment).where(Assessment.registrant_id == reg.id).values(results=None)
            )
            await s.execute(
                update(StaffFlag)
                .where(StaffFlag.registrant_id == reg.id)
                .values(detail=None, user_id=None)
            )
            for column in (
                "full_name",
                "nik",
                "nik_hash",
                "birth_date",
                "nik_birth_date",
                "nik_kecamatan_code",
                "village_code",
                "address",
                "monthly_income",
                "income_bracket",
                "phone",
                "occupation_other",
                "user_id",
            ):
                setattr(reg, column, None)
            reg.status = "deleted"
            reg.deleted_at = at
            s.add(AuditEvent(actor_id=None, action="data_deleted_by_subject", registrant_id=reg.id))
            return True
