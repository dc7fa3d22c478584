"""Her registration's screens (review, verdict, "paused", "nothing changed") and the
ways in: /daftar, "Ubah data", old buttons. No rules live here (services/intake.py)."""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from conversations import forms
from conversations.common import her_menu, main_menu, stale_button, tr, user_id
from wrse_bot.buttons import MyDataButton
from wrse_bot.domain.catalog import EDUCATION, MARITAL_LABELS, OCCUPATIONS, SKILLS
from wrse_bot.domain.eligibility import Outcome, Verdict
from wrse_bot.domain.nik import mask_nik
from wrse_bot.domain.people import mask_phone
from wrse_bot.domain.places import load_places
from wrse_bot.forms.engine import Answer, FormState
from wrse_bot.forms.intake import EDITS, MORE, PHONE_OPTIONS, nik_info
from wrse_bot.forms.model import EDIT, button_code
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.forms import HELP, FormView, Status
from wrse_bot.services.intake import AMENDING, INTAKE, Declined, greet, standing
from wrse_bot.services.registration import RuleLine, SubmitResult
from wrse_bot.telegram.callback_data import number
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import MAX_CALLBACK_BYTES, button, in_rows, inline

CONTACT_LABELS = {
    "no_phone": N_("No phone of her own"),
    "telegram": N_("Through this Telegram account"),
}
MARKS = {Outcome.MET: "✅", Outcome.NOT_MET: "❌", Outcome.REVIEW: "❔"}


# ---- rendering ----------------------------------------------------------------


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def review_text(a: dict[str, Any], t: Translator) -> str:
    places = load_places()
    esc = html.escape
    occupation = t(OCCUPATIONS.get(a.get("occupation") or "", "-"))
    if a.get("occupation_other"):
        occupation = f"{occupation}: {a['occupation_other']}"
    born = nik_info(a).birth_date if a.get("birth_ok") else _day(a.get("birth_date"))
    rows = [
        (N_("Name"), a.get("full_name") or "-"),
        # Shown on a shared phone: identifiers stay masked once saved (UU PDP);
        # changing the NIK means typing it again.
        (N_("NIK"), mask_nik(a["nik"]) if a.get("nik") else "-"),
        (N_("Birth date"), t.date(born) if born else "-"),
        (N_("Kecamatan"), places.name(a.get("kecamatan_code"))),
        (N_("Desa/kelurahan"), places.name(a.get("village_code"))),
        (N_("Address"), a.get("address") or "-"),
        (N_("Marital status"), t(MARITAL_LABELS.get(a.get("marital_status") or "", "-"))),
        (N_("Main earner"), t(N_("Yes")) if a.get("main_earner") else t(N_("No"))),
        (N_("Dependents"), str(a.get("dependents", "-"))),
        (
            N_("Household income"),
            t(N_("{amount} per month")).format(amount=t.money(int(a.get("income", 0)))),
        ),
        (N_("Schooling"), t(EDUCATION.get(a.get("education") or "", "-"))),
        (N_("Work"), occupation),
        (N_("Class interests"), ", ".join(t(SKILLS[s]) for s in a.get("interests") or ()) or "-"),
        (N_("Phone"), contact_text(*_phone(a.get("phone")), t)),
        *(
            (q.label, t.render("{v}", {"v": q.shown(a)}))
            for q in MORE
            if a.get(q.answer_key) is not None
        ),
    ]
    lines = [f"• {t(label)}: <b>{esc(str(value))}</b>" for label, value in rows]
    ask = t(N_("Tap a button to change an answer, or tap Send."))
    return "\n".join([t(N_("Please check your answers:")), "", *lines, "", ask])


def contact_text(phone: str | None, contact_by: str | None, t: Translator) -> str:
    """Her phone as shown on a shared screen, or how else staff reach her."""
    if not phone and contact_by in CONTACT_LABELS:
        return t(CONTACT_LABELS[contact_by])
    return mask_phone(phone)


def _phone(answer: str | None) -> tuple[str | None, str | None]:
    return (None, answer) if answer in PHONE_OPTIONS else (answer, "phone")


def review(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """Her answers on one screen: change one, send, or (changing a sent
    registration) leave it as it was."""
    buttons = [button("✏️ " + t(label), f"{EDIT}{step}") for step, label in EDITS]
    rows = [*in_rows(buttons, 2), [button("✅ " + t(N_("Send")), "submit")]]
    if state.answers.get(AMENDING):  # the way out of "Ubah data": her registration stays
        rows.append([button("↩️ " + t(N_("Keep my data unchanged")), forms.CANCEL)])
    return review_text(dict(state.answers), t), inline(rows)


# What the verdict means for her, and what happens next.
VERDICTS = {
    Verdict.ELIGIBLE: (
        N_("<b>You meet the requirements of the WRSE programme.</b>"),
        N_("Next: tap <b>Classes</b> to see the training classes you can join."),
    ),
    Verdict.NEEDS_REVIEW: (
        N_("<b>An officer needs to check a few things.</b>"),
        N_(
            "Next: an officer of Dinas Sosial will contact you. You do not need to do anything now."
        ),
    ),
    Verdict.NOT_ELIGIBLE: (
        N_("<b>For now you do not meet the requirements of this programme.</b>"),
        N_(
            "This is not a judgement of you. You can still ask about other help at "
            "your desa or kelurahan office, or at {office}."
        ),
    ),
}


def result_text(result: SubmitResult, t: Translator, office: str) -> str:
    # A possible duplicate NIK reads like any other record an officer checks:
    # nothing here may tell whether a NIK is already registered (issue 9).
    head = (
        t(N_("Thank you, your changes are saved."))
        if result.updated
        else t(N_("Thank you, your registration is received."))
    )
    lines = [f"{MARKS[line.outcome]} {html.escape(render_line(line, t))}" for line in result.lines]
    verdict, after = VERDICTS.get(result.verdict, VERDICTS[Verdict.NOT_ELIGIBLE])
    after = t(after).format(office=html.escape(office))
    return "\n".join([head, t(verdict), "", *lines, "", after])


def render_line(line: RuleLine, t: Translator) -> str:
    return t.render(line.message, line.params)


# ---- what her registration draws differently -------------------------------------

DECLINED = N_(
    "All right, nothing has been saved. If you change your mind, tap Register "
    "again. You can also register in person at {office}."
)
PAUSED = N_(
    "Registration paused. Your answers are kept: tap <b>Continue registration</b> "
    "whenever you are ready."
)
UNCHANGED = N_("Nothing was changed: your data stays as it was.")
NO_DRAFT = N_("There is no registration in progress. Choose from the menu below.")


async def _done(view: FormView, context: Context, message: object) -> None:
    t, office = tr(context), html.escape(context.runtime.settings.office_contact)
    for result in view.notices:
        if isinstance(result, Declined):
            text, menu = t(DECLINED).format(office=office), main_menu(t, has_draft=False)
        else:
            text = result_text(result, t, context.runtime.settings.office_contact)
            menu = main_menu(t, has_draft=False, registered=True)
        await context.bot.send_message(
            view.owner, text, parse_mode=ParseMode.HTML, reply_markup=menu
        )


async def _cancelled(view: FormView, context: Context) -> None:
    t = tr(context)
    if view.kept:
        text, menu = t(PAUSED), main_menu(t, has_draft=True)
    else:  # /batal while changing a sent registration: nothing is changed
        text, menu = t(UNCHANGED), main_menu(t, has_draft=False, registered=True)
    await context.bot.send_message(view.owner, text, parse_mode=ParseMode.HTML, reply_markup=menu)


SCREEN = forms.Screen(title=N_("the registration"), review=review, done=_done, cancelled=_cancelled)


# ---- handlers ---------------------------------------------------------------------


async def begin(update: Update, context: Context) -> None:
    """/daftar, "Daftar", "Lanjutkan pendaftaran": start, or go on where she stopped."""
    uid = user_id(update)
    lang = update.effective_user.language_code if update.effective_user else None
    await greet(context.runtime.db, uid, lang)
    view = await forms.open_form(update, context, INTAKE)
    if view.status == Status.CLOSED:  # registered already
        t = tr(context)
        text = t(N_("You are already registered. Would you like to see or change your data?"))
        markup = inline(
            [
                [button(t(N_("See my data")), MyDataButton("view").encode())],
                [button(t(N_("Change my data")), MyDataButton("edit").encode())],
            ]
        )
        await context.bot.send_message(uid, text, reply_markup=markup)


async def edit(update: Update, context: Context) -> None:
    """ "Ubah data": her registration's answers, at the review (or the form she left)."""
    uid = user_id(update)
    where = await standing(context.runtime.db, uid)
    if where.has_draft or where.registrant is not None:
        subject = None if where.has_draft else where.registrant
        view = await forms.open_form(update, context, INTAKE, subject)
        if view.status not in (Status.CLOSED, Status.REFUSED):
            return
    t = tr(context)
    await context.bot.send_message(uid, t(NO_DRAFT), reply_markup=await her_menu(context, uid))


async def resume(update: Update, context: Context, prefix: str) -> bool:
    """Mid-registration, answer briefly (``prefix``, HTML) and show her open question."""
    view = await context.runtime.forms.current(user_id(update), INTAKE)
    if view is None:
        return False
    await forms.ask(view, context, html_prefix=prefix)
    return True


def parse_callback(data: str | None) -> tuple[int, str] | None:
    """A button drawn before her registration ran on the engine service,
    ``f:<rev>:<code>``: still read, at its revision; anything else is refused."""
    if not data or not data.startswith("f:") or len(data) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split(":", 2)
    rev = number(parts[1]) if len(parts) == 3 and parts[2] else None
    return None if rev is None else (rev, parts[2])


async def on_old_button(update: Update, context: Context) -> None:
    """``f:<rev>:<code>`` and ``help:<rev>`` (buttons still in chats from before):
    answered as the engine's own buttons of her registration, so an old one is
    "from an earlier question" and the current question is shown."""
    query = update.callback_query
    assert query is not None
    data = query.data or ""
    old = parse_callback(data)
    rev = number(data.removeprefix("help:")) if data.startswith("help:") else None
    if old is None and rev is None:
        await stale_button(update, context)
        return
    runner, uid = context.runtime.forms, user_id(update)
    if old is not None and old[1] == "discard":  # "Biarkan data saya" of "Ubah data"
        view = await runner.cancel(uid, update.update_id, form=INTAKE, rev=old[0])
    else:
        code, at = (button_code(old[1]), old[0]) if old is not None else (HELP, rev)
        answer = Answer("choice", code, at)
        view = await runner.handle(uid, update.update_id, answer, form=INTAKE)
    await forms.show(
        view,
        context,
        tapped=query.answer,
        redraw=query.edit_message_reply_markup,
        message=query.message,
    )
