"""/tindak_lanjut: check-ins that need a person, and the coordinators' work on them.

A follow-up is opened by the check-in conversation (``open_follow_up``) when
her income fell, when she asks to be contacted, or when she does not respond.
Coordinators take one ("Saya tangani"), add notes and resolve it. Everything
lives in the database, so the queue survives restarts:
- taking is a conditional UPDATE (only while nobody holds it), so two
  coordinators pressing at once cannot both get it;
- a note being typed is a StaffDraft (kind "follow_up");
- every card shown is audit-logged ("view_follow_up"): it holds her name,
  phone and answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import CheckIn, FollowUp, Registrant, StaffDraft, TrainingClass
from wrse_bot.domain.limits import utf16_len
from wrse_bot.domain.obstacles import FOLLOW_UP_REASONS
from wrse_bot.services.roles import audit
from wrse_bot.services.updates import claim_update

DRAFT_KIND = "follow_up"
NOTE_MAX = 500  # one note, as Telegram counts characters; a longer one is asked again
QUEUE_PAGE = 5


async def open_follow_up(s: AsyncSession, checkin_id: int, reason: str) -> FollowUp | None:
    """Put a check-in in the coordinators' queue, in the caller's transaction.

    ``reason`` is one of FOLLOW_UP_REASONS (income_fell, wants_contact,
    no_response). Opening the same reason twice for one check-in while the
    first is unresolved adds nothing (returns None).
    """
    if reason not in FOLLOW_UP_REASONS:
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


@dataclass(frozen=True)
class Queue:
    total: int  # unresolved follow-ups
    cards: tuple[FollowUpCard, ...]  # the oldest first, one page


@dataclass(frozen=True)
class ActionResult:
    """outcome: done | duplicate | missing | resolved | taken | other_form | empty |
    too_long (the note form stays open) | no_draft."""

    outcome: str
    card: FollowUpCard | None = None
    follow_up_id: int | None = None  # too_long: the note still being written


def _card_query():  # type: ignore[no-untyped-def]
    return (
        select(FollowUp, CheckIn, Registrant, TrainingClass.title)
        .join(CheckIn, CheckIn.id == FollowUp.checkin_id)
        .outerjoin(Registrant, Registrant.user_id == CheckIn.user_id)
        .outerjoin(TrainingClass, TrainingClass.id == CheckIn.class_id)
    )


def _card(fu: FollowUp, ci: CheckIn, reg: Registrant | None, title: str | None) -> FollowUpCard:
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
    )


async def _load(s: AsyncSession, actor: int, follow_up_id: int) -> FollowUpCard | None:
    row = (await s.execute(_card_query().where(FollowUp.id == follow_up_id))).first()
    if row is None:
        return None
    card = _card(*row)
    audit(
        s, actor, "view_follow_up", registrant_id=card.registrant_id, detail=f"follow_up:{card.id}"
    )
    return card


class FollowUpService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def queue(self, actor: int, limit: int = QUEUE_PAGE) -> Queue:
        """The oldest unresolved follow-ups; each card shown is audit-logged."""
        async with self.db.transaction() as s:
            total = await s.scalar(
                select(func.count()).select_from(FollowUp).where(FollowUp.resolved_at.is_(None))
            )
            rows = (
                await s.execute(
                    _card_query()
                    .where(FollowUp.resolved_at.is_(None))
                    .order_by(FollowUp.created_at, FollowUp.id)
                    .limit(limit)
                )
            ).all()
            cards = tuple(_card(*row) for row in rows)
            for card in cards:
                audit(
                    s,
                    actor,
                    "view_follow_up",
                    registrant_id=card.registrant_id,
                    detail=f"follow_up:{card.id}",
                )
        return Queue(total=int(total or 0), cards=cards)

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
            return ActionResult(_why_not(card, actor, mine_ok=False), card)

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
                await s.execute(
                    delete(StaffDraft).where(
                        StaffDraft.user_id == actor, StaffDraft.kind == DRAFT_KIND
                    )
                )
                return ActionResult("done", card)
            return ActionResult(_why_not(card, actor, mine_ok=True), card)

    async def begin_note(
        self, actor: int, follow_up_id: int, update_id: int | None
    ) -> ActionResult:
        """Open the note form (a StaffDraft), unless another staff form is open."""
        async with self.db.transaction() as s:
            if not await claim_update(s, update_id):
                return ActionResult("duplicate")
            fu = await s.get(FollowUp, follow_up_id)
            if fu is None:
                return ActionResult("missing")
            if fu.resolved_at is not None:
                return ActionResult("resolved")
            if fu.assigned_to not in (None, actor):
                return ActionResult("taken")
            draft = await s.get(StaffDraft, actor)
            if draft is not None and draft.kind != DRAFT_KIND:
                return ActionResult("other_form")
            if draft is None:
                draft = StaffDraft(user_id=actor, kind=DRAFT_KIND, step="note", data={}, rev=0)
                s.add(draft)
            draft.step = "note"
            draft.data = {"follow_up_id": follow_up_id}
            draft.rev = (draft.rev or 0) + 1
            return ActionResult("done")

    async def cancel_note(self, actor: int) -> bool:
        async with self.db.transaction() as s:
            gone = await s.execute(
                delete(StaffDraft).where(StaffDraft.user_id == actor, StaffDraft.kind == DRAFT_KIND)
            )
            return bool(gone.rowcount)  # type: ignore[attr-defined]

    async def has_note_draft(self, actor: int) -> bool:
        async with self.db.sessions() as s:
            kind = await s.scalar(select(StaffDraft.kind).where(StaffDraft.user_id == actor))
            return kind == DRAFT_KIND

    async def save_note(self, actor: int, text: str, update_id: int | None) -> ActionResult:
        """The typed note: appended to the follow-up, and the form closed."""
        async with self.db.transaction() as s:
            draft = await s.get(StaffDraft, actor)
            if draft is None or draft.kind != DRAFT_KIND:
                return ActionResult("no_draft")
            if not await claim_update(s, update_id):
                return ActionResult("duplicate")
            note = " ".join(text.split())
            if not note:
                return ActionResult("empty")
            follow_up_id = int(draft.data.get("follow_up_id", 0))
            if utf16_len(note) > NOTE_MAX:
                return ActionResult("too_long", follow_up_id=follow_up_id)
            await s.delete(draft)
            fu = await s.get(FollowUp, follow_up_id, with_for_update=True)
            if fu is None:
                return ActionResult("missing")
            if fu.resolved_at is not None:
                return ActionResult("resolved", await _load(s, actor, follow_up_id))
            if fu.assigned_to not in (None, actor):
                return ActionResult("taken", await _load(s, actor, follow_up_id))
            fu.note = f"{fu.note}\n{note}" if fu.note else note
            audit(s, actor, "note_follow_up", detail=f"follow_up:{follow_up_id}")
            await s.flush()
            return ActionResult("done", await _load(s, actor, follow_up_id))


def _why_not(card: FollowUpCard | None, actor: int, *, mine_ok: bool) -> str:
    if card is None:
        return "missing"
    if card.resolved_at is not None:
        return "resolved"
    if card.assigned_to == actor and not mine_ok:
        return "mine"
    return "taken"
