"""The aid register (issue 11): staff record business aid given to one woman.

The form (wrse_bot/forms/aid.py) runs on the one engine service about her
registration (the form's subject). Its facts come from here: today, the
classes she joined, the aid she already got and the repeat window. Saving
writes the ``Aid`` row, audit-logs it and tells her discreetly: the
notification names no amount and no situation, only that something new is
under /data_saya.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.clock import today_wib
from wrse_bot.config import Settings
from wrse_bot.db.models import ActiveForm, Aid, Enrolment, Registrant, TrainingClass
from wrse_bot.domain.aid import AID_KINDS, AidKind
from wrse_bot.domain.statuses import OutboxKind, RegistrantStatus
from wrse_bot.domain.text import N_, Day, Money, Msg
from wrse_bot.forms.aid import AID
from wrse_bot.forms.model import Answers
from wrse_bot.i18n import translator
from wrse_bot.services.audience import may_contact
from wrse_bot.services.forms import FormSpec, InRow, Status
from wrse_bot.services.notices import Notice
from wrse_bot.services.outbox import enqueue
from wrse_bot.services.roles import STAFF, audit

SAVED = N_("Saved: {kind}, {value}, on {date}, for {name}.")
TOLD_HER = N_("She is told in the bot that there is something new under /data_saya.")
HER_NOTICE = N_("Ibu, there is a new note for you from Dinas Sosial. Open /data_saya to see it.")


@dataclass(frozen=True)
class AidLine:
    """One aid as she (or staff) sees it in /data_saya."""

    kind: str | Msg  # the kind's name, or her words for "other"
    value: int
    given_on: date
    source: str


async def _registrant(s: AsyncSession, registrant_id: int | None) -> Registrant | None:
    if registrant_id is None:
        return None
    reg = await s.get(Registrant, registrant_id)
    alive = reg is not None and reg.status != RegistrantStatus.DELETED and reg.full_name
    return reg if alive else None


class AidFacts(InRow):
    """Answers in the form's row, plus read-only facts the form's questions use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def load(self, s: AsyncSession, row: ActiveForm) -> Answers | None:
        reg = await _registrant(s, row.subject)
        if reg is None:
            return None
        answers = dict(await super().load(s, row) or {})
        earlier = await s.execute(select(Aid.kind, Aid.given_on).where(Aid.registrant_id == reg.id))
        classes = (
            await s.execute(
                select(TrainingClass.id, TrainingClass.title)
                .join(Enrolment, Enrolment.class_id == TrainingClass.id)
                .where(Enrolment.user_id == reg.user_id)
                .order_by(TrainingClass.id.desc())
                .limit(6)
            )
            if reg.user_id is not None
            else []
        )
        answers.update(
            _today=today_wib().isoformat(),
            _window=self.settings.aid_repeat_months,
            _earlier=tuple((k, d.isoformat()) for k, d in earlier),
            _classes=tuple((cid, title) for cid, title in classes),
            _name=reg.full_name,
        )
        return answers

    async def save(self, s: AsyncSession, row: ActiveForm, before: Answers, after: Answers) -> None:
        row.answers = {k: v for k, v in after.items() if not k.startswith("_")}


async def _begin(s: AsyncSession, row: ActiveForm) -> Status | None:
    return None if await _registrant(s, row.subject) is not None else Status.CLOSED


async def _finish(s: AsyncSession, row: ActiveForm, answers: Answers) -> tuple[Notice, ...]:
    reg = await _registrant(s, row.subject)
    assert reg is not None  # the store found her in this transaction
    aid = Aid(
        registrant_id=reg.id,
        kind=answers["kind"],
        kind_other=answers.get("kind_other") if answers["kind"] == AidKind.LAINNYA else None,
        value=int(answers["value"]),
        given_on=date.fromisoformat(answers["given_on"]),
        source=answers["source"],
        class_id=answers.get("class_id") or None,
        repeat_reason=answers.get("reason"),
        recorded_by=row.user_id,
    )
    s.add(aid)
    await s.flush()
    audit(s, row.user_id, "aid:record", registrant_id=reg.id, detail=f"#{aid.id}")
    told = reg.user_id is not None and may_contact(reg.status)
    if told:
        assert reg.user_id is not None
        await enqueue(
            s,
            user_id=reg.user_id,
            text=translator()(HER_NOTICE),
            kind=OutboxKind.AID,
            dedupe_key=f"aid:{aid.id}",
        )
    facts = {
        "kind": kind_label(aid.kind, aid.kind_other),
        "value": Money(aid.value),
        "date": Day(aid.given_on),
        "name": reg.full_name or "-",
    }
    return (Notice(row.user_id, SAVED, facts, lines=(TOLD_HER,) if told else ()),)


def kind_label(kind: str, other: str | None) -> str | Msg:
    """Her words for "other" aid, else the kind's name (translated when shown)."""
    return other if kind == AidKind.LAINNYA and other else Msg(AID_KINDS.get(kind, kind))


def spec(settings: Settings) -> FormSpec:
    return FormSpec(
        AID, store=AidFacts(settings), begin=_begin, finish=_finish, roles=STAFF, audit=None
    )


async def aid_of(s: AsyncSession, registrant_id: int) -> list[AidLine]:
    """Her aid, newest first (for /data_saya)."""
    rows = await s.execute(
        select(Aid.kind, Aid.kind_other, Aid.value, Aid.given_on, Aid.source)
        .where(Aid.registrant_id == registrant_id)
        .order_by(Aid.given_on.desc(), Aid.id.desc())
    )
    return [AidLine(kind_label(k, o), v, d, src) for k, o, v, d, src in rows]


def facts_for_review(answers: Answers) -> dict[str, Any]:
    """What the review shows, from the answers (the form's own keys)."""
    return {
        "name": answers.get("_name") or "-",
        "kind": kind_label(answers.get("kind") or "", answers.get("kind_other")),
        "value": Money(int(answers.get("value") or 0)),
        "date": Day(date.fromisoformat(answers["given_on"])) if answers.get("given_on") else "-",
        "source": answers.get("source") or "-",
    }
