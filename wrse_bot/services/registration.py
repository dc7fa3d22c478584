"""Submitting a registration: duplicate NIK check, eligibility, staff flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot import crypto
from wrse_bot.clock import now, today_wib
from wrse_bot.config import Settings
from wrse_bot.db.models import Assessment, Registrant, StaffFlag
from wrse_bot.domain.eligibility import (
    REWORDED,
    Applicant,
    MaritalStatus,
    Outcome,
    RuleResult,
    Verdict,
    assess,
)
from wrse_bot.domain.nik import Sex, sex_of_nik
from wrse_bot.domain.statuses import ContactBy, FlagKind, RegistrantStatus
from wrse_bot.domain.text import Day, Money

# The consent text she agreed to is identified by this version (UU PDP Ps. 24):
# the short screen and its "Baca selengkapnya" full text together, in every
# language. Change it whenever either wording changes in the catalogs
# (tests/unit/test_consent.py holds each version's fingerprint).
CONSENT_VERSION = "2026-12-v2"


@dataclass(frozen=True)
class RuleLine:
    outcome: Outcome
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmitResult:
    verdict: Verdict  # what she is told (a possible duplicate NIK: never "eligible")
    lines: tuple[RuleLine, ...] = ()
    duplicate: bool = False  # held for staff as a possible duplicate NIK (she is not told)
    updated: bool = False  # an existing registration was changed


def _applicant(a: dict[str, Any]) -> Applicant:
    # Rule 1 reads the NIK's sex; a["sex"] is what she told us after confirming it.
    nik_sex = sex_of_nik(a["nik"])
    return Applicant(
        sex=nik_sex,
        confirmed_nik_shows_man=nik_sex is Sex.MALE and Sex(a["sex"]) is Sex.FEMALE,
        birth_date=date.fromisoformat(a["birth_date"]),
        marital_status=MaritalStatus(a["marital_status"]),
        main_earner=bool(a["main_earner"]),
        dependents=int(a["dependents"]),
        monthly_income=int(a["income"]),
    )


def serialise(results: tuple[RuleResult, ...]) -> list[dict[str, Any]]:
    def param(value: Any) -> Any:
        if isinstance(value, Money):
            return {"money": value.rupiah}
        if isinstance(value, Day):
            return {"day": value.value.isoformat()}
        return value

    return [
        {
            "rule": r.rule,
            "outcome": r.outcome.value,
            "message": r.message,
            "params": {k: param(v) for k, v in r.params.items()},
        }
        for r in results
    ]


def rule_lines(stored: list[dict[str, Any]] | None) -> tuple[RuleLine, ...]:
    """Stored reasons back into renderable lines (money and dates re-wrapped)."""

    def param(value: Any) -> Any:
        if isinstance(value, dict) and "money" in value:
            return Money(int(value["money"]))
        if isinstance(value, dict) and "day" in value:
            return Day(date.fromisoformat(value["day"]))
        return value

    return tuple(
        RuleLine(
            Outcome(r["outcome"]),
            REWORDED.get(r["message"], r["message"]),
            {k: param(v) for k, v in r["params"].items()},
        )
        for r in stored or []
    )


def registrant_answers(reg: Registrant) -> dict[str, Any]:
    """Her registration as the intake form's answers, so "Ubah data" edits what she gave."""
    birth_ok = reg.birth_date == reg.nik_birth_date
    by = reg.contact_by or ContactBy.PHONE
    answers: dict[str, Any] = {
        "consent": True,
        "consent_version": reg.consent_version,
        "consent_at": reg.consent_at.isoformat() if reg.consent_at else None,
        "full_name": reg.full_name,
        "nik": reg.nik,
        "birth_ok": birth_ok,
        "kecamatan_code": reg.kecamatan_code,
        "village_code": reg.village_code,
        "address": reg.address,
        "marital_status": reg.marital_status,
        "main_earner": reg.main_earner,
        "dependents": reg.dependents,
        "income": int(reg.monthly_income or 0),
        "education": reg.education,
        "occupation": reg.occupation,
        "interests": tuple(reg.interests or ()),
        "phone": reg.phone if by == ContactBy.PHONE else by,
    }
    if reg.nik and sex_of_nik(reg.nik) is Sex.MALE:
        answers["sex_confirmed"] = True
    if not birth_ok:
        answers["birth_date"] = reg.birth_date.isoformat() if reg.birth_date else None
    if reg.occupation_other:
        answers["occupation_other"] = reg.occupation_other
    answers.update(reg.more_answers or {})
    return answers


async def submit_registration(
    s: AsyncSession,
    settings: Settings,
    user_id: int,
    a: dict[str, Any],
    registrant_id: int | None,
) -> SubmitResult:
    protector = crypto.protector()
    nik_hash = protector.nik_hash(a["nik"])
    # During a key rotation an older row may still carry the previous key's hash.
    holders = (
        await s.scalars(
            select(Registrant)
            .where(
                Registrant.nik_hash.in_(protector.nik_hashes(a["nik"])),
                Registrant.duplicate_of_id.is_(None),
            )
            .order_by(Registrant.id)
        )
    ).all()
    reg = await s.get(Registrant, registrant_id) if registrant_id else None
    if reg is None:
        reg = await s.scalar(select(Registrant).where(Registrant.user_id == user_id))
    updated = reg is not None and reg.status != RegistrantStatus.DELETED
    if reg is None:
        reg = Registrant(user_id=user_id)
        s.add(reg)
    holder = next((h for h in holders if h.id != reg.id), None)
    _fill(reg, a, nik_hash)
    mismatch = bool(a.get("dob_mismatch") or a.get("sex_mismatch"))
    reg.nik_mismatch = mismatch

    today = today_wib()
    result = assess(_applicant(a), on=today, thresholds=settings.thresholds)
    verdict = result.verdict
    flags: list[tuple[FlagKind, str | None]] = []
    if holder is not None:
        # One NIK, one person: never overwrite, never silently duplicate; staff
        # settle it. What she reads must not tell whether this NIK is already
        # registered (issue 9: no oracle), so she gets the reply of any record an
        # officer checks: her own answers' verdict, "eligible" held for review.
        reg.duplicate_of_id = holder.id
        reg.status = RegistrantStatus.DUPLICATE_REVIEW
        if verdict == Verdict.ELIGIBLE:
            verdict = Verdict.NEEDS_REVIEW
        flags.append((FlagKind.DUPLICATE_NIK, f"same NIK as registrant #{holder.id}"))
    else:
        reg.duplicate_of_id = None
        reg.status = RegistrantStatus.ACTIVE
        if verdict == Verdict.NEEDS_REVIEW:
            flags.append((FlagKind.NEEDS_REVIEW, None))
        if mismatch:
            flags.append((FlagKind.NIK_MISMATCH, "birth date or sex differs from the NIK"))
    reg.verdict = verdict.value
    await s.flush()
    s.add(
        Assessment(
            registrant_id=reg.id,
            verdict=verdict.value,
            ruleset_version=result.ruleset_version,
            results=serialise(result.results),
            assessed_on=today,
        )
    )
    s.add_all(
        StaffFlag(kind=kind, user_id=user_id, registrant_id=reg.id, detail=detail)
        for kind, detail in flags
    )
    lines = tuple(RuleLine(r.outcome, r.message, dict(r.params)) for r in result.results)
    return SubmitResult(verdict, lines, duplicate=holder is not None, updated=updated)


def income_bracket(rupiah: int) -> int:
    """Whole Rp100.000s: what reports may aggregate in SQL (see Registrant)."""
    return rupiah // 100_000


def _fill(reg: Registrant, a: dict[str, Any], nik_hash: str) -> None:
    def day(key: str) -> date | None:
        return date.fromisoformat(a[key]) if a.get(key) else None

    consent_at = a.get("consent_at")
    reg.full_name = a["full_name"]
    reg.nik = a["nik"]
    reg.nik_hash = nik_hash
    reg.sex = a["sex"]
    reg.birth_date = day("birth_date")
    reg.nik_birth_date = day("nik_birth_date")
    reg.nik_kecamatan_code = a.get("nik_kecamatan_code")
    reg.kecamatan_code = a["kecamatan_code"]
    reg.village_code = a["village_code"]
    reg.address = a.get("address")
    reg.marital_status = a["marital_status"]
    reg.main_earner = a["main_earner"]
    reg.dependents = a["dependents"]
    reg.monthly_income = str(int(a["income"]))
    reg.income_bracket = income_bracket(int(a["income"]))
    reg.education = a["education"]
    reg.occupation = a["occupation"]
    reg.occupation_other = a.get("occupation_other")
    reg.interests = list(a.get("interests", []))
    reg.phone = a.get("phone")
    reg.contact_by = a.get("contact_by") or (ContactBy.PHONE if a.get("phone") else None)
    reg.more_answers = a.get("more_answers")
    reg.consent_version = a.get("consent_version")
    reg.consent_at = datetime.fromisoformat(consent_at) if consent_at else None
    reg.deleted_at = None
    reg.updated_at = now()
