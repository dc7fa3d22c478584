"""Placeholder accounts of the women registered without Telegram (issue 11;
why they exist: wrse_bot/domain/placeholders.py).

* :func:`give_placeholder` — /daftarkan's finish: her registration gets its
  placeholder account, in the same transaction.
* :func:`hand_over` — ``/start <code>``: in the caller's ONE transaction,
  everything the placeholder held moves to her own account (places, check-ins,
  the forms waiting for her, flags, and the outbox rows not yet delivered to
  anyone), then the placeholder is removed. From then on she is written to
  herself. Rows her companion's digest already listed stay with that digest.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.db.models import (
    ActiveForm,
    CheckIn,
    Consent,
    Enrolment,
    OutboxMessage,
    Registrant,
    StaffFlag,
    User,
)
from wrse_bot.domain.placeholders import is_placeholder, placeholder_id
from wrse_bot.domain.statuses import OutboxStatus


async def give_placeholder(s: AsyncSession, reg: Registrant) -> int:
    """Her placeholder account (created if missing); she now owns it."""
    uid = placeholder_id(reg.id)
    if await s.get(User, uid) is None:
        s.add(User(id=uid, language="id"))
        await s.flush()
    reg.user_id = uid
    await s.flush()
    return uid


async def hand_over(s: AsyncSession, reg: Registrant, user_id: int) -> None:
    """Her own account ``user_id`` (a row in ``users`` already) takes over from
    her placeholder. The caller holds the transaction."""
    old = reg.user_id
    reg.user_id = user_id
    await s.flush()
    if not is_placeholder(old):
        return
    assert old is not None
    for model in (Enrolment, CheckIn):
        await s.execute(
            update(model)
            .where(model.user_id == old)
            .values(user_id=user_id)
            .execution_options(synchronize_session=False)
        )
    # Forms waiting for her (a check-in asked): hers now, unless she has that form open.
    own_forms = select(ActiveForm.form).where(ActiveForm.user_id == user_id)
    await s.execute(
        update(ActiveForm)
        .where(ActiveForm.user_id == old, ActiveForm.form.not_in(own_forms))
        .values(user_id=user_id, paused=True)
        .execution_options(synchronize_session=False)
    )
    await s.execute(delete(ActiveForm).where(ActiveForm.user_id == old))
    await s.execute(
        update(StaffFlag)
        .where(StaffFlag.user_id == old)
        .values(user_id=user_id)
        .execution_options(synchronize_session=False)
    )
    # Not yet delivered to anyone: pending rows, and diverted ones no digest has
    # listed yet, go to her own chat (the dispatcher skips what has expired).
    await s.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.user_id == old,
            (OutboxMessage.status == OutboxStatus.PENDING)
            | ((OutboxMessage.status == OutboxStatus.DIVERTED) & OutboxMessage.digest_id.is_(None)),
        )
        .values(user_id=user_id, status=OutboxStatus.PENDING, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    await s.execute(delete(Consent).where(Consent.user_id == old))
    await s.execute(delete(User).where(User.id == old))
    await s.flush()
