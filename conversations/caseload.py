"""/dampingan: a companion's caseload, the women of her desa (issue 11), paged,
with a filter for those who need a visit. Companions only, checked on the
server for the command and every page button; the service reads only her
desa and audit-logs every woman shown.

/kunjungan <number>, or "Catat kunjungan" on /dampingan: her note after a home
visit, the visit form (wrse_bot/forms/visit.py) on the one engine service about
the woman's registration; this module draws its review."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations import forms
from conversations.auth import requires
from conversations.common import edit_html, send_html, tapped, tr, user_id
from conversations.my_data import VERDICTS
from wrse_bot.buttons import CaseloadPage, EnrolFor, OpenForm
from wrse_bot.domain.obstacles import INCOME_CHANGES
from wrse_bot.domain.visits import VISIT_REASONS
from wrse_bot.forms.engine import FormState
from wrse_bot.forms.visit import VISIT
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.caseload import ALL, NEEDS_VISIT, PAGE, VIEWS, Case, Caseload, caseload
from wrse_bot.services.checkin_via import VIA
from wrse_bot.services.roles import COMPANIONS
from wrse_bot.services.visits import facts_for_review
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.fit import fit_html
from wrse_bot.telegram.keyboards import button, inline

VIA_SCREEN = forms.Screen(
    title=N_("her check-in, answered with you"),
    closed=N_("This check-in is already answered, or she is not a woman of your desa."),
)
NO_AREAS = N_("No desa is assigned to you yet. Please ask the admin to add yours (/wilayah).")
HEAD = N_("<b>Women you accompany</b>: {total} in your desa, {needing} need a visit.")
ONLY_VISIT = N_("Showing only those who need a visit.")
NOBODY = N_("No woman of your desa is registered yet.")
NOBODY_NEEDS = N_("Nobody needs a visit now.")
PAGE_OF = N_("Page {page} of {pages}.")
VISIT_USAGE = N_(
    "Type /kunjungan and her number, for example: /kunjungan 12. "
    "The numbers are in /dampingan, where you can also tap her name."
)
NOT_HERS = N_("Number {number} is not a woman of your desa.")
VISIT_REVIEW = N_(
    "<b>Visit to {name}</b>, {date}\n• Talked about: {talked}\n• Obstacles: {obstacles}\n"
    "• Next step: {next_step}, by {next_on}\n\nTap Save, or change one answer."
)
VISIT_EDITS = {
    "visited_on": N_("Change the date"),
    "talked": N_("Change the talk"),
    "obstacles": N_("Change the obstacles"),
    "next_step": N_("Change the next step"),
}


def _case(n: int, c: Case, t: Translator) -> list[str]:
    esc = html.escape
    head = f"{n}. <b>{esc(c.name)}</b> (#{c.registrant_id}), {esc(c.village)}"
    if not c.telegram:
        head += " · " + esc(t(N_("no Telegram")))
    verdict = t(VERDICTS[c.verdict]) if c.verdict in VERDICTS else "-"
    if c.class_title:
        klass = t(N_("{title}: present at {attended} of {sessions} sessions")).format(
            title=esc(c.class_title), attended=c.attended, sessions=c.sessions
        )
    else:
        klass = t(N_("no class yet"))
    ci = c.last_checkin
    if ci is None:
        checkin = t(N_("Check-in: none yet"))
    elif ci.answered_on is not None:
        change = t(INCOME_CHANGES[ci.income_change]) if ci.income_change in INCOME_CHANGES else "-"
        checkin = t(N_("Check-in day {days}: answered {date}, income: {change}")).format(
            days=ci.round_days, date=t.date(ci.answered_on), change=esc(change)
        )
    else:
        checkin = t(N_("Check-in day {days}: not answered")).format(days=ci.round_days)
    visit = t.date(c.last_visit) if c.last_visit else t(N_("never"))
    lines = [
        head,
        f"   {esc(verdict)} · {klass}",
        f"   {checkin}",
        "   "
        + t(N_("Open follow-ups: {n} · Last visit: {date}")).format(
            n=c.open_follow_ups, date=visit
        ),
    ]
    if c.reasons:
        why = ", ".join(t(VISIT_REASONS[r]) for r in c.reasons)
        lines.append("   ⚠️ " + t(N_("Needs a visit: {why}")).format(why=esc(why)))
    return lines


def caseload_text(load: Caseload, t: Translator) -> str:
    if not load.has_areas:
        return t(NO_AREAS)
    lines = [t(HEAD).format(total=load.total, needing=load.needing)]
    if load.view == NEEDS_VISIT:
        lines.append(t(ONLY_VISIT))
    if not load.cases:
        lines += ["", t(NOBODY_NEEDS if load.view == NEEDS_VISIT and load.total else NOBODY)]
    for i, c in enumerate(load.cases, start=load.page * PAGE + 1):
        lines += ["", *_case(i, c, t)]
    if load.pages > 1:
        lines += ["", t(PAGE_OF).format(page=load.page + 1, pages=load.pages)]
    return fit_html("\n".join(lines))


def caseload_keyboard(load: Caseload, t: Translator) -> InlineKeyboardMarkup | None:
    if not load.has_areas:
        return None
    rows = []
    moves = []
    if load.page > 0:
        moves.append(
            button("◀️ " + t(N_("Previous")), CaseloadPage(load.view, load.page - 1).encode())
        )
    if load.page + 1 < load.pages:
        moves.append(button(t(N_("Next")) + " ▶️", CaseloadPage(load.view, load.page + 1).encode()))
    if moves:
        rows.append(moves)
    for c in load.cases:  # the service checks her desa again when a form opens
        label = "📝 " + t(N_("Visit note: {name}")).format(name=c.name)
        rows.append([button(label, OpenForm(VISIT.name, c.registrant_id).encode())])
        if not c.telegram:  # she has no Telegram: her companion enrols her
            label = "🎓 " + t(N_("A class for her: {name}")).format(name=c.name)
            rows.append([button(label, EnrolFor("s", c.registrant_id).encode())])
        if c.open_checkin is not None:
            label = "📋 " + t(N_("Her check-in, with her: {name}")).format(name=c.name)
            rows.append([button(label, OpenForm(VIA.name, c.open_checkin).encode())])
    if load.view == ALL:
        rows.append(
            [button("⚠️ " + t(N_("Only who needs a visit")), CaseloadPage(NEEDS_VISIT, 0).encode())]
        )
    else:
        rows.append([button(t(N_("Show everyone")), CaseloadPage(ALL, 0).encode())])
    return inline(rows)


@requires(COMPANIONS)
async def show(update: Update, context: Context) -> None:
    t = tr(context)
    load = await caseload(context.runtime.db, user_id(update))
    await send_html(context, user_id(update), caseload_text(load, t), caseload_keyboard(load, t))


@requires(COMPANIONS)
async def on_page(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    t = tr(context)
    tap = await tapped(update, context, CaseloadPage, lambda tap: tap.view in VIEWS)
    if tap is None:
        return
    load = await caseload(context.runtime.db, user_id(update), tap.view, tap.page)
    await update.callback_query.answer()
    await edit_html(update, caseload_text(load, t), caseload_keyboard(load, t))


def visit_review(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    facts = facts_for_review(state.answers)
    seen = ", ".join(t.render(m.msgid) for m in facts.pop("obstacles")) or t(N_("none seen"))
    text = t.render(VISIT_REVIEW, {**forms.escaped(facts), "obstacles": forms.escape(seen)})
    return text, forms.review_keyboard(t, VISIT_EDITS)


VISIT_SCREEN = forms.Screen(
    title=N_("the visit note"), review=visit_review, closed=N_("She is not a woman of your desa.")
)


@requires(COMPANIONS)
async def record_visit(update: Update, context: Context) -> None:
    await forms.open_by_number(update, context, VISIT.name, usage=VISIT_USAGE, unknown=NOT_HERS)


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("dampingan", show, filters=private),
            CallbackQueryHandler(on_page, pattern=CaseloadPage.pattern()),
            CommandHandler("kunjungan", record_visit, filters=private),
        ]
    )
