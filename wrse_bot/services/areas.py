"""/wilayah on the engine service: an admin assigns a companion her desa
(wrse_bot/forms/areas.py). Facts come from the database and the place list;
finishing replaces her desa in the chosen kecamatan, audit-logged."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wrse_bot.db.models import ActiveForm
from wrse_bot.domain.places import load_places
from wrse_bot.domain.text import N_, Msg
from wrse_bot.forms.areas import AREAS, chosen, facts
from wrse_bot.forms.model import Answers
from wrse_bot.services.companions import companions, is_companion, set_areas
from wrse_bot.services.forms import FormSpec, InRow, Status
from wrse_bot.services.notices import Notice
from wrse_bot.services.roles import ADMINS

SAVED = N_("Saved: companion {who} now accompanies {villages}.")
NO_VILLAGE = N_("no desa yet")


def _places_facts() -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    places = load_places()
    kecamatan = [(k.code, k.name) for k in places.kecamatan()]
    villages = {k: [(v.code, v.name) for v in places.villages(k)] for k, _ in kecamatan}
    return kecamatan, villages


def village_names(codes: Any) -> str:
    places = load_places()
    return ", ".join(sorted(places.name(c) for c in codes))


class AreaFacts(InRow):
    async def load(self, s: AsyncSession, row: ActiveForm) -> Answers | None:
        answers = dict(await super().load(s, row) or {})
        answers.update(facts(await companions(s), *_places_facts()))
        return answers

    async def save(self, s: AsyncSession, row: ActiveForm, before: Answers, after: Answers) -> None:
        row.answers = {k: v for k, v in after.items() if not k.startswith("_")}


async def _begin(s: AsyncSession, row: ActiveForm) -> Status | None:
    return None if await companions(s) else Status.CLOSED


async def _finish(s: AsyncSession, row: ActiveForm, answers: Answers) -> tuple[Notice, ...]:
    companion = int(answers["companion"])
    if not await is_companion(s, companion):  # revoked while the admin was choosing
        return (Notice(row.user_id, N_("This person is no longer a companion.")),)
    areas = await set_areas(s, row.user_id, companion, answers["kecamatan"], chosen(answers))
    return (
        Notice(
            row.user_id,
            SAVED,
            {"who": str(companion), "villages": village_names(areas) or Msg(NO_VILLAGE)},
        ),
    )


SPEC = FormSpec(AREAS, store=AreaFacts(), begin=_begin, finish=_finish, roles=ADMINS)
