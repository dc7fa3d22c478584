"""/tindak_lanjut: check-ins that need a person, and the coordinators' work on them.

A follow-up is opened by the check-in conversation (``open_follow_up``) when
her income fell, when she asks to be contacted, or when she does not respond.
Coordinators take one ("Saya tangani"), add notes and resolve it. Everything
lives in the database, so the queue survives restarts:
- taking is a conditional UPDATE (only while nobody holds it), so two
  coordinators pressing at once cannot both get it;
- a note being typed is a form (``FOLLOW_UP_NOTE``) run by the one engine
  service; ``NOTE_SPEC`` saves it;
- every card shown is audit-logged ("view_follow_up"): it holds her name,
  phone and answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ActiveForm, CheckIn, FollowUp, Registrant, RoleGrant, TrainingClass
from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.limits import utf16_len
from wrse_bot.domain.obstacles import FollowUpReason
from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_
from wrse_bot.forms.model import TOO_LONG, Answers, Form, Question
from wrse_bot.services.follow_up_holders import take_over, to_companion
from wrse_bot.services.forms import FormSpec
from wrse_bot.services.roles import COORDINATORS, audit
from wrse_bot.services.updates import claim_update

QUEUE_PAGE = 5
NOTE_FORM = FormName.FOLLOW_UP_NOTE
NOTE_MAX = 500  # one note, as Telegram counts characters; a longer one is asked again
NOTE_EXAMPLE = N_("Please type the note in a few words, for example: called her, needs capital.")


def read_note(text: str, answers: Answers) -> str:
    if utf16_len(text) > NOTE_MAX:  # an emoji is two, as Telegram counts
        raise DomainError(TOO_LONG, {"max": NOTE_MAX})
    return text


# "Tambah catatan": one question, whose subject is the follow-up (``_id`` in the prompt).
FOLLOW_UP_NOTE = Form(
    NOTE_FORM,
    questions=(
        Question(
            "note",
            N_("Type the note for follow-up #{id} and send it."),
            params=lambda a: {"id": a.get("_id", "")},
            parse=read_note,
            example=NOTE_EXAMPLE,
            max_len=NOTE_MAX,
            back=False,
        ),
    ),
)


async def open_follow_up(
    s: AsyncSession, checkin_id: int, reason: FollowUpReason
) -> FollowUp | None:
    """Put a check-in in the coordinators' queue, in the caller's transaction.
    The same reason again while the first is unresolved adds nothing (None)."""
    if reason not in list(FollowUpReason):
        raise ValueError(f"unknown follow-up reason {reason!r}")
    open_already = await s.scalar(
        select(FollowUp.id).where(
            FollowUp.checkin_id == checkin_id,
            FollowUp.reason == reason,
            FollowUp.resolved_at.is_(None),
        )
    )
    if open_already is not None:
        return None
    follow_up = FollowUp(checkin_id=checkin_id, reason=reason, created_at=now())
    s.add(follow_up)
    await s.flush()
    await to_companion(s, follow_up)
    return follow_up


@dataclass(frozen=True)
class FollowUpCard:
    """One queue item with what the coordinator needs to call her."""

    id: int
    reason: str
    created_at: datetime
    assigned_to: int | None
    note: str | None
    resolved_at: datetime | None
    registrant_id: int | None
    name: str | None
    phone: str | None
    kecamatan_code: str | None
    class_title: str | None
    round_days: int
    checkin_status: str
    answered_at: datetime | None
    income: int | None
    income_change: str | None
    business_started: bool | None
    business_kind: str | None
    help_received: tuple[str, ...]
    obstacle: str | None
    obstacle_other: str | None
    wants_contact: bool | None
    holder_role: str | None = None  # the role of whoever holds it (a companion, a coordinator)


@dataclass(frozen=True)
class Queue:
    total: int  # unresolved follow-ups
    cards: tuple[FollowUpCard, ...]  # the oldest first, one page


@dataclass(frozen=True)
class ActionResult:
    """outcome: done | duplicate | missing | resolved | taken | mine."""

    outcome: str
    card: FollowUpCard | None = None


def _card_query():  # type: ignore[no-untyped-def]
    return (
        select(FollowUp, CheckIn, Registrant, TrainingClass.title, RoleGrant.role)
        .join(CheckIn, CheckIn.id == FollowUp.checkin_id)
        .outerjoin(Registrant, Registrant.user_id == CheckIn.user_id)
        .outerjoin(TrainingClass, TrainingClass.id == CheckIn.class_id)
        .outerjoin(RoleGrant, RoleGrant.user_id == FollowUp.assigned_to)
    )


def _card(
    fu: FollowUp,
    ci: CheckIn,
    reg: Registrant | None,
    title: str | None,
    holder_role: str | None = None,
) -> FollowUpCard:
    return FollowUpCard(
        id=fu.id,
        reason=fu.reason,
        created_at=fu.created_at,
        assigned_to=fu.assigned_to,
        note=fu.note,
        resolved_at=fu.resolved_at,
        registrant_id=reg.id if reg else None,
        name=reg.full_name if reg else None,
        phone=reg.phone if reg else None,
        kecamatan_code=reg.kecamatan_code if reg else None,
        class_title=title,
        round_days=ci.round_days,
        checkin_status=ci.status,
        answered_at=ci.answered_at,
        income=int(ci.income) if ci.income and ci.income.isdigit() else None,
        income_change=ci.income_change,
        business_started=ci.business_started,
        business_kind=ci.business_kind,
        help_received=tuple(ci.help_received or ()),
        obstacle=ci.obstacle,
        obstacle_other=ci.obstacle_other,
        wants_contact=ci.wants_contact,
        holder_role=holder_role,
    )


def _seen(s: AsyncSession, actor: int, card: FollowUpCard) -> FollowUpCard:
    """Every card shown is audit-logged: it holds her name, phone and answers."""
    detail = f"follow_up:{card.id}"
    audit(s, actor, "view_follow_up", registrant_id=card.registrant_id, detail=detail)
    return card


async def _load(s: AsyncSession, actor: int, follow_up_id: int) -> FollowUpCard | None:
    row = (await s.execute(_card_query().where(FollowUp.id == follow_up_id))).first()
    return _seen(s, actor, _card(*row)) if row is not None else None


class FollowUpService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def queue(self, actor: int, limit: int = QUEUE_PAGE) -> Queue:
        """The oldest unresolved follow-ups."""
        async with self.db.transaction() as s:
            total = await s.scalar(
                select(func.count()).select_from(FollowUp).where(FollowUp.resolved_at.is_(None))
            )
            rows = await s.execute(
                _card_query()
                .where(FollowUp.resolved_at.is_(None))
                .order_by(FollowUp.created_at, FollowUp.id)
                .limit(limit)
            )
            return Queue(int(total or 0), tuple(_seen(s, actor, _card(*row)) for row in rows))

    async def assign(self, actor: int, follow_up_id: int, update_id: int | None) -> ActionResult:
        """Take it: only while nobody holds it and it is open (a conditional UPDATE)."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return ActionResult("duplicate")
            taken = await s.execute(
                update(FollowUp)
                .where(
                    FollowUp.id == follow_up_id,
                    FollowUp.assigned_to.is_(None),
                    FollowUp.resolved_at.is_(None),
                )
                .values(assigned_to=actor)
            )
            card = await _load(s, actor, follow_up_id)
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                audit(s, actor, "assign_follow_up", detail=f"follow_up:{follow_up_id}")
                return ActionResult("done", card)
            return ActionResult(_why_not(card, actor, mine_ok=False) or "taken", card)

    async def take_over(self, actor: int, follow_up_id: int, update_id: int | None) -> ActionResult:
        """Take one someone else holds (a companion of her desa, another coordinator)."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return ActionResult("duplicate")
            taken = await take_over(s, actor, follow_up_id)
            card = await _load(s, actor, follow_up_id)
            if taken:
                return ActionResult("done", card)
            return ActionResult(_why_not(card, actor, mine_ok=False) or "taken", card)

    async def resolve(self, actor: int, follow_up_id: int, update_id: int | None) -> ActionResult:
        """Mark it resolved: if nobody holds it, or she does (it becomes hers)."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return ActionResult("duplicate")
            done = await s.execute(
                update(FollowUp)
                .where(
                    FollowUp.id == follow_up_id,
                    FollowUp.resolved_at.is_(None),
                    or_(FollowUp.assigned_to.is_(None), FollowUp.assigned_to == actor),
                )
                .values(resolved_at=now(), assigned_to=func.coalesce(FollowUp.assigned_to, actor))
            )
            card = await _load(s, actor, follow_up_id)
            if done.rowcount == 1:  # type: ignore[attr-defined]
                audit(s, actor, "resolve_follow_up", detail=f"follow_up:{follow_up_id}")
                await s.execute(  # her note on it, if she was writing one, is moot
                    delete(ActiveForm).where(
                        ActiveForm.user_id == actor,
                        ActiveForm.form == NOTE_FORM,
                        ActiveForm.subject == follow_up_id,
                    )
                )
                return ActionResult("done", card)
            return ActionResult(_why_not(card, actor) or "taken", card)

    async def note_refusal(self, actor: int, follow_up_id: int) -> str | None:
        """Why she may not write a note on it now (missing, resolved, taken), or None."""
        async with self.db.sessions() as s:
            return _why_not(await s.get(FollowUp, follow_up_id), actor)


def _why_not(fu: FollowUp | FollowUpCard | None, actor: int, *, mine_ok: bool = True) -> str | None:
    """missing | resolved | taken (someone else holds it) | mine (unless ``mine_ok``), or None."""
    if fu is None:
        return "missing"
    if fu.resolved_at is not None:
        return "resolved"
    if fu.assigned_to == actor:
        return None if mine_ok else "mine"
    return "taken" if fu.assigned_to is not None else None


async def _note_facts(
    s: AsyncSession, row: ActiveForm, answers: Answers
) -> Mapping[str, Any] | None:
    """The follow-up's number for the prompt; None once it is resolved (the form closes)."""
    fu = await s.get(FollowUp, row.subject)
    return None if fu is None or fu.resolved_at is not None else {"_id": row.subject}


async def _save_note(s: AsyncSession, row: ActiveForm, answers: Answers) -> tuple[ActionResult]:
    """The typed note, appended to the follow-up in the form's transaction."""
    actor, follow_up_id = row.user_id, int(row.subject or 0)
    fu = await s.get(FollowUp, follow_up_id, with_for_update=True)
    refusal = _why_not(fu, actor)
    if fu is None or refusal is not None:
        card = await _load(s, actor, follow_up_id) if fu is not None else None
        return (ActionResult(refusal or "missing", card),)
    note = answers["note"]
    fu.note = f"{fu.note}\n{note}" if fu.note else note
    audit(s, actor, "note_follow_up", detail=f"follow_up:{follow_up_id}")
    await s.flush()
    return (ActionResult("done", await _load(s, actor, follow_up_id)),)


NOTE_SPEC = FormSpec(FOLLOW_UP_NOTE, finish=_save_note, facts=_note_facts, roles=COORDINATORS)
