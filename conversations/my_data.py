"""/data_saya and /hapus_data: her right to see and erase her data."""

from __future__ import annotations

import html
from collections.abc import Iterable

from telegram import Update
from telegram.constants import ParseMode

from conversations import intake
from conversations.common import main_menu, stale_button, tr, user_id
from conversations.intake import MARKS, contact_text, render_line
from wrse_bot.buttons import MyDataButton
from wrse_bot.domain.catalog import EDUCATION, MARITAL_LABELS, OCCUPATIONS, SKILLS
from wrse_bot.domain.eligibility import Verdict
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import RegistrantStatus
from wrse_bot.domain.text import Day, Money
from wrse_bot.forms.intake import MORE
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.intake import standing
from wrse_bot.services.my_data import Person
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, inline, replace_text

VERDICTS = {
    Verdict.ELIGIBLE: N_("Meets the requirements"),
    Verdict.NOT_ELIGIBLE: N_("Does not meet the requirements"),
    Verdict.NEEDS_REVIEW: N_("Being checked by an officer"),
}


Row = tuple[str, str]


def person_rows(
    p: Person, t: Translator, *, after_birth: Iterable[Row] = (), after_place: Iterable[Row] = ()
) -> list[Row]:
    """Her registration's rows, as she and an officer see them."""
    return [
        (N_("Name"), p.full_name),
        (N_("NIK"), p.nik),
        (N_("Birth date"), t.date(p.birth_date) if p.birth_date else "-"),
        *after_birth,
        (N_("Kecamatan"), place(p.kecamatan_code)),
        (N_("Desa/kelurahan"), place(p.village_code)),
        *after_place,
        (N_("Marital status"), t(MARITAL_LABELS.get(p.marital_status or "", "-"))),
        (N_("Main earner"), t(N_("Yes")) if p.main_earner else t(N_("No"))),
        (N_("Dependents"), str(p.dependents if p.dependents is not None else "-")),
        (N_("Household income"), t(N_("{amount} per month")).format(amount=t.money(p.income))),
    ]


def place(code: str | None) -> str:
    return load_places().name(code, code or "-")


def rows_html(rows: Iterable[Row], t: Translator) -> list[str]:
    return [f"• {t(label)}: <b>{html.escape(str(value))}</b>" for label, value in rows]


def my_data_text(d: Person, t: Translator) -> str:
    esc = html.escape
    occupation = t(OCCUPATIONS.get(d.occupation or "", "-"))
    if d.occupation_other:
        occupation = f"{occupation}: {d.occupation_other}"
    # A possible duplicate NIK shows the verdict she was told, like any record
    # an officer checks (issue 9: no oracle); older rows carry no verdict.
    if d.verdict in VERDICTS:
        status = t(VERDICTS[d.verdict])
    elif d.status == RegistrantStatus.DUPLICATE_REVIEW:
        status = t(N_("Being checked by an officer"))
    else:
        status = "-"
    rows = [
        *person_rows(d, t, after_place=[(N_("Address"), d.address or "-")]),
        (N_("Schooling"), t(EDUCATION.get(d.education or "", "-"))),
        (N_("Work"), occupation),
        (N_("Class interests"), ", ".join(t(SKILLS[s]) for s in d.interests if s in SKILLS)),
        (N_("Phone"), d.phone if d.phone != "-" else contact_text(None, d.contact_by, t)),
        *(
            (q.label, t.render("{v}", {"v": q.shown(d.more)}))
            for q in MORE
            if d.more.get(q.answer_key) is not None
        ),
        (N_("Status"), status),
        (N_("Registration number"), str(d.registrant_id)),
    ]
    reasons = [f"{MARKS[r.outcome]} {esc(render_line(r, t))}" for r in d.reasons]
    aid = []
    for a in d.aid:
        said = {
            "kind": a.kind,
            "value": Money(a.value),
            "date": Day(a.given_on),
            "source": a.source,
        }
        aid.append(f"• {esc(t.render(AID_LINE, said))}")
    return "\n".join(
        [
            t(N_("<b>Your data</b>")),
            *rows_html(rows, t),
            *(["", *reasons] if reasons else []),
            *(["", t(N_("<b>Business aid recorded for you</b>")), *aid] if aid else []),
        ]
    )


AID_LINE = N_("{kind}, {value}, on {date} ({source})")


def _actions(t: Translator) -> object:
    return inline(
        [
            [button("✏️ " + t(N_("Change my data")), MyDataButton("edit").encode())],
            [button("🗑 " + t(N_("Delete my data")), MyDataButton("del").encode())],
        ]
    )


async def show(update: Update, context: Context) -> None:
    t = tr(context)
    uid = user_id(update)
    runtime = context.runtime
    unfinished = t(N_("Your registration is not finished yet. Let us continue:"))
    if await intake.resume(update, context, html.escape(unfinished)):
        return
    data = await runtime.my_data.view(uid)
    if data is None:
        has_draft = (await standing(runtime.db, uid)).has_draft
        await context.bot.send_message(
            uid,
            t(N_("You are not registered yet. Tap Register to begin.")),
            reply_markup=main_menu(t, has_draft=has_draft),
        )
        return
    await context.bot.send_message(
        uid, my_data_text(data, t), parse_mode=ParseMode.HTML, reply_markup=_actions(t)
    )


DELETE_ASK = N_(
    "Delete all your data? This also withdraws your consent. Your registration and "
    "your answers will be erased and cannot be restored."
)


async def ask_delete(update: Update, context: Context) -> None:
    t = tr(context)
    uid = user_id(update)
    if not await context.runtime.my_data.has_anything(uid):
        await context.bot.send_message(
            uid,
            t(N_("We have no data of yours to delete.")),
            reply_markup=main_menu(t, has_draft=False),
        )
        return
    text = t(DELETE_ASK)
    markup = inline(
        [
            [button(t(N_("Yes, delete my data")), MyDataButton("del_yes").encode())],
            [button(t(N_("No, keep it")), MyDataButton("del_no").encode())],
        ]
    )
    await context.bot.send_message(uid, text, reply_markup=markup)


async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    uid = user_id(update)
    tap = MyDataButton.decode(query.data)
    action = tap.op if tap is not None else ""
    screens = {"view": show, "edit": intake.edit, "del": ask_delete}
    if action in screens:
        await query.answer()
        await screens[action](update, context)
    elif action == "del_yes":
        deleted = await context.runtime.my_data.delete(uid, update.update_id)
        await query.answer()
        done = N_(
            "Your data has been deleted and your consent withdrawn. Thank you for "
            "trusting us. You can register again at any time."
        )
        await replace_text(query, t(done if deleted else N_("We have no data of yours to delete.")))
    elif action == "del_no":
        await query.answer()
        await replace_text(query, t(N_("Your data is kept.")))
    else:
        await stale_button(update, context)
