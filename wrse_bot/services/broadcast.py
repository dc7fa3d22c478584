"""Staff broadcasts (/siaran): audiences, what she receives, and sending. The form
is a table (wrse_bot/forms/broadcast.py); this module gives it its facts from the
database and finishes it.

Audiences (issue 3): ``all`` is every active ELIGIBLE registration whose owner wants
announcements (/berhenti, /langganan) and has not blocked the bot; ``kecamatan`` and
``interest`` narrow it (``Registrant.interests`` is a JSON list, matched portably by
its text containing the quoted code, as SQLite and PostgreSQL both store it);
``enrolled`` / ``waitlisted`` are one class's women, and reach her even after
/berhenti, because they are about her own class.

What she receives is framed (issue 8): the first line names the sender and nothing
else (the notification preview on a shared phone), the last says how to stop. The
staff preview shows the same frame; ``Broadcast.text`` keeps what staff wrote.

Sending creates the ``Broadcast`` and one outbox row per recipient (dedupe key
``broadcast:<id>:<user id>``) with one INSERT ... SELECT in the form's transaction:
all or nothing, and memory stays flat however large the audience.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, String, Text, cast, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import now
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import (
    ActiveForm,
    Broadcast,
    ClassSession,
    Enrolment,
    OutboxMessage,
    Registrant,
    TrainingClass,
    User,
)
from wrse_bot.db.types import UTCDateTime
from wrse_bot.domain.eligibility import Verdict
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import (
    BroadcastStatus,
    ClassStatus,
    EnrolmentStatus,
    OutboxKind,
    OutboxStatus,
    RegistrantStatus,
)
from wrse_bot.domain.text import N_
from wrse_bot.forms.broadcast import (
    BROADCAST_FORM,
    CLASS_AUDIENCES,
    SCHEDULE,
    Audience,
    audience_of,
    schedule_class,
)
from wrse_bot.forms.model import REVIEW, Answers
from wrse_bot.i18n import Translator, translator
from wrse_bot.services.audience import consenting
from wrse_bot.services.forms import FormSpec
from wrse_bot.services.roles import STAFF, audit
from wrse_bot.services.updates import claim_update
from wrse_bot.services.users import ensure_user

# Classes offered as buttons (newest first).
MAX_CLASS_BUTTONS = 20


@dataclass(frozen=True)
class ClassSchedule:
    """What "Jadwal kelas" shows, rendered in the bot's language (``render_schedule``)."""

    id: int
    title: str
    place: str
    kecamatan_code: str
    trainer: str
    sessions: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class SendResult:
    status: Literal["sent", "empty", "gone"]  # gone: the class was cancelled meanwhile
    broadcast_id: int | None = None
    total: int = 0


# ---- what she receives -------------------------------------------------------------

ANNOUNCEMENT_HEAD = N_("📢 Announcement from Dinas Sosial Kota Batu")
STOP_LINE = N_("Type /berhenti to stop receiving announcements.")
CLASS_LINE = N_(
    "This message is about the class {title} you signed up for, so it still reaches "
    "you after /berhenti."
)


def render_schedule(t: Translator, schedule: ClassSchedule) -> str:
    """ "Jadwal kelas": the class, its place, and each session in WIB."""
    kecamatan = load_places().name(schedule.kecamatan_code)
    lines = [
        t(N_("Class schedule: {title}")).format(title=schedule.title),
        t(N_("Place: {place}, Kecamatan {kecamatan}")).format(
            place=schedule.place, kecamatan=kecamatan
        ),
        t(N_("Trainer: {trainer}")).format(trainer=schedule.trainer),
        "",
    ]
    for starts, ends in schedule.sessions:
        day = t.weekday_date(starts.astimezone(t.tz).date())
        lines.append(f"• {day}, {t.time(starts).removesuffix(' WIB')}–{t.time(ends)}")
    return "\n".join(lines).rstrip()


def body_of(t: Translator, answers: Answers) -> str:
    """Her message as typed, or the schedule (a fact of the preview) rendered."""
    if answers.get("text") != SCHEDULE:
        return str(answers.get("text") or "")
    schedule = answers.get("_schedule")
    return render_schedule(t, schedule) if schedule is not None else "-"


def framed(t: Translator, text: str, audience: Audience, class_title: str | None) -> str:
    """The message as she receives it: sender first, body, how to stop last."""
    about_class = audience.class_id is not None
    foot = t(CLASS_LINE).format(title=class_title or "-") if about_class else t(STOP_LINE)
    return f"{t(ANNOUNCEMENT_HEAD)}\n\n{text}\n\n{foot}"


# ---- audiences ---------------------------------------------------------------------


def recipients_query(audience: Audience) -> Select[tuple[int]]:
    """The user ids an audience reaches (one each), as a statement."""
    if audience.kind in CLASS_AUDIENCES:
        statuses = (
            (EnrolmentStatus.ENROLLED,)
            if audience.kind == "enrolled"
            else (EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED)
        )
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
            Registrant.verdict == Verdict.ELIGIBLE,
            Registrant.status == RegistrantStatus.ACTIVE,
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


async def published_classes(s: AsyncSession) -> tuple[tuple[int, str], ...]:
    """(id, title) of the newest published classes, for buttons."""
    rows = await s.execute(
        select(TrainingClass.id, TrainingClass.title)
        .where(TrainingClass.status == ClassStatus.PUBLISHED)
        .order_by(TrainingClass.id.desc())
        .limit(MAX_CLASS_BUTTONS)
    )
    return tuple((r.id, r.title) for r in rows)


async def _published_class(s: AsyncSession, class_id: int) -> TrainingClass | None:
    cls = await s.get(TrainingClass, class_id)
    return cls if cls is not None and cls.status == ClassStatus.PUBLISHED else None


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
    spans = tuple((a, b) for a, b in sessions)
    return ClassSchedule(cls.id, cls.title, cls.place, cls.kecamatan_code, cls.trainer, spans)


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


# ---- the form's facts and its end ------------------------------------------------------


async def _facts(s: AsyncSession, row: ActiveForm, answers: Answers) -> Mapping[str, Any]:
    """Published classes for the class questions; on the preview, how many
    women it reaches and the schedule it sends."""
    facts: dict[str, Any] = {"_classes": await published_classes(s)}
    if row.step == REVIEW:
        audience = audience_of(answers)
        facts["_count"] = await count_recipients(s, audience) if audience else 0
        class_id = schedule_class(answers)
        if class_id is not None:
            facts["_schedule"] = await class_schedule(s, class_id)
    return facts


class BroadcastService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.t = translator(settings.locale)  # what she receives: the bot's language

    @property
    def spec(self) -> FormSpec:
        return FormSpec(BROADCAST_FORM, finish=self._finish, facts=_facts, roles=STAFF)

    async def _finish(
        self, s: AsyncSession, row: ActiveForm, answers: Answers
    ) -> tuple[SendResult]:
        """ "Kirim" on the preview: the Broadcast and every delivery, in the form's transaction."""
        audience = audience_of(answers)
        class_id = schedule_class(answers)
        schedule = await class_schedule(s, class_id) if class_id is not None else None
        text = render_schedule(self.t, schedule) if schedule is not None else answers["text"]
        if audience is None or (class_id is not None and schedule is None) or not text:
            return (SendResult("gone"),)
        return (await queue(s, row.user_id, audience, text, self.t),)

    async def send(
        self,
        staff_id: int,
        audience: Audience,
        text: str,
        *,
        progress_chat_id: int | None = None,
        progress_message_id: int | None = None,
    ) -> SendResult:
        """Queue a broadcast outside the form (benchmarks, tests): what "Kirim" does."""
        async with self.db.transaction() as s:
            result = await queue(s, staff_id, audience, text, self.t)
            if result.broadcast_id is not None:
                sent = await s.get(Broadcast, result.broadcast_id)
                assert sent is not None
                sent.progress_chat_id = progress_chat_id
                sent.progress_message_id = progress_message_id
        return result


async def queue(
    s: AsyncSession, staff_id: int, audience: Audience, text: str, t: Translator
) -> SendResult:
    cls = await _published_class(s, audience.class_id) if audience.class_id else None
    if audience.class_id is not None and cls is None:
        return SendResult("gone")  # the class was cancelled or removed meanwhile
    total = await count_recipients(s, audience)
    if total == 0:
        return SendResult("empty")
    broadcast = Broadcast(
        created_by=staff_id,
        audience=asdict(audience),
        text=text,
        total=total,
        status=BroadcastStatus.SENDING,
    )
    s.add(broadcast)
    await s.flush()
    received = framed(t, text, audience, cls.title if cls else None)
    broadcast.total = await _enqueue_all(s, broadcast, received, audience)
    audit(s, staff_id, "broadcast:send", detail=f"#{broadcast.id} to {broadcast.total}")
    return SendResult("sent", broadcast.id, broadcast.total)


async def track_progress(db: Database, broadcast_id: int, chat_id: int, message_id: int) -> None:
    """The message the dispatcher edits as delivery goes on (the preview that was sent)."""
    async with db.transaction() as s:
        await s.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)
            .values(progress_chat_id=chat_id, progress_message_id=message_id)
        )


async def _enqueue_all(
    s: AsyncSession, broadcast: Broadcast, received: str, audience: Audience
) -> int:
    """One outbox row per recipient (``received``: the framed text), by one
    INSERT ... SELECT; returns how many."""
    rec = recipients_query(audience).subquery()
    columns = {
        "kind": literal(OutboxKind.BROADCAST.value, String),
        "user_id": rec.c.user_id,
        "text": literal(received, Text),
        "status": literal(OutboxStatus.PENDING.value, String),
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
