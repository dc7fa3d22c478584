"""The states a stored row can be in, one enum per column. The database
refuses any other value (CHECK constraints built from these enums in
wrse_bot/db/models.py), so a typo is an error, not a silent new state."""

from __future__ import annotations

from enum import StrEnum


class RegistrantStatus(StrEnum):
    """Registrant.status: where her registration stands."""

    ACTIVE = "active"  # counted as registered; her verdict decides the rest
    DUPLICATE_REVIEW = "duplicate_review"  # her NIK is held by another: staff check first
    REJECTED = "rejected"  # staff refused a possible duplicate
    DELETED = "deleted"  # erased (her request or retention): anonymous counts only


class ContactBy(StrEnum):
    """Registrant.contact_by: how staff reach her."""

    PHONE = "phone"  # the number she gave
    TELEGRAM = "telegram"  # this Telegram account (she borrows a phone)
    NO_PHONE = "no_phone"  # no phone of her own


class FlagKind(StrEnum):
    """StaffFlag.kind: why a person at the office must look (/verifikasi)."""

    NEEDS_REVIEW = "needs_review"  # the rules could not decide
    DUPLICATE_NIK = "duplicate_nik"  # another live registration holds her NIK
    NIK_MISMATCH = "nik_mismatch"  # what she said differs from what her NIK encodes
    HELP_REQUESTED = "help_requested"  # she asked for a person during the intake
    LINK_CONFLICT = "link_conflict"  # a link code opened on an account with its own registration


class ClassStatus(StrEnum):
    """TrainingClass.status."""

    PUBLISHED = "published"  # listed; open until its deadline or first session
    CANCELLED = "cancelled"  # cancelled by staff; seats released, women told


class EnrolmentStatus(StrEnum):
    """Enrolment.status. A class's ``taken`` counts ENROLLED and OFFERED seats."""

    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"  # in line, ordered by id
    OFFERED = "offered"  # a freed seat held for her until ``offered_until``
    CANCELLED = "cancelled"  # she (or the class) cancelled


# Places that keep her time busy: a new class may not clash with these.
ACTIVE_ENROLMENTS = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED)


class BroadcastStatus(StrEnum):
    """Broadcast.status."""

    SENDING = "sending"  # outbox rows still pending
    DONE = "done"  # every row settled and the report queued for the sender


class OutboxKind(StrEnum):
    """OutboxMessage.kind: what a delivery is (reminders alone may be held)."""

    NOTICE = "notice"  # about her own registration or classes
    REMINDER = "reminder"  # before a session
    CHECKIN = "checkin"  # first question of a follow-up round
    BROADCAST = "broadcast"  # a staff announcement
    REPORT = "report"  # a broadcast's final report to its sender
    STAFF_HELP = "staff_help"  # staff told that a woman asked for help
    AID = "aid"  # she is told that business aid was recorded for her
    DIGEST = "digest"  # a companion's daily digest for the women without Telegram


class OutboxStatus(StrEnum):
    """OutboxMessage.status: a row leaves PENDING exactly once."""

    PENDING = "pending"  # waiting to be claimed and sent
    SENT = "sent"  # Telegram accepted it
    BLOCKED = "blocked"  # 403: she blocked the bot
    FAILED = "failed"  # Telegram refused the message itself (400), or retries ran out
    SKIPPED = "skipped"  # expired before it could be sent (``expires_at``)
    CANCELLED = "cancelled"  # not to be sent: class cancelled, session moved, she left, erased
    # For a woman without Telegram (a placeholder account): never sent to her;
    # listed in her companion's daily digest instead (``digest_id``).
    DIVERTED = "diverted"


class CheckInStatus(StrEnum):
    """CheckIn.status: SCHEDULED -> ASKED -> (REASKED) -> ANSWERED | NO_RESPONSE;
    or CANCELLED."""

    SCHEDULED = "scheduled"  # due later
    ASKED = "asked"  # first question sent
    REASKED = "reasked"  # asked again once; a late answer is still welcome
    ANSWERED = "answered"  # every question answered
    NO_RESPONSE = "no_response"  # no answer after the second asking: a follow-up
    CANCELLED = "cancelled"  # not asked: completion withdrawn, or her consent withdrawn


class FormName(StrEnum):
    """ActiveForm.form: the forms the one engine runs (wrse_bot/forms/)."""

    INTAKE = "intake"  # her registration
    CHECKIN = "checkin"  # months after a class
    CHECKIN_VIA = "checkin_via"  # her check-in, answered with her companion
    CLASS = "class"  # /kelas_baru
    CLASS_EDIT = "class_edit"  # one change to a published class
    BROADCAST = "broadcast"  # /siaran
    VERIFY_REASON = "vf_reason"  # /verifikasi: a rejection in the officer's own words
    FOLLOW_UP_NOTE = "fu_note"  # /tindak_lanjut: a note on a follow-up
    INVITE = "invite"  # /undang
    AID = "aid"  # /stimulan
    AREAS = "areas"  # /wilayah: a companion's desa
    VISIT = "visit"  # /kunjungan
    ASSISTED = "assisted"  # /daftarkan: registered by her companion
