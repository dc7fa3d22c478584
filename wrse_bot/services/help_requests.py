""" "Minta bantuan petugas": a person at the office hears of it now, not only
through the /verifikasi queue (issue 8 §4). The request is a StaffFlag plus one
durable outbox message per recipient: the help chat ``WRSE_HELP_CHAT_ID`` if set,
else every staff member, else the admins. One open request per woman, so tapping
again floods neither the queue nor the staff's chats.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.config import Settings
from wrse_bot.db.models import RoleGrant, StaffFlag
from wrse_bot.domain.places import load_places
from wrse_bot.domain.roles import Role
from wrse_bot.domain.statuses import FlagKind, OutboxKind
from wrse_bot.domain.text import N_
from wrse_bot.i18n import translator
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.users import language_of

# Each step of the form, named as staff know the question (never "interests").
STEP_QUESTIONS: dict[str, str] = {
    "consent": N_("Consent to use her data"),
    "consent_full": N_("Consent to use her data"),
    "name": N_("Her full name"),
    "nik": N_("Her NIK (16 digits)"),
    "sex_confirm": N_("Whether the NIK is hers (its digits say a man)"),
    "dob_confirm": N_("Her birth date from the NIK"),
    "dob": N_("Her birth date"),
    "kecamatan": N_("Her kecamatan"),
    "village": N_("Her desa or kelurahan"),
    "address": N_("Her address"),
    "marital": N_("Her marital status"),
    "main_earner": N_("Whether she is the main earner"),
    "dependents": N_("How many people she supports"),
    "income": N_("Her household's monthly income"),
    "income_confirm": N_("Confirming her income"),
    "education": N_("Her schooling"),
    "occupation": N_("Her work"),
    "occupation_other": N_("Her work (typed)"),
    "interests": N_("The classes she is interested in"),
    "phone": N_("Her phone number"),
    "review": N_("Checking her answers before sending"),
}
_LEGACY_PREFIX = "intake step: "  # how requests were stored before


def step_question(detail: str | None) -> str | None:
    """The message id naming the question of a stored help request."""
    if not detail:
        return None
    return STEP_QUESTIONS.get(detail.removeprefix(_LEGACY_PREFIX))


async def request_help(
    s: AsyncSession, settings: Settings, user_id: int, step: str, answers: dict[str, Any]
) -> bool:
    """Flag her for staff and tell them now. False if a request of hers is
    already open (the step it names is brought up to date, nobody is told twice)."""
    existing = await s.scalar(
        select(StaffFlag)
        .where(
            StaffFlag.kind == FlagKind.HELP_REQUESTED,
            StaffFlag.user_id == user_id,
            StaffFlag.resolved_at.is_(None),
        )
        .limit(1)
    )
    if existing is not None:
        existing.detail = step
        return False
    flag = StaffFlag(kind=FlagKind.HELP_REQUESTED, user_id=user_id, detail=step)
    s.add(flag)
    await s.flush()
    for chat_id, language in await _recipients(s, settings):
        await enqueue(
            s,
            user_id=chat_id,
            text=staff_message(language, user_id, step, answers),
            kind=OutboxKind.STAFF_HELP,
            parse_mode="HTML",
            dedupe_key=f"help:{flag.id}:{chat_id}",
        )
    return True


async def _recipients(s: AsyncSession, settings: Settings) -> list[tuple[int, str]]:
    if settings.help_chat_id is not None:
        return [(settings.help_chat_id, settings.locale)]
    staff = (
        await s.scalars(
            select(RoleGrant.user_id)
            .where(RoleGrant.role == Role.STAFF)
            .order_by(RoleGrant.user_id)
        )
    ).all()
    people = list(staff) or sorted(settings.admin_ids)
    return [(uid, await language_of(s, uid)) for uid in people]


def staff_message(language: str, user_id: int, step: str, answers: dict[str, Any]) -> str:
    """Who she is, where she lives, where she is stuck, and one tap to reach her."""
    t = translator(language)
    esc = html.escape
    places = load_places()
    village = "-"
    if answers.get("village_code"):
        village = places.get(answers["village_code"]).name
        if answers.get("kecamatan_code"):
            village = f"{village}, {places.get(answers['kecamatan_code']).name}"
    name = answers.get("full_name") or t(N_("(not given yet)"))
    question = STEP_QUESTIONS.get(step)
    label = esc(t(N_("Open her Telegram chat")))
    link = f'<a href="tg://user?id={user_id}">{label}</a>'
    return t(
        N_(
            "🙋 <b>A woman asks for an officer's help with her registration</b>\n"
            "• Name: {name}\n"
            "• Desa/kelurahan: {village}\n"
            "• Stuck on: {question}\n"
            "• Contact: {link}\n"
            "It is also in /verifikasi."
        )
    ).format(
        name=esc(name),
        village=esc(village),
        question=esc(t(question) if question else "-"),
        link=link,
    )
