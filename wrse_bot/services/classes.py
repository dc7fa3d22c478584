"""Women finding and joining classes: the listing, enrolment with exact
capacity, the waitlist with held seats, and cancelling.

A seat is taken only by the conditional UPDATE of ``_take_seat`` (issue 3,
"Capacity is exact"), never by counting rows in Python; ``taken`` counts
enrolled and offered seats. Every transaction that moves a seat or joins the
waitlist first locks the class row (SQLite serialises writers), so waitlist ids
are handed out in commit order and the positions women are told are exact.
Lock order: her user row, then the class row, then enrolment rows. Notices to
other women are outbox rows written in the transaction of the change.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Literal
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, Row, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from wrse_bot import clock
from wrse_bot.buttons import ClassButton
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Enrolment, Registrant, TrainingClass, User
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.classes import (
    Opening,
    Standing,
    clashes,
    hold_until,
    listing_key,
    opening,
    standing_of,
)
from wrse_bot.domain.statuses import ACTIVE_ENROLMENTS, ClassStatus, EnrolmentStatus, OutboxKind
from wrse_bot.i18n import N_, Translator, translator
from wrse_bot.services import reminders
from wrse_bot.services.audience import consenting
from wrse_bot.services.class_labels import when
from wrse_bot.services.class_views import ClassCard, card_of, load_class
from wrse_bot.services.notices import Tap, outbox_markup
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.updates import claim_update

# ---- results ------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    standing: Standing
    cards: tuple[ClassCard, ...]


@dataclass(frozen=True)
class MyPlace:
    """One of her enrolments: enrolled, waitlisted (with position) or offered."""

    enrolment_id: int
    status: str
    card: ClassCard
    position: int | None = None
    offered_until: datetime | None = None


EnrolOutcome = Literal[
    "enrolled",
    "waitlisted",
    "ready",  # preflight only: nothing stops her; ask for confirmation
    "already",  # she has a place in this class (``mine`` says which)
    "not_allowed",  # her standing does not allow enrolling (``standing`` says why)
    "clash",  # overlaps a class she has (``clash_with``)
    "deadline",
    "started",
    "closed",  # cancelled, unpublished or deleted
    "duplicate_update",
]


@dataclass(frozen=True)
class EnrolResult:
    outcome: EnrolOutcome
    card: ClassCard | None = None
    standing: Standing = Standing.ELIGIBLE
    mine: MyPlace | None = None
    clash_with: ClassCard | None = None
    position: int | None = None
    enrolment_id: int | None = None


ActionOutcome = Literal[
    "cancelled",  # Batalkan done
    "taken",  # Ambil done: she is enrolled
    "released",  # Lepas done
    "already",  # the action was already done (a double tap)
    "not_offered",  # Ambil/Lepas on a place that is not an open offer
    "expired",  # Ambil after the hold ran out: the seat went on
    "not_yours",  # another woman's enrolment: refused, nothing changed
    "closed",  # the class is cancelled or unpublished
    "not_found",  # no such enrolment (or its class was deleted)
    "duplicate_update",
]


@dataclass(frozen=True)
class ActionResult:
    outcome: ActionOutcome
    card: ClassCard | None = None
    status: str | None = None  # her status before the action
    offered_next: int | None = None  # enrolment id the freed seat was offered to


@dataclass
class HoldReport:
    expired: int = 0
    offered: list[int] = field(default_factory=list)


# ---- reading ------------------------------------------------------------------------


async def _standing(s: AsyncSession, user_id: int) -> Standing:
    row = (
        await s.execute(
            select(Registrant.status, Registrant.verdict).where(Registrant.user_id == user_id)
        )
    ).first()
    return standing_of(row.status, row.verdict) if row else Standing.NOT_REGISTERED


async def list_open(db: Database, user_id: int, *, now: datetime | None = None) -> Listing:
    """Upcoming published classes she can still join (deadline not passed,
    first session ahead), her interests first, then her kecamatan, then soonest."""
    now = now or clock.now()
    async with db.sessions() as s:
        me = (
            await s.execute(
                select(
                    Registrant.status,
                    Registrant.verdict,
                    Registrant.interests,
                    Registrant.kecamatan_code,
                ).where(Registrant.user_id == user_id)
            )
        ).first()
        classes = (
            await s.scalars(
                select(TrainingClass)
                .where(
                    TrainingClass.status == ClassStatus.PUBLISHED,
                    TrainingClass.enrol_deadline >= now,
                )
                .options(selectinload(TrainingClass.sessions))
            )
        ).all()
    cards = [card_of(c) for c in classes]
    cards = [c for c in cards if opening(c.status, c.enrol_deadline, c.spans, now) is Opening.OPEN]
    interests = list(me.interests or []) if me else []
    kecamatan = me.kecamatan_code if me else None
    cards.sort(
        key=lambda c: listing_key(
            skill=c.skill,
            kecamatan_code=c.kecamatan_code,
            first_start=c.first_start,  # type: ignore[arg-type]  # open: it has sessions
            class_id=c.id,
            interests=interests,
            kecamatan=kecamatan,
        )
    )
    her = standing_of(me.status, me.verdict) if me else Standing.NOT_REGISTERED
    return Listing(standing=her, cards=tuple(cards))


async def _locked(s: AsyncSession, enrolment_id: int) -> Enrolment | None:
    """Her enrolment row, locked and read afresh (after its class row: the lock order)."""
    stmt = select(Enrolment).where(Enrolment.id == enrolment_id).with_for_update()
    return await s.scalar(stmt.execution_options(populate_existing=True))


async def _hers(
    s: AsyncSession, user_id: int, *where: ColumnElement[bool]
) -> Sequence[Row[tuple[Enrolment, TrainingClass]]]:
    """Her places with their classes (sessions loaded), in one query: she has only a few."""
    stmt = select(Enrolment, TrainingClass).where(
        TrainingClass.id == Enrolment.class_id, Enrolment.user_id == user_id, *where
    )
    return (await s.execute(stmt.options(selectinload(TrainingClass.sessions)))).all()


async def _position(s: AsyncSession, enrolment: Enrolment) -> int:
    """Waitlist order is Enrolment.id among the waitlisted of the class."""
    return int(
        await s.scalar(
            select(func.count())
            .select_from(Enrolment)
            .where(
                Enrolment.class_id == enrolment.class_id,
                Enrolment.status == EnrolmentStatus.WAITLISTED,
                Enrolment.id <= enrolment.id,
            )
        )
        or 0
    )


async def _place(s: AsyncSession, enrolment: Enrolment, card: ClassCard) -> MyPlace:
    position = (
        await _position(s, enrolment) if enrolment.status == EnrolmentStatus.WAITLISTED else None
    )
    return MyPlace(enrolment.id, enrolment.status, card, position, enrolment.offered_until)


async def _check(
    s: AsyncSession, user_id: int, cls: TrainingClass | None, now: datetime
) -> tuple[EnrolResult | None, bool]:
    """Why she may not enrol in ``cls`` now (None if she may), and whether she
    has a cancelled row for it (she left it before). Reads only: the seat
    itself is taken later, by the conditional UPDATE."""
    if cls is None:
        return EnrolResult("closed"), False
    card = card_of(cls)
    if cls.status != ClassStatus.PUBLISHED:
        return EnrolResult("closed", card), False
    left_before = False
    others: list[ClassCard] = []
    for enrolment, other in await _hers(s, user_id):
        if other.id == cls.id:
            if enrolment.status in ACTIVE_ENROLMENTS:
                return EnrolResult("already", card, mine=await _place(s, enrolment, card)), False
            left_before = enrolment.status == EnrolmentStatus.CANCELLED
        elif enrolment.status in ACTIVE_ENROLMENTS and other.status == ClassStatus.PUBLISHED:
            others.append(card_of(other))
    her = await _standing(s, user_id)
    if her is not Standing.ELIGIBLE:
        return EnrolResult("not_allowed", card, standing=her), left_before
    state = opening(cls.status, cls.enrol_deadline, card.spans, now)
    if state is Opening.DEADLINE:
        return EnrolResult("deadline", card), left_before
    if state is not Opening.OPEN:
        return EnrolResult("started", card), left_before
    for other_card in others:
        if clashes(card.spans, other_card.spans):
            return EnrolResult("clash", card, clash_with=other_card), left_before
    return None, left_before


PlaceOutcome = Literal["ok", "not_yours", "not_found", "closed"]


async def find_place(
    db: Database, user_id: int, enrolment_id: int
) -> tuple[PlaceOutcome, MyPlace | None]:
    """Her enrolment ``enrolment_id`` (to confirm a cancellation), re-checked:
    it must be hers, and its class still published."""
    async with db.sessions() as s:
        enrolment = await s.get(Enrolment, enrolment_id)
        if enrolment is not None and enrolment.user_id != user_id:
            return "not_yours", None
        cls = await load_class(s, enrolment.class_id) if enrolment else None
        if enrolment is None or cls is None:
            return "not_found", None
        if cls.status != ClassStatus.PUBLISHED:
            return "closed", None
        return "ok", await _place(s, enrolment, card_of(cls))


async def preflight(
    db: Database, user_id: int, class_id: int, *, now: datetime | None = None
) -> EnrolResult:
    """The class and whether she could enrol now ("ready"), without changing anything."""
    now = now or clock.now()
    async with db.sessions() as s:
        cls = await load_class(s, class_id)
        refusal, _ = await _check(s, user_id, cls, now)
        return refusal or EnrolResult("ready", card_of(cls), standing=Standing.ELIGIBLE)  # type: ignore[arg-type]


# ---- enrolling ----------------------------------------------------------------------


async def enrol(
    db: Database,
    user_id: int,
    class_id: int,
    *,
    update_id: int | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> EnrolResult:
    """Take a seat, or a place on the waitlist; refuse with the reason otherwise.
    A seat comes with her session reminders (``settings`` gives their offsets)."""
    now = now or clock.now()
    try:
        return await _enrol(db, user_id, class_id, update_id, now, settings)
    except IntegrityError:
        # The unique (class, user) index stopped a second row for her (a double
        # tap that raced itself): run again, and it finds her existing place.
        return await _enrol(db, user_id, class_id, update_id, now, settings)


async def _enrol(
    db: Database,
    user_id: int,
    class_id: int,
    update_id: int | None,
    now: datetime,
    settings: Settings | None = None,
) -> EnrolResult:
    async with _transaction(db) as s:
        if not await claim_update(s, update_id):
            return EnrolResult("duplicate_update")
        # Her row first: two of her own enrolments cannot both pass the clash check.
        await s.execute(select(User.id).where(User.id == user_id).with_for_update())
        cls = await load_class(s, class_id)
        refusal, left_before = await _check(s, user_id, cls, now)
        if refusal is not None:
            return refusal
        assert cls is not None
        if left_before:  # a fresh row, so she queues behind those already waiting
            await s.execute(
                delete(Enrolment).where(
                    Enrolment.class_id == class_id,
                    Enrolment.user_id == user_id,
                    Enrolment.status == EnrolmentStatus.CANCELLED,
                )
            )
        taken_now = await _take_seat(s, class_id)
        if taken_now is None:
            # Full. Queue in commit order: lock the class row, so waitlist ids are
            # handed out one transaction at a time and positions are exact. A seat
            # may have come free while we waited for the lock: then take it.
            locked = await load_class(s, class_id, lock=True)  # cls itself, read afresh
            if locked is None or locked.status != ClassStatus.PUBLISHED:
                return EnrolResult("closed", card_of(cls))
            taken_now = await _take_seat(s, class_id) if locked.taken < locked.capacity else None
            if taken_now is None:
                enrolment = Enrolment(
                    class_id=class_id, user_id=user_id, status=EnrolmentStatus.WAITLISTED
                )
                s.add(enrolment)
                await s.flush()
                position = await _position(s, enrolment)
                card = card_of(locked)
                return EnrolResult("waitlisted", card, position=position, enrolment_id=enrolment.id)
        enrolment = Enrolment(class_id=class_id, user_id=user_id, status=EnrolmentStatus.ENROLLED)
        s.add(enrolment)
        await s.flush()
        await reminders.schedule_for_enrolment(s, settings, enrolment.id, now=now)
        return EnrolResult("enrolled", card_of(cls, taken=taken_now), enrolment_id=enrolment.id)


async def _take_seat(s: AsyncSession, class_id: int) -> int | None:
    """THE capacity rule: one conditional UPDATE, atomic in the database; the
    new ``taken`` if she got a seat, else None. On PostgreSQL a concurrent
    holder of the row makes it wait, then re-evaluate ``taken < capacity`` on
    the committed value: it never over-fills."""
    result = await s.execute(
        update(TrainingClass)
        .where(
            TrainingClass.id == class_id,
            TrainingClass.taken < TrainingClass.capacity,
            TrainingClass.status == ClassStatus.PUBLISHED,
        )
        .values(taken=TrainingClass.taken + 1)
        .returning(TrainingClass.taken)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()


_sqlite_writers: WeakKeyDictionary[Database, asyncio.Lock] = WeakKeyDictionary()


@asynccontextmanager
async def _transaction(db: Database) -> AsyncIterator[AsyncSession]:
    """``db.transaction()``; on SQLite, writers of this module also queue here
    first. SQLite has one writer at a time, and writers waiting in its
    busy-timeout sleep-and-retry loop leave the lock idle between tries; an
    in-process queue hands it straight to the next one (several times the
    enrolments/s when many women press at once)."""
    if not db.is_sqlite:
        async with db.transaction() as s:
            yield s
        return
    lock = _sqlite_writers.setdefault(db, asyncio.Lock())
    async with lock, db.transaction() as s:
        yield s


async def my_places(db: Database, user_id: int, *, now: datetime | None = None) -> list[MyPlace]:
    """Her enrolled, waitlisted and offered places in published classes that
    have not ended, soonest first."""
    now = now or clock.now()
    async with db.sessions() as s:
        places = []
        live = Enrolment.status.in_(ACTIVE_ENROLMENTS)
        published = TrainingClass.status == ClassStatus.PUBLISHED
        for enrolment, cls in await _hers(s, user_id, live, published):
            card = card_of(cls)
            if card.sessions and card.sessions[-1].span.ends_at <= now:
                continue  # over
            places.append(await _place(s, enrolment, card))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    places.sort(key=lambda p: (p.card.first_start or far, p.enrolment_id))
    return places


# ---- cancelling, Ambil, Lepas, holds --------------------------------------------------

Action = Literal["cancel", "take", "release"]


async def act(
    action: Action,
    db: Database,
    settings: Settings,
    user_id: int,
    enrolment_id: int,
    *,
    update_id: int | None = None,
    now: datetime | None = None,
) -> ActionResult:
    """Batalkan ("cancel"): she leaves the class or its waitlist; Ambil ("take"):
    the seat held for her becomes hers; Lepas ("release"): she lets it go. A
    seat freed goes to the first woman waiting (offered, held), or back to the
    free seats."""
    now = now or clock.now()
    async with _transaction(db) as s:
        if not await claim_update(s, update_id):
            return ActionResult("duplicate_update")
        owner = select(Enrolment.user_id, Enrolment.class_id).where(Enrolment.id == enrolment_id)
        row = (await s.execute(owner)).first()
        if row is None:
            return ActionResult("not_found")
        if row.user_id != user_id:
            return ActionResult("not_yours")
        cls = await load_class(s, row.class_id, lock=True)
        enrolment = await _locked(s, enrolment_id)
        if cls is None or enrolment is None:
            return ActionResult("not_found")
        card = card_of(cls)
        before = enrolment.status
        if cls.status != ClassStatus.PUBLISHED:
            return ActionResult("closed", card, before)

        if action == "take":
            if before == EnrolmentStatus.ENROLLED:
                return ActionResult("already", card, before)
            if before != EnrolmentStatus.OFFERED:
                return ActionResult("not_offered", card, before)
            if enrolment.offered_until is not None and enrolment.offered_until <= now:
                # The hold ran out before the job noticed: it goes on now.
                nxt = await _leave(s, settings, cls, enrolment, now)
                return ActionResult("expired", card, before, nxt)
            enrolment.status = EnrolmentStatus.ENROLLED
            enrolment.offered_until = None
            await s.flush()
            await reminders.schedule_for_enrolment(s, settings, enrolment.id, now=now)
            return ActionResult("taken", card, before)

        if before == EnrolmentStatus.CANCELLED:
            return ActionResult("already", card, before)
        if action == "release" and before != EnrolmentStatus.OFFERED:
            return ActionResult("not_offered", card, before)
        nxt = await _leave(s, settings, cls, enrolment, now)
        return ActionResult("released" if action == "release" else "cancelled", card, before, nxt)


cancel = partial(act, "cancel")
take_offer = partial(act, "take")
release_offer = partial(act, "release")


async def _leave(
    s: AsyncSession, settings: Settings, cls: TrainingClass, enrolment: Enrolment, now: datetime
) -> int | None:
    """She gives up her place; a seat she held passes on. Caller holds the class lock."""
    held_seat = enrolment.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.OFFERED)
    enrolment.status = EnrolmentStatus.CANCELLED
    enrolment.offered_until = None
    await s.flush()
    await reminders.cancel_for_enrolment(s, enrolment, now=now)
    if held_seat:
        return await _pass_seat(s, settings, cls, now)
    return None


async def leave_all(
    s: AsyncSession, settings: Settings, user_id: int, *, now: datetime | None = None
) -> list[int]:
    """Her data is being erased (services/erasure.py): she leaves every class
    and waitlist in the caller's transaction, exactly as if she had pressed
    Batalkan on each place, so a seat she held goes to the first woman
    waiting. The caller holds her user row; classes are locked one by one.
    Returns the enrolment ids offered a seat."""
    now = now or clock.now()
    places = (
        await s.execute(
            select(Enrolment.id, Enrolment.class_id)
            .where(Enrolment.user_id == user_id, Enrolment.status.in_(ACTIVE_ENROLMENTS))
            .order_by(Enrolment.class_id)
        )
    ).all()
    offered: list[int] = []
    for enrolment_id, class_id in places:
        cls = await load_class(s, class_id, lock=True)
        enrolment = await _locked(s, enrolment_id)
        if cls is None or enrolment is None or enrolment.status not in ACTIVE_ENROLMENTS:
            continue
        nxt = await _leave(s, settings, cls, enrolment, now)
        if nxt is not None:
            offered.append(nxt)
    return offered


async def _pass_seat(
    s: AsyncSession, settings: Settings, cls: TrainingClass, now: datetime
) -> int | None:
    """A held seat is free: offer it to the first woman waiting (the seat stays
    counted in ``taken`` while held), or give it back to the free seats."""
    card = card_of(cls)
    if (
        cls.status == ClassStatus.PUBLISHED
        and card.first_start is not None
        and card.first_start > now
    ):
        nxt = await s.scalar(
            select(Enrolment)
            .where(
                Enrolment.class_id == cls.id,
                Enrolment.status == EnrolmentStatus.WAITLISTED,
                consenting(Enrolment.user_id),
            )
            .order_by(Enrolment.id)
            .limit(1)
            .with_for_update()
        )
        if nxt is not None:
            nxt.status = EnrolmentStatus.OFFERED
            nxt.offered_until = hold_until(now, settings.waitlist_hold_hours, card.first_start)
            await s.flush()
            t = translator(settings.locale)
            text = offer_notice(t, card, nxt.offered_until)
            await _tell(s, nxt, "class-offer", text, offer_markup(t, nxt.id))
            return nxt.id
    await s.execute(
        update(TrainingClass)
        .where(TrainingClass.id == cls.id, TrainingClass.taken > 0)
        .values(taken=TrainingClass.taken - 1)
        .execution_options(synchronize_session=False)
    )
    return None


async def offer_free_seats(
    s: AsyncSession, settings: Settings, class_id: int, now: datetime | None = None
) -> list[int]:
    """For staff changes in the caller's transaction (say, capacity raised):
    while a seat is free and someone waits, offer it to the first waiting, as
    a cancellation would. Returns the enrolment ids offered a seat."""
    now = now or clock.now()
    cls = await load_class(s, class_id, lock=True)
    offered: list[int] = []
    while cls is not None:
        if await _take_seat(s, class_id) is None:
            break
        nxt = await _pass_seat(s, settings, cls, now)  # gives the seat back if nobody waits
        if nxt is None:
            break
        offered.append(nxt)
    return offered


async def expire_holds(db: Database, settings: Settings, now: datetime | None = None) -> HoldReport:
    """Offers whose hold ran out by ``now`` lapse: she is told, and the seat is
    offered to the next woman waiting (or freed). Run by a repeating job; tests
    call it with a later ``now`` instead of waiting."""
    now = now or clock.now()
    report = HoldReport()
    async with db.sessions() as s:
        due = (
            await s.execute(
                select(Enrolment.id, Enrolment.class_id)
                .where(Enrolment.status == EnrolmentStatus.OFFERED, Enrolment.offered_until <= now)
                .order_by(Enrolment.id)
            )
        ).all()
    for enrolment_id, class_id in due:
        async with _transaction(db) as s:
            cls = await load_class(s, class_id, lock=True)
            enrolment = await _locked(s, enrolment_id)
            if cls is None or enrolment is None or enrolment.status != EnrolmentStatus.OFFERED:
                continue  # taken, released or moved on meanwhile
            if enrolment.offered_until is None or enrolment.offered_until > now:
                continue  # not due: offered again meanwhile
            text = translator(settings.locale)(HOLD_EXPIRED_NOTICE)
            await _tell(
                s, enrolment, "class-hold-expired", text.format(title=html.escape(cls.title))
            )
            nxt = await _leave(s, settings, cls, enrolment, now)
            report.expired += 1
            if nxt is not None:
                report.offered.append(nxt)
    return report


# ---- notices (outbox rows carry their text) ------------------------------------------

OFFER_NOTICE = N_(
    "Good news: a seat is free for you in the class <b>{title}</b> ({skill}), first meeting "
    "{when}, at {place}.\n"
    "We keep it for you until {until}. Tap <b>Take</b> to join, or <b>Let go</b> if you "
    "cannot come."
)
HOLD_EXPIRED_NOTICE = N_(
    "The time to take the seat in the class <b>{title}</b> has ended, so it went to the next "
    "person waiting. You can join again from Classes."
)
TAKE = N_("Take")
LET_GO = N_("Let go")


def offer_notice(t: Translator, card: ClassCard, until: datetime) -> str:
    esc = html.escape
    return t(OFFER_NOTICE).format(
        title=esc(card.title),
        skill=esc(t(SKILLS.get(card.skill, card.skill))),
        when=when(t, card.first_start) if card.first_start else "-",
        place=esc(card.place),
        until=when(t, until),
    )


def offer_markup(t: Translator, enrolment_id: int) -> dict[str, Any]:
    """ "Take the seat" / "Let it go", for the outbox row that offers it."""
    take = Tap(TAKE, ClassButton("a", enrolment_id), mark="✅ ")
    return outbox_markup(((take, Tap(LET_GO, ClassButton("l", enrolment_id))),), t)


async def _tell(
    s: AsyncSession, place: Enrolment, key: str, text: str, markup: dict[str, Any] | None = None
) -> None:
    """A notice about her place, sent when the caller's transaction commits."""
    await enqueue(
        s,
        user_id=place.user_id,
        kind=OutboxKind.NOTICE,
        text=text,
        parse_mode="HTML",
        reply_markup=markup,
        class_id=place.class_id,
        dedupe_key=f"{key}:{place.id}",
    )
