"""A companion enrols a woman of her desa who has no Telegram (/kelaskan,
issue 11), with exactly the rules of self-enrolment: the same service
(services/classes.py: eligibility, clashes, deadline, exact capacity, the
waitlist), run for her placeholder account (wrse_bot/domain/placeholders.py).

Her desa is checked on the server at every step (the list, the confirmation,
the enrolment, a seat taken or let go on her behalf); a look outside it is
refused and audit-logged (services/companions.may_see). A woman who linked her
own Telegram account decides herself: the companion is told so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.db.models import Enrolment, Registrant
from wrse_bot.domain.placeholders import is_placeholder, placeholder_id, registrant_of
from wrse_bot.services import classes
from wrse_bot.services.classes import ActionResult, EnrolResult, Listing
from wrse_bot.services.companions import may_see
from wrse_bot.services.placeholders import give_placeholder
from wrse_bot.services.roles import audit

Who = Literal["ok", "refused", "own_telegram"]


@dataclass(frozen=True)
class Her:
    """The woman a companion acts for, once her desa is checked."""

    who: Who
    registrant_id: int
    name: str = ""
    account: int = 0  # her placeholder account


async def her(db: Database, companion_id: int, registrant_id: int, *, what: str) -> Her:
    """Is she a woman of this companion's desa, still without Telegram?"""
    async with db.transaction() as s:
        if not await may_see(s, companion_id, registrant_id, what=what):
            return Her("refused", registrant_id)
        reg = await s.get(Registrant, registrant_id)
        assert reg is not None
        name = reg.full_name or "-"
        if reg.user_id is not None and not is_placeholder(reg.user_id):
            return Her("own_telegram", registrant_id, name)
        if reg.user_id is None:  # registered before placeholders: she gets hers now
            await give_placeholder(s, reg)
        return Her("ok", registrant_id, name, placeholder_id(registrant_id))


async def open_classes(db: Database, woman: Her) -> Listing:
    """The classes she could join now, her interests and kecamatan first."""
    return await classes.list_open(db, woman.account)


async def preflight(db: Database, woman: Her, class_id: int) -> EnrolResult:
    return await classes.preflight(db, woman.account, class_id)


async def enrol(
    db: Database,
    settings: Settings,
    companion_id: int,
    woman: Her,
    class_id: int,
    *,
    update_id: int | None = None,
) -> EnrolResult:
    """A seat or a place on the waitlist for her, or why not; audit-logged."""
    result = await classes.enrol(
        db, woman.account, class_id, update_id=update_id, settings=settings
    )
    if result.outcome in ("enrolled", "waitlisted"):
        async with db.transaction() as s:
            audit(
                s,
                companion_id,
                "class:enrol_for",
                registrant_id=woman.registrant_id,
                detail=f"class {class_id}: {result.outcome}",
            )
    return result


SeatAction = Literal["take", "release"]


@dataclass(frozen=True)
class SeatResult:
    woman: Her
    result: ActionResult | None = None


async def seat_for(
    db: Database,
    settings: Settings,
    companion_id: int,
    enrolment_id: int,
    action: SeatAction,
    *,
    update_id: int | None = None,
) -> SeatResult:
    """ "Ambil kursi" / "Tolak" on her behalf, for a seat offered to her."""
    async with db.sessions() as s:
        owner = await s.scalar(select(Enrolment.user_id).where(Enrolment.id == enrolment_id))
    registrant_id = registrant_of(owner) if is_placeholder(owner) else 0
    if not registrant_id:  # no such place, or not a woman without Telegram
        async with db.transaction() as s:
            audit(s, companion_id, "companion:refused", detail=f"seat_for {enrolment_id}")
        return SeatResult(Her("refused", 0))
    woman = await her(db, companion_id, registrant_id, what="seat_for")
    if woman.who != "ok":
        return SeatResult(woman)
    result = await classes.act(
        action, db, settings, woman.account, enrolment_id, update_id=update_id
    )
    if result.outcome in ("taken", "released"):
        async with db.transaction() as s:
            audit(
                s,
                companion_id,
                f"class:{action}_for",
                registrant_id=registrant_id,
                detail=f"enrolment {enrolment_id}",
            )
    return SeatResult(woman, result)
