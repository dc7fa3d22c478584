"""Assisted registration (/daftarkan, issue 11) and linking her own account.

A companion registers a woman without Telegram (wrse_bot/forms/assisted.py),
only one of her desa (checked again when the form is sent), under the intake's
daily limit of different NIKs counted for the companion (services/nik_attempts.py).
It is filed through the intake's own ``submit_registration``, with no Telegram
account, marked assisted (who registered her, who witnessed her consent and
when). She gets a short code, shown once and stored only as its SHA-256.

Until then she owns a placeholder account (services/placeholders.py), so her
companion can enrol her and what is due for her reaches the companion's digest.
``/start <code>`` attaches her own account to that record (never a second one),
moves what the placeholder held onto it and records her consent. An account that
already has a registration goes to staff (a flag), as a duplicate NIK does.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import WIB, now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, Consent, Registrant, StaffFlag, User
from wrse_bot.domain.eligibility import Verdict
from wrse_bot.domain.statuses import FlagKind, RegistrantStatus
from wrse_bot.domain.text import N_, Msg
from wrse_bot.forms.assisted import ASSISTED, OUTSIDE, assisted_form, her_desa
from wrse_bot.forms.engine import FormState, Problem
from wrse_bot.forms.intake import intake_form, registration
from wrse_bot.forms.model import DONE, Answers
from wrse_bot.services import nik_attempts
from wrse_bot.services.audience import WITHDRAWN
from wrse_bot.services.companions import areas_of
from wrse_bot.services.forms import FormSpec, InRow
from wrse_bot.services.notices import Notice
from wrse_bot.services.placeholders import give_placeholder, hand_over
from wrse_bot.services.registration import CONSENT_VERSION, submit_registration
from wrse_bot.services.roles import COMPANIONS, audit
from wrse_bot.services.updates import claim_update

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, written by hand
CODE_LEN = 8
CODE_PATTERN = r"[A-Za-z0-9]{4}[-\s]?[A-Za-z0-9]{4}"  # as written by hand: "8kdn f866" too
NOT_AGREED = N_("Nothing is saved: she did not agree. She may register another time.")
REGISTERED = N_("Registered: {name}, number #{number}. {verdict}")
CODE_LINE = N_(
    "Her code: <b>{code}</b>. Write it down for her. When she has Telegram, she types "
    "/start {code} to the bot, and her own account is linked to this registration."
)
VERDICT_LABELS = {
    Verdict.ELIGIBLE: N_("She meets the requirements."),
    Verdict.NEEDS_REVIEW: N_("An officer needs to check a few things."),
    Verdict.NOT_ELIGIBLE: N_("For now she does not meet the requirements."),
}


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
    return f"{raw[:4]}-{raw[4:]}"


def code_hash(code: str) -> str:
    """What is stored of a code: its letters, upper case, without the dash."""
    clean = re.sub(r"[^A-Za-z0-9]", "", code).upper()
    return hashlib.sha256(clean.encode()).hexdigest()


class AssistedFacts(InRow):
    """Her form's facts (the time, the companion's desa), its check and its finish."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def load(self, s: AsyncSession, row: ActiveForm) -> Answers | None:
        answers = dict(await super().load(s, row) or {})
        answers.update(
            _now=now().astimezone(WIB).replace(microsecond=0).isoformat(),
            _years=self.settings.retention_years,
            _areas=tuple(sorted(await areas_of(s, row.user_id))),
        )
        return answers

    async def save(self, s: AsyncSession, row: ActiveForm, before: Answers, after: Answers) -> None:
        row.answers = {k: v for k, v in after.items() if not k.startswith("_")}

    async def check(
        self, s: AsyncSession, row: ActiveForm, before: Answers, after: FormState
    ) -> Problem | None:
        limit = self.settings.nik_tries_per_day  # counted for the companion, as for the woman
        if refused := await nik_attempts.refuse_new_nik(
            s, limit, row.user_id, before, after.answers
        ):
            return refused
        village = after.answers.get("village_code")
        chosen = village != before.get("village_code") or after.step == DONE
        if village and chosen and village not in before.get("_areas", ()):
            return Problem(OUTSIDE, {"desa": her_desa(before)})
        return None

    async def finish(
        self, s: AsyncSession, row: ActiveForm, answers: Answers
    ) -> tuple[Notice, ...]:
        if not answers.get("consent"):
            return (Notice(row.user_id, NOT_AGREED),)
        filed = registration(answers)
        filed["consent_version"] = CONSENT_VERSION
        filed["consent_at"] = answers["consent_time"]
        reg = Registrant(user_id=None, status=RegistrantStatus.ACTIVE)  # hers, with no account
        s.add(reg)
        await s.flush()
        result = await submit_registration(s, self.settings, None, filed, reg.id)  # type: ignore[arg-type]
        code = new_code()
        reg.assisted_by = row.user_id
        reg.consent_witness = answers["witness"]
        reg.link_code_hash = code_hash(code)
        await give_placeholder(s, reg)  # she can be enrolled and reached through her companion
        audit(s, row.user_id, "register:assisted", registrant_id=reg.id)
        said = {"name": reg.full_name or "-", "number": reg.id}
        return (
            Notice(
                row.user_id, REGISTERED, {**said, "verdict": Msg(VERDICT_LABELS[result.verdict])}
            ),
            Notice(row.user_id, CODE_LINE, {"code": code}, html=True),
        )


async def has_areas(db: Database, companion_id: int) -> bool:
    """Whether an admin has assigned her any desa (/daftarkan needs one)."""
    async with db.sessions() as s:
        return bool(await areas_of(s, companion_id))


def spec(settings: Settings) -> FormSpec:
    form = assisted_form(
        intake_form(help_after=settings.help_after_misses, retention_years=settings.retention_years)
    )
    assert form.name == ASSISTED.name
    facts = AssistedFacts(settings)
    return FormSpec(form, store=facts, finish=facts.finish, check=facts.check, roles=COMPANIONS)


LinkStatus = Literal["linked", "unknown", "has_own", "duplicate_update"]


@dataclass(frozen=True)
class LinkResult:
    status: LinkStatus
    name: str | None = None


async def link_account(db: Database, user_id: int, code: str, update_id: int | None) -> LinkResult:
    """``/start <code>``: her Telegram account joins the record made for her."""
    async with db.transaction() as s:
        if not await claim_update(s, update_id):
            return LinkResult("duplicate_update")
        reg = await s.scalar(
            select(Registrant).where(
                Registrant.link_code_hash == code_hash(code),
                Registrant.user_id.is_(None) | (Registrant.user_id < 0),  # no own account yet
                Registrant.status.not_in(WITHDRAWN),
            )
        )
        if reg is None:
            audit(s, user_id, "link:refused")
            return LinkResult("unknown")
        own = await s.scalar(
            select(Registrant.id).where(
                Registrant.user_id == user_id, Registrant.status.not_in(WITHDRAWN)
            )
        )
        if own is not None:  # two records for one woman? staff settle it, as for a NIK
            s.add(
                StaffFlag(
                    kind=FlagKind.LINK_CONFLICT,
                    user_id=user_id,
                    registrant_id=reg.id,
                    detail=f"this account already has registrant #{own}",
                )
            )
            audit(s, user_id, "link:conflict", registrant_id=reg.id)
            return LinkResult("has_own")
        if await s.get(User, user_id) is None:
            s.add(User(id=user_id, language="id"))
            await s.flush()
        await hand_over(s, reg, user_id)  # her places, check-ins, messages: hers now
        reg.linked_at = now()
        reg.link_code_hash = None  # used: the same code links nobody else
        s.add(
            Consent(
                user_id=user_id,
                text_version=reg.consent_version or CONSENT_VERSION,
                agreed=True,
                decided_at=reg.consent_at or now(),
            )
        )
        audit(s, user_id, "link:attached", registrant_id=reg.id)
        return LinkResult("linked", reg.full_name)
