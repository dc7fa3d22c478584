"""Staff broadcasts (/siaran): the draft form, its audiences, and sending.

The form lives in ``StaffDraft`` (kind "broadcast"), like the women's intake:
every accepted step bumps ``rev``, which the buttons carry, so a stale or
forged button changes nothing; the update id is claimed in the transaction
that changes the draft, so a redelivered update is applied once.

Audiences (issue 3, "Staff: broadcasting schedules"):

* ``all``: every registration with verdict ELIGIBLE (a staff approval is
  recorded as ELIGIBLE too), still active, whose owner wants announcements
  (/berhenti, /langganan) and has not blocked the bot;
* ``kecamatan`` / ``interest``: the same, narrowed to one kecamatan or to one
  skill among her class interests. ``Registrant.interests`` is a JSON list of
  skill codes; it is matched portably by its JSON text containing the quoted
  code (``'"menjahit"'``), which SQLite and PostgreSQL (``json`` cast to text)
  both store as written;
* ``enrolled`` / ``waitlisted``: the women enrolled in (or waiting for, or
  offered a seat in) one class. These are about her own class, so they reach
  her even after /berhenti.

What she receives is framed (issue 8): the first line names the sender and nothing
else, because it is the notification preview on a shared phone; the last line says
how to stop announcements (for a class audience: that it is about her class, which
/berhenti does not stop). The staff preview shows the same frame, in the bot's
language; ``Broadcast.text`` keeps what staff wrote.

Sending creates the ``Broadcast`` and one outbox row per recipient (dedupe key
``broadcast:<id>:<user id>``) with one INSERT ... SELECT in the transaction that
closes the draft: all or nothing, and memory stays flat however large the
audience. The dispatcher (wrse_bot/scheduler.py) delivers them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, String, Text, cast, delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    Broadcast,
    ClassSession,
    Enrolment,
    OutboxMessage,
    Registrant,
    StaffDraft,
    TrainingClass,
    User,
)
from wrse_bot.db.types import UTCDateTime
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.classes import ENROLLED, OFFERED, WAITLISTED
from wrse_bot.domain.digits import parse_uint
from wrse_bot.domain.limits import utf16_len
from wrse_bot.domain.places import KECAMATAN, load_places
from wrse_bot.domain.text import N_
from wrse_bot.i18n import Translator, translator
from wrse_bot.services.audience import consenting
from wrse_bot.services.roles import audit
from wrse_bot.services.updates import claim_update
from wrse_bot.services.users import ensure_user

DRAFT_KIND = "broadcast"
# Telegram allows 4096 characters; the preview adds a few lines around it.
MAX_TEXT = 3500
# Classes offered as buttons (newest first).
MAX_CLASS_BUTTONS = 20


class Step:
    AUDIENCE = "audience"  # whom: all / kecamatan / interest / enrolled / waitlisted
    KECAMATAN = "kecamatan"
    INTEREST = "interest"
    CLASS = "class"  # which class, for the enrolled / waitlisted audiences
    MESSAGE = "message"  # type it, or "Jadwal kelas"
    SCHEDULE = "schedule"  # which class's schedule
    PREVIEW = "preview"


# Callback actions from the audience step to what comes next.
AUDIENCE_CHOICES = {
    "all": "all",
    "kec": "kecamatan",
    "int": "interest",
    "enr": "enrolled",
    "wait": "waitlisted",
}
CLASS_AUDIENCES = frozenset({"enrolled", "waitlisted"})


@dataclass(frozen=True)
class Audience:
    kind: str  # all | kecamatan | interest | enrolled | waitlisted
    value: str | int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Audience | None:
        return cls(data["kind"], data.get("value")) if data else None

    @property
    def class_id(self) -> int | None:
        return int(self.value) if self.kind in CLASS_AUDIENCES and self.value else None


@dataclass(frozen=True)
class ClassOption:
    id: int
    title: str
    skill: str


@dataclass(frozen=True)
class ClassSchedule:
    """What "Jadwal kelas" shows; the conversation renders it in her language."""

    id: int
    title: str
    place: str
    kecamatan_code: str
    trainer: str
    sessions: tuple[tuple[datetime, datetime], ...]


ScheduleRenderer = Callable[[ClassSchedule], str]

ViewStatus = Literal["ok", "stale", "cancelled", "too_long", "empty"]


@dataclass
class DraftView:
    status: ViewStatus
    step: str | None = None
    rev: int = 0
    audience: Audience | None = None
    class_title: str | None = None  # of a class audience
    text: str | None = None
    recipients: int | None = None  # on the preview
    classes: list[ClassOption] = field(default_factory=list)  # on the class steps


@dataclass(frozen=True)
class SendResult:
    status: Literal["sent", "stale", "empty"]
    broadcast_id: int | None = None
    total: int = 0


# ---- what she receives -------------------------------------------------------------

ANNOUNCEMENT_HEAD = N_("📢 Announcement from Dinas Sosial Kota Batu")
STOP_LINE = N_("Type /berhenti to stop receiving announcements.")
CLASS_LINE = N_(
    "This message is about the class {title} you signed up for, so it still reaches "
    "you after /berhenti."
)


def framed(t: Translator, text: str, audience: Audience, class_title: str | None) -> str:
    """The message as she receives it: sender first, body, how to stop last."""
    if audience.class_id is not None:
        foot = t(CLASS_LINE).format(title=class_title or "-")
    else:
        foot = t(STOP_LINE)
    return f"{t(ANNOUNCEMENT_HEAD)}\n\n{text}\n\n{foot}"


# ---- audiences ---------------------------------------------------------------------


def recipients_query(audience: Audience) -> Select[tuple[int]]:
    """The user ids an audience reaches (one each), as a statement."""
    if audience.kind in CLASS_AUDIENCES:
        statuses = (ENROLLED,) if audience.kind == "enrolled" else (WAITLISTED, OFFERED)
        return (
            select(Enrolment.user_id.label("user_id"))
            .join(User, User.id == Enrolment.user_id)
            .where(
                Enrolment.class_id == audience.class_id,
                Enrolment.status.in_(statuses),
                User.unreachable.is_(False),
                consenting(Enrolment.user_id),
            )
            .distinct()
        )
    q = (
        select(Registrant.user_id.label("user_id"))
        .join(User, User.id == Registrant.user_id)
        .where(
            Registrant.verdict == "eligible",
            Registrant.status == "active",
            Registrant.deleted_at.is_(None),
            User.announcements.is_(True),
            User.unreachable.is_(False),
        )
    )
    if audience.kind == "kecamatan":
        q = q.where(Registrant.kecamatan_code == str(audience.value))
    elif audience.kind == "interest":
        quoted = f'"{audience.value}"'
        q = q.where(cast(Registrant.interests, Text).contains(quoted, autoescape=True))
    elif audience.kind != "all":
        raise ValueError(f"unknown audience {audience.kind!r}")
    return q.distinct()


async def count_recipients(s: AsyncSession, audience: Audience) -> int:
    sub = recipients_query(audience).subquery()
    return int(await s.scalar(select(func.count()).select_from(sub)) or 0)


def valid_kecamatan(code: str) -> bool:
    places = load_places()
    return code in places and places.get(code).level == KECAMATAN


async def published_classes(s: AsyncSession) -> list[ClassOption]:
    rows = await s.execute(
        select(TrainingClass.id, TrainingClass.title, TrainingClass.skill)
        .where(TrainingClass.status == "published")
        .order_by(TrainingClass.id.desc())
        .limit(MAX_CLASS_BUTTONS)
    )
    return [ClassOption(r.id, r.title, r.skill) for r in rows]


async def _published_class(s: AsyncSession, class_id: int) -> TrainingClass | None:
    cls = await s.get(TrainingClass, class_id)
    return cls if cls is not None and cls.status == "published" else None


async def class_schedule(s: AsyncSession, class_id: int) -> ClassSchedule | None:
    cls = await _published_class(s, class_id)
    if cls is None:
        return None
    sessions = (
        await s.execute(
            select(ClassSession.starts_at, ClassSession.ends_at)
            .where(ClassSession.class_id == class_id)
            .order_by(ClassSession.starts_at)
        )
    ).all()
    return ClassSchedule(
        id=cls.id,
        title=cls.title,
        place=cls.place,
        kecamatan_code=cls.kecamatan_code,
        trainer=cls.trainer,
        sessions=tuple((a, b) for a, b in sessions),
    )


# ---- opting out --------------------------------------------------------------------


async def set_announcements(db: Database, user_id: int, on: bool, update_id: int | None) -> bool:
    """/berhenti (off) and /langganan (on); True when it changed. Messages about
    her own classes are not announcements and still reach her."""
    async with db.transaction() as s:
        if not await claim_update(s, update_id):
            return False
        user = await ensure_user(s, user_id)
        changed = user.announcements != on
        user.announcements = on
    return changed


# ---- the form ----------------------------------------------------------------------


class BroadcastService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def open_step(self, staff_id: int) -> str | None:
        """The step of her open broadcast form, or None (the text route asks)."""
        async with self.db.sessions() as s:
            draft = await s.get(StaffDraft, staff_id)
        return draft.step if draft is not None and draft.kind == DRAFT_KIND else None

    async def start(self, staff_id: int, update_id: int | None) -> DraftView:
        """A new form (it replaces any staff form she left open)."""
        async with self.db.transaction() as s:
            draft = await s.get(StaffDraft, staff_id)
            if not await claim_update(s, update_id):  # redelivered: show what is open
                if draft is None or draft.kind != DRAFT_KIND:
                    return DraftView("stale")
                return await self._view(s, draft)
            if draft is None:
                draft = StaffDraft(user_id=staff_id, kind=DRAFT_KIND, step=Step.AUDIENCE, rev=1)
                s.add(draft)
            else:
                draft.kind, draft.step, draft.rev = DRAFT_KIND, Step.AUDIENCE, draft.rev + 1
                draft.data = {}
            await s.flush()
            return await self._view(s, draft)

    async def choose(
        self,
        staff_id: int,
        update_id: int | None,
        rev: int,
        action: str,
        arg: str,
        render_schedule: ScheduleRenderer,
    ) -> DraftView:
        """A button of the form. Anything not valid for the open step is stale."""
        async with self.db.transaction() as s:
            draft = await s.get(StaffDraft, staff_id)
            if draft is None or draft.kind != DRAFT_KIND or draft.rev != rev:
                return DraftView("stale")
            if not await claim_update(s, update_id):
                return await self._view(s, draft)
            if action == "cancel":
                await s.delete(draft)
                return DraftView("cancelled")
            data = dict(draft.data or {})
            step = await self._apply(s, draft.step, data, action, arg, render_schedule)
            if step is None:
                return DraftView("stale")
            draft.step, draft.data, draft.rev = step, data, draft.rev + 1
            await s.flush()
            return await self._view(s, draft)

    async def _apply(
        self,
        s: AsyncSession,
        step: str,
        data: dict[str, Any],
        action: str,
        arg: str,
        render_schedule: ScheduleRenderer,
    ) -> str | None:
        """The next step after ``action`` on ``step`` (data updated), or None."""
        if step == Step.AUDIENCE and action == "a" and arg in AUDIENCE_CHOICES:
            kind = AUDIENCE_CHOICES[arg]
            if kind == "all":
                data["audience"] = Audience("all").to_dict()
                return Step.MESSAGE
            data["pending_kind"] = kind
            return {"kecamatan": Step.KECAMATAN, "interest": Step.INTEREST}.get(kind, Step.CLASS)
        if step == Step.KECAMATAN and action == "k" and valid_kecamatan(arg):
            data["audience"] = Audience("kecamatan", arg).to_dict()
            return Step.MESSAGE
        if step == Step.INTEREST and action == "i" and arg in SKILLS:
            data["audience"] = Audience("interest", arg).to_dict()
            return Step.MESSAGE
        class_id = parse_uint(arg)
        if step == Step.CLASS and action == "c" and class_id is not None:
            kind = data.get("pending_kind")
            if kind not in CLASS_AUDIENCES or await _published_class(s, class_id) is None:
                return None
            data["audience"] = Audience(kind, class_id).to_dict()
            return Step.MESSAGE
        if step == Step.MESSAGE and action == "j":
            audience = Audience.from_dict(data.get("audience"))
            if audience is None or audience.class_id is None:
                return Step.SCHEDULE
            class_id, action = audience.class_id, "s"
            step = Step.SCHEDULE
        if step == Step.SCHEDULE and action == "s" and class_id is not None:
            schedule = await class_schedule(s, class_id)
            if schedule is None:
                return None
            data["text"] = render_schedule(schedule)
            data["schedule_class_id"] = schedule.id
            return Step.PREVIEW
        return None

    async def type_text(self, staff_id: int, update_id: int | None, text: str) -> DraftView:
        """Her message, typed at the message step."""
        async with self.db.transaction() as s:
            draft = await s.get(StaffDraft, staff_id)
            if draft is None or draft.kind != DRAFT_KIND or draft.step != Step.MESSAGE:
                return DraftView("stale")
            if not await claim_update(s, update_id):
                return await self._view(s, draft)
            text = text.strip()
            if not text:
                return DraftView("stale")
            if utf16_len(text) > MAX_TEXT:  # as Telegram counts: an emoji is two
                view = await self._view(s, draft)
                view.status = "too_long"
                return view
            draft.data = {**(draft.data or {}), "text": text}
            draft.step, draft.rev = Step.PREVIEW, draft.rev + 1
            await s.flush()
            return await self._view(s, draft)

    async def send(
        self,
        staff_id: int,
        update_id: int | None,
        rev: int,
        *,
        progress_chat_id: int,
        progress_message_id: int,
        t: Translator | None = None,
    ) -> SendResult:
        """ "Kirim": the Broadcast and every delivery, in one transaction."""
        async with self.db.transaction() as s:
            draft = await s.get(StaffDraft, staff_id)
            if draft is None or draft.kind != DRAFT_KIND or draft.rev != rev:
                return SendResult("stale")
            if draft.step != Step.PREVIEW or not await claim_update(s, update_id):
                return SendResult("stale")
            data = draft.data or {}
            audience = Audience.from_dict(data.get("audience"))
            text = data.get("text")
            if audience is None or not text:
                return SendResult("stale")
            if (
                audience.class_id is not None
                and await _published_class(s, audience.class_id) is None
            ):
                return SendResult("stale")  # the class was cancelled or removed meanwhile
            total = await count_recipients(s, audience)
            if total == 0:
                return SendResult("empty")
            broadcast = Broadcast(
                created_by=staff_id,
                audience=audience.to_dict(),
                text=text,
                total=total,
                status="sending",
                progress_chat_id=progress_chat_id,
                progress_message_id=progress_message_id,
            )
            s.add(broadcast)
            await s.flush()
            cls = await s.get(TrainingClass, audience.class_id) if audience.class_id else None
            received = framed(t or translator(), text, audience, cls.title if cls else None)
            total = await _enqueue_all(s, broadcast, received, audience)
            broadcast.total = total
            await s.execute(delete(StaffDraft).where(StaffDraft.user_id == staff_id))
            audit(s, staff_id, "broadcast:send", detail=f"#{broadcast.id} to {total}")
        return SendResult("sent", broadcast.id, total)

    async def _view(self, s: AsyncSession, draft: StaffDraft) -> DraftView:
        data = draft.data or {}
        audience = Audience.from_dict(data.get("audience"))
        view = DraftView("ok", step=draft.step, rev=draft.rev, audience=audience)
        if audience is not None and audience.class_id is not None:
            cls = await s.get(TrainingClass, audience.class_id)
            view.class_title = cls.title if cls is not None else None
        if draft.step in (Step.CLASS, Step.SCHEDULE):
            view.classes = await published_classes(s)
        if draft.step == Step.PREVIEW and audience is not None:
            view.text = data.get("text")
            view.recipients = await count_recipients(s, audience)
        return view


async def _enqueue_all(
    s: AsyncSession, broadcast: Broadcast, received: str, audience: Audience
) -> int:
    """One outbox row per recipient (``received``: the framed text), by one
    INSERT ... SELECT; returns how many."""
    rec = recipients_query(audience).subquery()
    columns = {
        "kind": literal("broadcast", String),
        "user_id": rec.c.user_id,
        "text": literal(received, Text),
        "status": literal("pending", String),
        "due_at": literal(now(), UTCDateTime),
        "attempts": literal(0),
        "broadcast_id": literal(broadcast.id),
        "dedupe_key": literal(f"broadcast:{broadcast.id}:", String) + cast(rec.c.user_id, String),
    }
    if audience.class_id is not None:
        columns["class_id"] = literal(audience.class_id)
    await s.execute(insert(OutboxMessage).from_select(list(columns), select(*columns.values())))
    return int(
        await s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast.id)
        )
        or 0
    )
