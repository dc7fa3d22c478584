"""The /verifikasi queue: registrations an officer must decide, and requests
for help.

Decisions (documented here because they are the rules):

- **needs_review / nik_mismatch.** "Setujui" makes her ELIGIBLE (status
  active); "Tolak" makes her NOT ELIGIBLE, with a reason. Either way a
  "staff-decision" Assessment records the outcome and the reason, every open
  registration flag of hers is resolved (one decision, not one per flag), and
  she is told through the outbox.
- **duplicate_nik.** One NIK belongs to one person, and the older record
  holds it. There is no "Setujui": who really owns a disputed NIK is settled
  in person at the office (if the older record is wrong, its owner deletes it
  with /hapus_data and the rightful owner registers again). The officer can
  "Tolak" the second registration (status rejected) or leave it in the queue.
- **help_requested.** "Sudah dihubungi" closes it; she is not messaged (the
  officer has just talked to her).

Two officers deciding the same card: the flag is resolved with a conditional
UPDATE (``resolved_at IS NULL``), so the second one is told it was decided.
Showing a card writes an AuditEvent ("view_registration"): staff access to
personal data is logged (UU PDP).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now, today_wib
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, Assessment, Registrant, StaffFlag
from wrse_bot.domain.eligibility import Outcome, RuleResult, Verdict
from wrse_bot.domain.people import display_phone
from wrse_bot.domain.statuses import FlagKind, FormName, OutboxKind, RegistrantStatus
from wrse_bot.domain.text import N_
from wrse_bot.forms.aid import words
from wrse_bot.forms.model import Answers, Form, Question
from wrse_bot.i18n import translator
from wrse_bot.services.forms import FormSpec
from wrse_bot.services.my_data import Person, latest_reasons, person
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.registration import RuleLine, serialise
from wrse_bot.services.roles import STAFF, audit, role_of, sees_phone
from wrse_bot.services.updates import claim_update
from wrse_bot.services.users import language_of

REGISTRATION_KINDS = (FlagKind.NEEDS_REVIEW, FlagKind.DUPLICATE_NIK, FlagKind.NIK_MISMATCH)
QUEUE_KINDS = (*REGISTRATION_KINDS, FlagKind.HELP_REQUESTED)
# Staff may approve what the rules left open, never a NIK another woman holds.
APPROVABLE = (FlagKind.NEEDS_REVIEW, FlagKind.NIK_MISMATCH)
STAFF_RULESET = "staff-decision"

# Reasons an officer picks with one tap; stored as message ids, so she reads
# them in her own language.
PRESET_REASONS: tuple[str, ...] = (
    N_("Household income is above the programme's limit."),
    N_("The data does not match the documents."),
    N_("The WRSE criteria are not met."),
    N_("This NIK is already registered to another person."),
)
TYPED_REASON = N_("Officer's note: {reason}")
APPROVED_REASON = N_("An officer checked your registration and approved it.")

Decision = Literal["approve", "reject", "contacted"]

# "Tulis alasan": her own reason, typed, as a form whose subject is the flag decided.
REASON_FORM = FormName.VERIFY_REASON
REASON_MIN, REASON_MAX = 3, 200
REASON_EXAMPLE = N_("Please write a reason of 3 to 200 characters, or tap Cancel.")
VERIFY_REASON = Form(
    REASON_FORM,
    questions=(
        Question(
            "reason",
            N_("Please type the reason for rejecting, in one short sentence."),
            parse=words(REASON_EXAMPLE, REASON_MIN, REASON_MAX),
            example=REASON_EXAMPLE,
            max_len=REASON_MAX,
            back=False,
        ),
    ),
)


@dataclass(frozen=True)
class Card:
    flag_id: int
    kind: str
    created_at: datetime
    detail: str | None
    user_id: int | None
    queue_size: int
    other_kinds: tuple[str, ...] = ()
    person: Person | None = None  # with her latest check's result
    holder: Person | None = None  # duplicate_nik: who already holds the NIK

    @property
    def can_approve(self) -> bool:
        return self.kind in APPROVABLE and self.person is not None

    @property
    def can_reject(self) -> bool:
        return self.kind in REGISTRATION_KINDS and self.person is not None


DecisionStatus = Literal[
    "done",
    "already",  # another officer decided first
    "not_allowed",  # e.g. "approve" on a duplicate NIK (a forged button)
    "duplicate_update",
]


@dataclass(frozen=True)
class DecisionResult:
    status: DecisionStatus
    decision: Decision | None = None
    name: str | None = None
    reason: RuleLine | None = None


def preset_reason(index: int) -> RuleLine | None:
    found = 0 <= index < len(PRESET_REASONS)
    return RuleLine(Outcome.NOT_MET, PRESET_REASONS[index]) if found else None


class VerificationService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    # ---- the queue -------------------------------------------------------------

    async def card(
        self, actor_id: int, *, flag_id: int | None = None, after_id: int | None = None
    ) -> Card | None:
        """One open flag (``flag_id``, else the oldest after ``after_id``), and
        an audit row for looking at her data. The phone is on it only for
        those who call women (``roles.CALLERS``), decided here, not by the caller."""
        show_phone = sees_phone(await role_of(self.db, self.settings, actor_id))

        def shown(reg: Registrant, reasons: tuple[RuleLine, ...] = ()) -> Person:
            phone = display_phone(reg.phone) if show_phone and reg.phone else None
            return person(reg, phone=phone, reasons=reasons)

        async with self.db.transaction() as s:
            open_flags = (StaffFlag.resolved_at.is_(None), StaffFlag.kind.in_(QUEUE_KINDS))
            found = select(StaffFlag).where(*open_flags)
            if flag_id is not None:
                flag = await s.scalar(found.where(StaffFlag.id == flag_id))
            else:  # ids grow with time: ordering by id is oldest first
                after = found.where(StaffFlag.id > (after_id or 0))
                flag = await s.scalar(after.order_by(StaffFlag.id).limit(1))
            if flag is None:
                return None
            size = await s.scalar(select(func.count()).select_from(StaffFlag).where(*open_flags))
            card = Card(flag.id, flag.kind, flag.created_at, flag.detail, flag.user_id, size or 0)
            reg = await _registrant_of(s, flag)
            if reg is not None:
                held = None
                if flag.kind == FlagKind.DUPLICATE_NIK and reg.duplicate_of_id is not None:
                    held = await s.get(Registrant, reg.duplicate_of_id)
                others = await s.scalars(
                    select(StaffFlag.kind).where(
                        StaffFlag.registrant_id == reg.id,
                        StaffFlag.resolved_at.is_(None),
                        StaffFlag.id != flag.id,
                    )
                )
                erased = held is None or held.status == RegistrantStatus.DELETED
                card = replace(
                    card,
                    other_kinds=tuple(sorted(set(others))),
                    person=shown(reg, await latest_reasons(s, reg.id)),
                    holder=None if erased else shown(held),  # type: ignore[arg-type]
                )
                if card.holder is not None:
                    audit(s, actor_id, "view_registration", registrant_id=card.holder.registrant_id)
            audit(
                s,
                actor_id,
                "view_registration",
                registrant_id=reg.id if reg is not None else None,
                detail=f"flag {flag.id} {flag.kind}",
            )
            return card

    async def is_open(self, flag_id: int) -> bool:
        async with self.db.sessions() as s:
            resolved = await s.scalar(
                select(StaffFlag.resolved_at.is_(None)).where(StaffFlag.id == flag_id)
            )
        return bool(resolved)

    # ---- deciding --------------------------------------------------------------

    async def decide(
        self,
        actor_id: int,
        flag_id: int,
        decision: Decision,
        update_id: int | None,
        reason: RuleLine | None = None,
    ) -> DecisionResult:
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return DecisionResult("duplicate_update")
            result = await self._decide(s, actor_id, flag_id, decision, reason)
            if result.status == "done":  # decided by a tap: a reason she began is moot
                await s.execute(
                    delete(ActiveForm).where(
                        ActiveForm.user_id == actor_id, ActiveForm.form == REASON_FORM
                    )
                )
            return result

    async def _decide(
        self,
        s: AsyncSession,
        actor_id: int,
        flag_id: int,
        decision: Decision,
        reason: RuleLine | None,
    ) -> DecisionResult:
        flag = await s.get(StaffFlag, flag_id)
        if flag is None or flag.kind not in QUEUE_KINDS:
            return DecisionResult("already")
        reg = await _registrant_of(s, flag)
        allowed = {
            "approve": flag.kind in APPROVABLE and reg is not None,
            "reject": flag.kind in REGISTRATION_KINDS and reg is not None and reason is not None,
            "contacted": flag.kind == FlagKind.HELP_REQUESTED,
        }[decision]
        if flag.resolved_at is None and not allowed:
            return DecisionResult("not_allowed")
        at = now()
        # The claim: whoever resolves the flag first decides; the other is told.
        claimed = await s.execute(
            update(StaffFlag)
            .where(StaffFlag.id == flag_id, StaffFlag.resolved_at.is_(None))
            .values(resolved_at=at)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return DecisionResult("already")
        if decision == "contacted":
            audit(s, actor_id, "help_contacted", detail=f"flag {flag_id}")
            return DecisionResult("done", decision)
        assert reg is not None
        if decision == "approve":
            rule = RuleResult("staff", Outcome.MET, APPROVED_REASON, {})
            reg.verdict = Verdict.ELIGIBLE.value
            reg.status = RegistrantStatus.ACTIVE
        else:
            assert reason is not None
            rule = RuleResult("staff", Outcome.NOT_MET, reason.message, dict(reason.params))
            reg.verdict = Verdict.NOT_ELIGIBLE.value
            if reg.status == RegistrantStatus.DUPLICATE_REVIEW:
                reg.status = RegistrantStatus.REJECTED
        s.add(
            Assessment(
                registrant_id=reg.id,
                verdict=reg.verdict,
                ruleset_version=STAFF_RULESET,
                results=serialise((rule,)),
                assessed_on=today_wib(),
            )
        )
        line = RuleLine(rule.outcome, rule.message, dict(rule.params))
        # One decision settles every open question about her registration.
        await s.execute(
            update(StaffFlag)
            .where(
                StaffFlag.registrant_id == reg.id,
                StaffFlag.resolved_at.is_(None),
                StaffFlag.kind.in_(REGISTRATION_KINDS),
            )
            .values(resolved_at=at)
        )
        audit(s, actor_id, f"verify_{decision}", registrant_id=reg.id, detail=f"flag {flag_id}")
        if reg.user_id is not None:
            text = await self._notice(s, reg, decision, line)
            await enqueue(
                s,
                user_id=reg.user_id,
                text=text,
                kind=OutboxKind.NOTICE,
                parse_mode="HTML",
                dedupe_key=f"verify:{flag_id}",
            )
        return DecisionResult("done", decision, reg.full_name, line)

    async def _notice(
        self, s: AsyncSession, reg: Registrant, decision: Decision, line: RuleLine
    ) -> str:
        """What she reads, in her language, with no word that shames."""
        t = translator(await language_of(s, reg.user_id))  # type: ignore[arg-type]
        if decision == "approve":
            return t(
                N_(
                    "Good news! An officer of Dinas Sosial has checked your registration: "
                    "<b>you meet the requirements of the WRSE programme.</b>\n"
                    "Tap <b>Classes</b> to see the training classes you can join."
                )
            )
        return t(
            N_(
                "An officer of Dinas Sosial has checked your registration. "
                "<b>For now you do not meet the requirements of this programme.</b>\n"
                "Reason: {reason}\n"
                "This is not a judgement of you. For questions, please visit {office}."
            )
        ).format(
            reason=html.escape(t.render(line.message, line.params)),
            office=html.escape(self.settings.office_contact),
        )

    # ---- a reason typed in chat (the form VERIFY_REASON) ---------------------------

    @property
    def reason_spec(self) -> FormSpec:
        return FormSpec(VERIFY_REASON, finish=self._typed_reason, roles=STAFF)

    async def _typed_reason(
        self, s: AsyncSession, row: ActiveForm, answers: Answers
    ) -> tuple[DecisionResult]:
        """Her reason, typed: the rejection, in the form's transaction."""
        reason = RuleLine(Outcome.NOT_MET, TYPED_REASON, {"reason": answers["reason"]})
        return (await self._decide(s, row.user_id, int(row.subject or 0), "reject", reason),)


async def _registrant_of(s: AsyncSession, flag: StaffFlag) -> Registrant | None:
    if flag.registrant_id is not None:
        reg = await s.get(Registrant, flag.registrant_id)
    elif flag.user_id is not None:  # help requests come from the form, maybe unfinished
        reg = await s.scalar(select(Registrant).where(Registrant.user_id == flag.user_id))
    else:
        reg = None
    return reg if reg is not None and reg.status != RegistrantStatus.DELETED else None
