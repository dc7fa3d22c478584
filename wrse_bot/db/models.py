"""The schema. Alembic migrations in ``migrations/versions`` build it; tests
check that ``alembic upgrade head`` matches these models exactly."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from wrse_bot.clock import now
from wrse_bot.db.types import Encrypted, EncryptedDate, EncryptedJSON, UTCDateTime
from wrse_bot.domain.aid import AidKind
from wrse_bot.domain.eligibility import Verdict
from wrse_bot.domain.obstacles import FollowUpReason, IncomeChange
from wrse_bot.domain.roles import Role
from wrse_bot.domain.statuses import (
    BroadcastStatus,
    CheckInStatus,
    ClassStatus,
    ContactBy,
    EnrolmentStatus,
    FlagKind,
    FormName,
    OutboxKind,
    OutboxStatus,
    RegistrantStatus,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def enum_check(column: str, values: type[StrEnum]) -> CheckConstraint:
    """``column IN (...)`` from the enum, named ``ck_<table>_<column>``. The
    columns stay String: a new value is a new migration, not a new type. NULL
    passes, as in every SQL CHECK (nullable columns stay nullable)."""
    listed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column, info={"enum": values})


class User(Base):
    """A Telegram account that has talked to the bot."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8), default="id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # 403 from Telegram: she blocked the bot; later sends skip her.
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    # /berhenti and /langganan: general announcements only; messages about
    # her own classes still reach her.
    announcements: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))


class NikAttempt(Base):
    """A NIK typed by an account on a WIB day (its keyed hash, never the NIK):
    at most ``WRSE_NIK_TRIES_PER_DAY`` different ones a day, so nobody can test
    NIKs one after another (issue 9). Rows older than yesterday are pruned."""

    __tablename__ = "nik_attempts"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    nik_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class ProcessedUpdate(Base):
    """Telegram update ids already applied, written in the same transaction
    as the change they caused, so a redelivered update is applied once."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)


class Consent(Base):
    """Proof of consent (UU PDP Ps. 24): which text version, what she chose, when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text_version: Mapped[str] = mapped_column(String(32))
    agreed: Mapped[bool] = mapped_column(Boolean)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Registrant(Base):
    """A submitted registration. Everything personal is encrypted at rest;
    in clear stay only what reports count in SQL (status, verdict, kecamatan,
    income bracket, interests, dates) and the NIK's keyed hash.

    On deletion (her right under UU PDP) the personal columns are cleared and
    only what anonymous counts need is kept (status, verdict, kecamatan).
    """

    __tablename__ = "registrants"
    __table_args__ = (
        # One NIK, one person: only one live registration may hold a NIK hash;
        # a second one is stored as a possible duplicate for staff.
        Index(
            "uq_registrants_live_nik_hash",
            "nik_hash",
            unique=True,
            sqlite_where=text("duplicate_of_id IS NULL AND nik_hash IS NOT NULL"),
            postgresql_where=text("duplicate_of_id IS NULL AND nik_hash IS NOT NULL"),
        ),
        enum_check("status", RegistrantStatus),
        enum_check("verdict", Verdict),
        enum_check("contact_by", ContactBy),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    # Answers to intake questions that have no column of their own (a question
    # with a review label in wrse_bot/forms/intake.py), encrypted as one document.
    more_answers: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON, nullable=True)
    status: Mapped[RegistrantStatus] = mapped_column(String(24), default=RegistrantStatus.ACTIVE)
    verdict: Mapped[Verdict | None] = mapped_column(String(24), nullable=True, index=True)
    full_name: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    nik: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    nik_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrants.id", ondelete="SET NULL"), nullable=True
    )
    # The NIK's sex, birth date and kecamatan together give away most of the
    # NIK, so each is encrypted like the NIK itself.
    sex: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    birth_date: Mapped[date | None] = mapped_column(EncryptedDate, nullable=True)
    nik_birth_date: Mapped[date | None] = mapped_column(EncryptedDate, nullable=True)
    nik_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    nik_kecamatan_code: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    # Where she lives, in clear: reports count by kecamatan.
    kecamatan_code: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    village_code: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    address: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    marital_status: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    main_earner: Mapped[bool | None] = mapped_column(EncryptedJSON, nullable=True)
    dependents: Mapped[int | None] = mapped_column(EncryptedJSON, nullable=True)
    monthly_income: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    # Whole Rp100.000s of the income: coarse enough to aggregate in SQL for
    # reports without exposing the exact (encrypted) figure.
    income_bracket: Mapped[int | None] = mapped_column(Integer, nullable=True)
    education: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    occupation: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    occupation_other: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    # In clear: reports filter registrations by the skill she is interested in.
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    # How staff reach her (the number above, this Telegram account, or no phone).
    contact_by: Mapped[ContactBy | None] = mapped_column(String(16), nullable=True)
    consent_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Registered by a companion (issue 11): who, who witnessed the consent she
    # read aloud, and the SHA-256 of the code with which the woman later links
    # her own Telegram account (``linked_at``; the code is never stored).
    assisted_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    consent_witness: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    link_code_hash: Mapped[str | None] = mapped_column(
        String(64), nullable=True, unique=True, index=True
    )
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Assessment(Base):
    """One eligibility decision; every change of her data adds one (history)."""

    __tablename__ = "assessments"
    __table_args__ = (enum_check("verdict", Verdict),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), index=True
    )
    verdict: Mapped[Verdict] = mapped_column(String(24))
    ruleset_version: Mapped[str] = mapped_column(String(40))
    # Reasons carry income figures, so they are stored encrypted.
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(EncryptedJSON, nullable=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class StaffFlag(Base):
    """Something a person at the office must look at (the /verifikasi queue)."""

    __tablename__ = "staff_flags"
    __table_args__ = (enum_check("kind", FlagKind),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[FlagKind] = mapped_column(String(32), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    registrant_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), nullable=True
    )
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEvent(Base):
    """Who touched personal data, and when (UU PDP: log who looked)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(64))
    registrant_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)


class KeyCheck(Base):
    """Which key the protected columns are encrypted under (one row). ``canary``,
    a constant under that key, stops a start-up with another ``WRSE_SECRET_KEY``
    before it writes rows nobody can read together; ``rekey_table``/``rekey_after``
    let an interrupted ``bot.py rekey`` resume."""

    __tablename__ = "key_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key_id: Mapped[str] = mapped_column(String(32))
    canary: Mapped[str] = mapped_column(Text)
    previous_key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    rekey_table: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rekey_after: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


# ---- roles -----------------------------------------------------------------------


class RoleGrant(Base):
    """Staff (petugas) and coordinators (koordinator). Admins come from
    ``WRSE_ADMIN_IDS`` and are not stored, so the environment stays the truth."""

    __tablename__ = "role_grants"
    __table_args__ = (enum_check("role", Role),)

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role: Mapped[Role] = mapped_column(String(16))
    granted_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Invite(Base):
    """A one-time, expiring deep link (t.me/<bot>?start=inv_<code>) granting a
    role. The link is a bearer token, so only its SHA-256 is stored: a copy of
    the database hands out no roles. The admin may withdraw it while unused."""

    __tablename__ = "role_invites"
    __table_args__ = (enum_check("role", Role),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(String(16))
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# ---- classes -----------------------------------------------------------------------


class TrainingClass(Base):
    """A skills class. ``taken`` counts seats held (enrolled + offered); it is
    changed only by conditional UPDATEs, so capacity holds under concurrency."""

    __tablename__ = "classes"
    __table_args__ = (enum_check("status", ClassStatus),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    skill: Mapped[str] = mapped_column(String(24), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    place: Mapped[str] = mapped_column(String(200))
    kecamatan_code: Mapped[str] = mapped_column(String(16), index=True)
    trainer: Mapped[str] = mapped_column(String(100))
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)
    enrol_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ClassStatus] = mapped_column(
        String(16), default=ClassStatus.PUBLISHED, index=True
    )
    created_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    sessions: Mapped[list[ClassSession]] = relationship(
        order_by="ClassSession.starts_at", cascade="all, delete-orphan"
    )


class ClassSession(Base):
    __tablename__ = "class_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Enrolment(Base):
    """Her place in a class (domain.statuses.EnrolmentStatus)."""

    __tablename__ = "enrolments"
    __table_args__ = (
        Index("uq_enrolments_class_user", "class_id", "user_id", unique=True),
        enum_check("status", EnrolmentStatus),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(String(16), index=True)
    offered_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class Attendance(Base):
    __tablename__ = "attendance"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("class_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True
    )
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    marked_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Aid(Base):
    """Business aid (bantuan stimulan) given to one woman (issue 11).

    Reports sum values by kind, kecamatan and month in SQL, so kind, value and
    date stay in clear; the words about her (what "other" aid was, why a
    second one of a kind) are encrypted. Erasure clears those and keeps the
    row for anonymous counts: it stays with her anonymous registration row."""

    __tablename__ = "aids"
    __table_args__ = (enum_check("kind", AidKind),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AidKind] = mapped_column(String(24))
    kind_other: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    value: Mapped[int] = mapped_column(BigInteger)  # Rupiah
    given_on: Mapped[date] = mapped_column(Date, index=True)
    source: Mapped[str] = mapped_column(String(120))  # programme or source of funds
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("classes.id", ondelete="SET NULL"), nullable=True
    )
    repeat_reason: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    recorded_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class CompanionArea(Base):
    """A desa (or kelurahan) a companion (pendamping) accompanies (issue 11).
    Her caseload, visits and forms reach only the women living there."""

    __tablename__ = "companion_areas"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    village_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    assigned_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Visit(Base):
    """A companion's note after a home visit to one woman (issue 11). What was
    said and agreed is encrypted; the date and the obstacle codes (internal or
    external, wrse_bot/domain/visits.py) stay in clear for reports."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), index=True
    )
    companion_id: Mapped[int] = mapped_column(BigInteger, index=True)
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    talked: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    obstacles: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_step: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    next_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ActiveForm(Base):
    """A form someone is filling in (issue 10): the one open, and any she paused
    to open it. One row per person and form, at most one of hers not paused.

    Forms whose answers have a home of their own (a check-in's row) keep only
    ``step``/``rev`` here (not on that row); the others keep their answers
    here, encrypted. ``form`` is one of FormName (a CHECK, migration 0021)."""

    __tablename__ = "active_forms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    form: Mapped[FormName] = mapped_column(String(16))
    subject: Mapped[int | None] = mapped_column(Integer, nullable=True)
    step: Mapped[str | None] = mapped_column(String(32), nullable=True)
    rev: Mapped[int] = mapped_column(Integer, default=0)
    # The rev whose question reached Telegram; another one is owed after a crash.
    prompted_rev: Mapped[int] = mapped_column(Integer, default=-1)
    misses: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON, nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    __table_args__ = (
        UniqueConstraint("user_id", "form", name="uq_active_forms_user_form"),
        enum_check("form", FormName),
        Index(
            "ix_active_forms_open",
            "user_id",
            unique=True,
            sqlite_where=text("NOT paused"),
            postgresql_where=text("NOT paused"),
        ),
    )


# ---- messages to send ---------------------------------------------------------------


class Broadcast(Base):
    """A staff announcement to an audience; deliveries are outbox rows."""

    __tablename__ = "broadcasts"
    __table_args__ = (enum_check("status", BroadcastStatus),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    total: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[BroadcastStatus] = mapped_column(String(16), default=BroadcastStatus.SENDING)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OutboxMessage(Base):
    """One message to deliver: the durable truth behind every broadcast,
    notice, reminder and check-in. A dispatcher claims due rows in batches
    and marks each sent exactly once."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "due_at"),
        Index("uq_outbox_dedupe_key", "dedupe_key", unique=True),
        enum_check("kind", OutboxKind),
        enum_check("status", OutboxStatus),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    text: Mapped[str] = mapped_column(Text)
    reply_markup: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    parse_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[OutboxStatus] = mapped_column(String(16), default=OutboxStatus.PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Not sent after this (a reminder whose session has begun): skipped, reason stored.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    class_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    session_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # e.g. "broadcast:12:user:34": enqueuing twice cannot make two deliveries.
    dedupe_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Diverted (a woman without Telegram): the digest row that listed it for her
    # companion, and when the companion recorded that she told her.
    digest_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# ---- reminders, check-ins and follow-up -------------------------------------------


class SessionRsvp(Base):
    """Her answer to a session reminder ("Hadir" / "Tidak bisa hadir"), for /peserta."""

    __tablename__ = "session_rsvps"

    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("class_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    coming: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class CheckIn(Base):
    """A follow-up round (30/90/180 days after completing a class): what she
    reports about income and business. Exact income is encrypted; the
    bracket (whole Rp100.000s) is what reports aggregate in SQL."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index("uq_checkins_enrolment_round", "enrolment_id", "round_days", unique=True),
        enum_check("status", CheckInStatus),
        enum_check("income_change", IncomeChange),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(Integer, index=True)
    round_days: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[CheckInStatus] = mapped_column(
        String(16), default=CheckInStatus.SCHEDULED, index=True
    )
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reasked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    income: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    income_bracket: Mapped[int | None] = mapped_column(Integer, nullable=True)
    income_change: Mapped[IncomeChange | None] = mapped_column(String(8), nullable=True)
    business_started: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Her own words: encrypted. Reports aggregate the categories beside them.
    business_kind: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    help_received: Mapped[list[str]] = mapped_column(JSON, default=list)
    obstacle: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)
    obstacle_other: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    wants_contact: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Answered with her companion during a visit (issue 11): the companion's id.
    via_companion: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class FollowUp(Base):
    """A check-in that needs a person (/tindak_lanjut): income fell, she asked
    to be contacted, or she did not respond."""

    __tablename__ = "follow_ups"
    __table_args__ = (enum_check("reason", FollowUpReason),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[FollowUpReason] = mapped_column(String(24))
    assigned_to: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # What the office learnt talking to her: encrypted.
    note: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
