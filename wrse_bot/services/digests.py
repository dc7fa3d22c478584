"""The companions' daily digest (issue 11): what is due for the women they
accompany who have no Telegram, once a day at ``digest_at`` (WIB; default 07.00,
moved to the end of quiet hours if it falls inside them).

Durable and once: everything is read from the outbox. Rows for a woman's
placeholder account (wrse_bot/domain/placeholders.py) are never sent; the
dispatcher diverts those that fall due, and from its tick :func:`compose_due`
gathers for each companion, in one transaction, her women's diverted rows no
digest listed yet and their pending rows due before tomorrow's digest (a reminder
reaches the companion a day ahead). What no longer holds is left out: a session
begun, an offer lapsed or answered, a check-in answered (skipped, reason stored);
a woman who withdrew her consent is written to no more (cancelled).

Each row listed gets the digest's id (``digest_id``), so it is listed once; the
digest is an outbox row keyed ``digest:<companion>:<day>[:<part>]``, so a day has
one digest per companion whatever restarts or second dispatchers happen.

Which companion: the one who registered her (``assisted_by``) while she still
accompanies the woman's desa, else the first assigned to it (companion_of): one
person answers for each line. Its buttons are conversations/digest.py's.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.buttons import DigestTap, OpenForm
from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    CheckIn,
    ClassSession,
    CompanionArea,
    Enrolment,
    OutboxMessage,
    Registrant,
    RoleGrant,
    TrainingClass,
)
from wrse_bot.domain.placeholders import placeholder_id, registrant_of
from wrse_bot.domain.roles import Role
from wrse_bot.domain.schedule import Span
from wrse_bot.domain.statuses import EnrolmentStatus, OutboxKind, OutboxStatus
from wrse_bot.domain.timing import WIB, QuietHours
from wrse_bot.i18n import N_, Translator, translator
from wrse_bot.services.audience import WITHDRAWN
from wrse_bot.services.checkin_via import VIA
from wrse_bot.services.checkins import STARTABLE
from wrse_bot.services.class_labels import place_label, session_label, when
from wrse_bot.services.companions import REFUSED, companion_of, may_see
from wrse_bot.services.dispatch import DIVERTED_REASON, EXPIRED_REASON
from wrse_bot.services.notices import Tap, outbox_markup
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.roles import audit
from wrse_bot.services.updates import claim_update
from wrse_bot.services.users import language_of

LAPSED = "skipped: no longer holds (offer lapsed or answered, check-in answered)"
WITHDRAWN_REASON = "cancelled: her consent is withdrawn"
_OFFER = re.compile(r"class-offer:(\d+)$")
_CHECKIN = re.compile(r"checkin:(\d+):")


# ---- what it says (pure composition, in the companion's language) -----------------

# At most this many women in one message (Telegram: 4096 characters, and a
# keyboard she can still read); more women make more messages.
WOMEN_PER_MESSAGE = 6
MESSAGE_CLIP = 300  # characters of a notice quoted for her

HEAD = N_("<b>For the women you accompany</b>, {date}")
WHY = N_("They have no Telegram: please pass these on to them.")
PART = N_("(part {n} of {total})")
WOMAN = N_("<b>{name}</b> (No. {number}):")
REMINDER = N_("• class reminder <b>{title}</b>: {when}, at {place}")
OFFER = N_("• a seat is free for her in the class <b>{title}</b>, held until {until}")
CHECKIN = N_("• her {days}-day check-in is due (class {title})")
MESSAGE = N_("• a message for her: {text}")
FOOT = N_("When you have told her, tap ✅ with her name.")
TOLD = N_("Told: {name}")
TAKE = N_("Take the seat: {name}")
LET_GO = N_("Decline")
CHECK_IN = N_("Check-in with her: {name}")


@dataclass(frozen=True)
class Reminder:
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str


@dataclass(frozen=True)
class Offer:
    enrolment_id: int
    title: str
    until: datetime


@dataclass(frozen=True)
class DueCheckIn:
    checkin_id: int
    round_days: int
    title: str


@dataclass(frozen=True)
class WomanDue:
    """What is due for one woman: each kind in the order it falls due."""

    registrant_id: int
    name: str
    reminders: tuple[Reminder, ...] = ()
    offers: tuple[Offer, ...] = ()
    checkins: tuple[DueCheckIn, ...] = ()
    messages: tuple[str, ...] = field(default=())  # notices for her, as plain text

    def __bool__(self) -> bool:
        return bool(self.reminders or self.offers or self.checkins or self.messages)


def plain(text: str, limit: int = MESSAGE_CLIP) -> str:
    """A stored notice (maybe HTML) as plain text, clipped."""
    flat = " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def parts(women: Sequence[WomanDue]) -> list[tuple[WomanDue, ...]]:
    """The women of one digest, split into messages."""
    shown = [w for w in women if w]
    return [
        tuple(shown[i : i + WOMEN_PER_MESSAGE]) for i in range(0, len(shown), WOMEN_PER_MESSAGE)
    ]


def digest_text(
    t: Translator, day: date, women: Sequence[WomanDue], *, part: int = 1, total: int = 1
) -> str:
    esc = html.escape
    head = t(HEAD).format(date=t.weekday_date(day))
    if total > 1:
        head += " " + t(PART).format(n=part, total=total)
    lines = [head, t(WHY)]
    for w in women:
        lines += ["", t(WOMAN).format(name=esc(w.name), number=w.registrant_id)]
        for r in w.reminders:
            lines.append(
                t(REMINDER).format(
                    title=esc(r.title),
                    when=session_label(t, Span(r.starts_at, r.ends_at)),
                    place=esc(r.place),
                )
            )
        for o in w.offers:
            lines.append(t(OFFER).format(title=esc(o.title), until=when(t, o.until)))
        for c in w.checkins:
            lines.append(t(CHECKIN).format(days=c.round_days, title=esc(c.title)))
        for m in w.messages:
            lines.append(t(MESSAGE).format(text=esc(m)))
    lines += ["", t(FOOT)]
    return "\n".join(lines)


def digest_rows(
    women: Sequence[WomanDue], digest_id: int, check_in_form: str
) -> tuple[tuple[Tap, ...], ...]:
    """Per woman: "told", a seat taken or declined for her, her check-in with her."""
    rows: list[tuple[Tap, ...]] = []
    for w in women:
        params = {"name": w.name}
        rows.append((Tap(TOLD, DigestTap("t", w.registrant_id, digest_id), params, "✅ "),))
        for o in w.offers:
            rows.append(
                (
                    Tap(TAKE, DigestTap("a", o.enrolment_id), params, "🪑 "),
                    Tap(LET_GO, DigestTap("l", o.enrolment_id)),
                )
            )
        for c in w.checkins:
            rows.append((Tap(CHECK_IN, OpenForm(check_in_form, c.checkin_id), params, "📋 "),))
    return tuple(rows)


# ---- when ----------------------------------------------------------------------------


def digest_time(at: time, quiet: QuietHours) -> time:
    """The digest's clock time: ``at``, or the end of quiet hours if inside them."""
    probe = datetime.combine(date(2000, 1, 3), at, quiet.tz)
    return quiet.end if quiet.contains(probe) else at


def digest_moment(day: date, at: time, quiet: QuietHours) -> datetime:
    """When the digest of ``day`` (WIB) falls due."""
    return datetime.combine(day, digest_time(at, quiet), WIB)


def quiet_of(settings: Settings) -> QuietHours:
    return QuietHours(start=settings.quiet_start, end=settings.quiet_end, tz=settings.tz)


# After its hour, how long a dispatcher waits before looking again at rows it
# could not pass on (her desa has no companion yet, or today's digest went out).
RECHECK = timedelta(seconds=60)


@dataclass(frozen=True)
class Composed:
    queued: int = 0  # digest messages queued
    waiting: bool = False  # rows for women without Telegram that wait (see RECHECK)


def next_attempt(at: datetime, settings: Settings, composed: Composed) -> datetime:
    """When a dispatcher looks again after composing at ``at``: at once after
    a digest, or when nothing waited (one indexed read); else the end of
    quiet hours, today's digest hour, or ``RECHECK`` later."""
    quiet = quiet_of(settings)
    if quiet.contains(at):
        return quiet.next_allowed(at)
    moment = digest_moment(at.astimezone(WIB).date(), settings.digest_at, quiet)
    if at < moment:
        return moment
    return at + RECHECK if composed.waiting and not composed.queued else at


def dedupe_key(companion_id: int, day: date, part: int = 1) -> str:
    base = f"digest:{companion_id}:{day:%Y%m%d}"
    return base if part == 1 else f"{base}:{part}"


# ---- who ----------------------------------------------------------------------------


async def digest_companion(s: AsyncSession, reg: Registrant) -> int | None:
    """The companion whose digest lists her (see the module docstring)."""
    if reg.assisted_by is not None:
        still = await s.scalar(
            select(CompanionArea.user_id)
            .join(RoleGrant, RoleGrant.user_id == CompanionArea.user_id)
            .where(
                CompanionArea.user_id == reg.assisted_by,
                CompanionArea.village_code == reg.village_code,
                RoleGrant.role == Role.COMPANION.value,
            )
        )
        if still is not None:
            return int(still)
    return await companion_of(s, reg.user_id)


# ---- composing ------------------------------------------------------------------------


def _undigested(until: datetime) -> Any:
    return (
        (OutboxMessage.user_id < 0)
        & OutboxMessage.digest_id.is_(None)
        & (OutboxMessage.kind != OutboxKind.DIGEST)
        & (
            (OutboxMessage.status == OutboxStatus.DIVERTED)
            | ((OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.due_at < until))
        )
    )


@dataclass
class _Gathered:
    woman: WomanDue
    shown: list[int]  # outbox ids listed for her
    dropped: list[tuple[int, str]]  # (outbox id, reason): not listed, settled


async def _gather(
    s: AsyncSession, reg: Registrant, rows: list[OutboxMessage], at: datetime
) -> _Gathered:
    got = _Gathered(WomanDue(reg.id, reg.full_name or "-"), [], [])
    reminders: dict[int, Reminder] = {}
    offers: dict[int, Offer] = {}
    checkins: dict[int, DueCheckIn] = {}
    messages: list[str] = []
    for row in rows:
        if row.expires_at is not None and row.expires_at <= at:
            got.dropped.append((row.id, EXPIRED_REASON))
            continue
        offer = _OFFER.match(row.dedupe_key or "") if row.kind == OutboxKind.NOTICE else None
        ask = _CHECKIN.match(row.dedupe_key or "") if row.kind == OutboxKind.CHECKIN else None
        if row.kind == OutboxKind.REMINDER and row.session_id is not None:
            session = await s.get(ClassSession, row.session_id)
            cls = await s.get(TrainingClass, row.class_id) if row.class_id else None
            if session is None or cls is None or session.starts_at <= at:
                got.dropped.append((row.id, EXPIRED_REASON))
                continue
            reminders.setdefault(
                session.id,
                Reminder(cls.title, session.starts_at, session.ends_at, place_label(cls)),
            )
        elif offer is not None:
            e = await s.get(Enrolment, int(offer.group(1)))
            cls = await s.get(TrainingClass, e.class_id) if e is not None else None
            if (
                e is None
                or cls is None
                or e.status != EnrolmentStatus.OFFERED
                or e.offered_until is None
                or e.offered_until <= at
            ):
                got.dropped.append((row.id, LAPSED))
                continue
            offers.setdefault(e.id, Offer(e.id, cls.title, e.offered_until))
        elif ask is not None:
            ci = await s.get(CheckIn, int(ask.group(1)))
            if ci is None or ci.status not in STARTABLE:
                got.dropped.append((row.id, LAPSED))
                continue
            cls = await s.get(TrainingClass, ci.class_id)
            checkins.setdefault(
                ci.id, DueCheckIn(ci.id, ci.round_days, cls.title if cls is not None else "-")
            )
        else:
            messages.append(plain(row.text))
        got.shown.append(row.id)
    got.woman = replace(
        got.woman,
        reminders=tuple(sorted(reminders.values(), key=lambda r: r.starts_at)),
        offers=tuple(offers.values()),
        checkins=tuple(checkins.values()),
        messages=tuple(messages),
    )
    return got


async def compose_due(db: Database, settings: Settings, *, at: datetime | None = None) -> Composed:
    """Queue today's digest for every companion with something to pass on and none
    yet today. Cheap: no read before the digest hour, one indexed read after."""
    at = at or clock_now()
    if next_attempt(at, settings, Composed()) > at:  # quiet hours, or before the digest hour
        return Composed()
    day = at.astimezone(WIB).date()
    until = digest_moment(day + timedelta(days=1), settings.digest_at, quiet_of(settings))
    async with db.sessions() as s:
        if await s.scalar(select(OutboxMessage.id).where(_undigested(until)).limit(1)) is None:
            return Composed()
    queued = 0
    async with db.transaction() as s:
        rows = list(
            await s.scalars(
                select(OutboxMessage)
                .where(_undigested(until))
                .order_by(OutboxMessage.user_id, OutboxMessage.due_at, OutboxMessage.id)
                .with_for_update(skip_locked=True)
            )
        )
        by_companion: dict[int, list[_Gathered]] = defaultdict(list)
        settle: list[tuple[int, str, str]] = []  # (id, status, reason)
        for account, group in groupby(rows, key=lambda r: r.user_id):
            hers = list(group)
            reg = await s.get(Registrant, registrant_of(account))
            if reg is None or reg.status in WITHDRAWN or not reg.full_name:
                settle += [(r.id, OutboxStatus.CANCELLED, WITHDRAWN_REASON) for r in hers]
                continue
            companion = await digest_companion(s, reg)
            if companion is None:  # no companion for her desa yet: they wait
                continue
            by_companion[companion].append(await _gather(s, reg, hers, at))
        for companion, gathered in by_companion.items():
            if await s.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.dedupe_key == dedupe_key(companion, day)
                )
            ):
                continue  # today's digest went out: these wait for tomorrow's
            for g in gathered:
                settle += [(i, OutboxStatus.SKIPPED, why) for i, why in g.dropped]
            queued += await _queue(s, companion, day, gathered)
        for row_id, status, reason in settle:
            await s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.digest_id.is_(None))
                .values(status=status, last_error=reason, claimed_until=None)
            )
    return Composed(queued, waiting=True)


async def _queue(s: AsyncSession, companion: int, day: date, gathered: list[_Gathered]) -> int:
    t = translator(await language_of(s, companion))
    shown = {g.woman.registrant_id: g.shown for g in gathered}
    split = parts([g.woman for g in gathered])
    for n, women in enumerate(split, start=1):
        key = dedupe_key(companion, day, n)
        if not await enqueue(
            s, user_id=companion, text="…", kind=OutboxKind.DIGEST, dedupe_key=key
        ):
            return 0
        digest = await s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        assert digest is not None
        digest.text = digest_text(t, day, women, part=n, total=len(split))
        digest.parse_mode = "HTML"
        digest.reply_markup = outbox_markup(digest_rows(women, digest.id, VIA.name), t)
        ids = [i for w in women for i in shown[w.registrant_id]]
        await s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(
                status=OutboxStatus.DIVERTED,
                digest_id=digest.id,
                last_error=DIVERTED_REASON,
                claimed_until=None,
            )
        )
    return len(split)


# ---- "Sudah disampaikan" ----------------------------------------------------------------


@dataclass(frozen=True)
class Told:
    outcome: Literal["recorded", "already", "refused", "duplicate_update"]
    name: str = ""
    at: datetime | None = None


async def record_told(
    db: Database, companion_id: int, registrant_id: int, digest_id: int, *, update_id: int | None
) -> Told:
    """The companion told her what digest ``digest_id`` listed for her: when,
    on those rows; who and when in the audit log. A digest that is not this
    companion's, or a woman it did not list, is refused and audit-logged."""
    at = clock_now()
    async with db.transaction() as s:
        if not await claim_update(s, update_id):
            return Told("duplicate_update")
        digest = await s.get(OutboxMessage, digest_id)
        listed: list[OutboxMessage] = []
        if digest and digest.kind == OutboxKind.DIGEST and digest.user_id == companion_id:
            if not await may_see(s, companion_id, registrant_id, what="digest:told"):
                return Told("refused")
            listed = list(
                await s.scalars(
                    select(OutboxMessage).where(
                        OutboxMessage.digest_id == digest_id,
                        OutboxMessage.user_id == placeholder_id(registrant_id),
                    )
                )
            )
        if not listed:  # not this companion's digest, or a woman it did not list
            audit(s, companion_id, REFUSED, registrant_id=registrant_id, detail="digest:told")
            return Told("refused")
        reg = await s.get(Registrant, registrant_id)
        name = (reg.full_name if reg is not None else None) or "-"
        earlier = [r.told_at for r in listed if r.told_at is not None]
        if len(earlier) == len(listed):
            return Told("already", name, min(earlier))
        for r in listed:
            r.told_at = r.told_at or at
        audit(s, companion_id, "digest:told", registrant_id=registrant_id, detail=f"#{digest_id}")
        return Told("recorded", name, at)
