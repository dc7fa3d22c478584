"""The schema. Alembic migrations in ``migrations/versions`` build it; tests
check that ``alembic upgrade head`` matches these models exactly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from wrse_bot.clock import now
from wrse_bot.db.types import Encrypted, EncryptedJSON, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A Telegram account that has talked to the bot."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8), default="id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # 403 from Telegram: she blocked the bot; later sends skip her.
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)


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


class RegistrationDraft(Base):
    """The form in progress; the durable truth behind the intake conversation.

    ``rev`` grows with every accepted change and is embedded in the buttons,
    so a stale button or a double tap is recognised. ``prompted_rev`` records
    which question was actually delivered: after a crash between commit and
    send, the bot knows it still owes her the next question.
    """

    __tablename__ = "registration_drafts"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    step: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    history: Mapped[list[str]] = mapped_column(JSON, default=list)
    editing: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    misses: Mapped[int] = mapped_column(Integer, default=0)
    rev: Mapped[int] = mapped_column(Integer, default=0)
    prompted_rev: Mapped[int] = mapped_column(Integer, default=-1)
    # Set when the draft edits an existing registration instead of a new one.
    registrant_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)


class Registrant(Base):
    """A submitted registration. NIK, income and phone are encrypted at rest.

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
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    status: Mapped[str] = mapped_column(String(24), default="active")
    verdict: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)
    full_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    nik: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    nik_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrants.id", ondelete="SET NULL"), nullable=True
    )
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    nik_birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    nik_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    nik_kecamatan_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    kecamatan_code: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    village_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    marital_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    main_earner: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    dependents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    monthly_income: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    education: Mapped[str | None] = mapped_column(String(32), nullable=True)
    occupation: Mapped[str | None] = mapped_column(String(32), nullable=True)
    occupation_other: Mapped[str | None] = mapped_column(String(100), nullable=True)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    consent_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="registrant", order_by="Assessment.id", cascade="all, delete-orphan"
    )


class Assessment(Base):
    """One eligibility decision; every change of her data adds one (history)."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), index=True
    )
    verdict: Mapped[str] = mapped_column(String(24))
    ruleset_version: Mapped[str] = mapped_column(String(40))
    # Reasons carry income figures, so they are stored encrypted.
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(EncryptedJSON, nullable=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    registrant: Mapped[Registrant] = relationship(back_populates="assessments")


class StaffFlag(Base):
    """Something a person at the office must look at (the /verifikasi queue)."""

    __tablename__ = "staff_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
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
