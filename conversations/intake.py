"""The registration conversation: draws the intake form's questions (through
the shared renderer, wrse_bot/telegram/forms.py), its review and its outcome,
and turns taps, text and shared contacts into answers. No rules live here."""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import date
from functools import cache
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode

from conversations import forms
from conversations.auth import cached_role
from conversations.common import (
    fallback,
    her_menu,
    main_menu,
    message_kind,
    tr,
    user_id,
)
from wrse_bot.buttons import MyDataButton
from wrse_bot.domain.catalog import EDUCATION, MARITAL_LABELS, OCCUPATIONS, SKILLS
from wrse_bot.domain.eligibility import Outcome, Verdict
from wrse_bot.domain.nik import mask_nik
from wrse_bot.domain.people import mask_phone
from wrse_bot.domain.places import load_places
from wrse_bot.domain.small_talk import is_greeting
from wrse_bot.forms.intake import EDITS, MORE, PHONE_OPTIONS, nik_info
from wrse_bot.forms.model import EDIT, REVIEW, Form
from wrse_bot.i18n import LANGUAGES, N_, Translator, translator
from wrse_bot.safe_logging import error_name
from wrse_bot.services.intake import Answer, IntakeView
from wrse_bot.services.registration import RuleLine, SubmitResult
from wrse_bot.telegram.callback_data import number
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.forms import HELP as HELP_LABEL
from wrse_bot.telegram.forms import problem_text, question_keyboard, question_text
from wrse_bot.telegram.keyboards import MAX_CALLBACK_BYTES, button, in_rows, inline

log = logging.getLogger(__name__)

CALLBACK_PREFIX = "f"
CONTACT_LABELS = {
    "no_phone": N_("No phone of her own"),
    "telegram": N_("Through this Telegram account"),
}
MARKS = {Outcome.MET: "✅", Outcome.NOT_MET: "❌", Outcome.REVIEW: "❔"}


def cb(rev: int, value: str) -> str:
    return f"{CALLBACK_PREFIX}:{rev}:{value}"


def parse_callback(data: str | None) -> tuple[int, str] | None:
    """``f:<rev>:<value>`` or nothing: buttons are checked, never trusted."""
    if not data or not data.startswith(CALLBACK_PREFIX + ":"):
        return None
    parts = data.split(":", 2)
    if len(parts) != 3 or not parts[2] or len(data) > MAX_CALLBACK_BYTES:
        return None
    rev = number(parts[1])
    return None if rev is None else (rev, parts[2])


# ---- rendering ----------------------------------------------------------------


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def question(view: IntakeView, t: Translator, form: Form) -> tuple[str, Any]:
    """The text and keyboard for the open step (with the problem, and help once offered)."""
    rev = view.rev
    if view.step == REVIEW:
        text = review_text(view.answers, t)
        if view.problem is not None:
            text = f"{problem_text(view.problem, t)}\n\n{text}"
        return text, review_keyboard(t, rev, amending=view.amending, help=view.offer_help)
    q = form.question(view.step or "")
    help_data = f"help:{rev}" if view.offer_help else None
    markup = question_keyboard(form, q, view.state, t, lambda c: cb(rev, c), help_data=help_data)
    return question_text(form, q, view.state, t, view.problem), markup


def review_text(a: dict[str, Any], t: Translator) -> str:
    places = load_places()
    esc = html.escape
    kec = places.get(a["kecamatan_code"]).name if a.get("kecamatan_code") else "-"
    village = places.get(a["village_code"]).name if a.get("village_code") else "-"
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
        (N_("Kecamatan"), kec),
        (N_("Desa/kelurahan"), village),
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
    return "\n".join(
        [
            t(N_("Please check your answers:")),
            "",
            *lines,
            "",
            t(N_("Tap a button to change an answer, or tap Send.")),
        ]
    )


def contact_text(phone: str | None, contact_by: str | None, t: Translator) -> str:
    """Her phone as shown on a shared screen, or how else staff reach her."""
    if not phone and contact_by in CONTACT_LABELS:
        return t(CONTACT_LABELS[contact_by])
    return mask_phone(phone)


def _phone(answer: str | None) -> tuple[str | None, str | None]:
    return (None, answer) if answer in PHONE_OPTIONS else (answer, "phone")


def review_keyboard(t: Translator, rev: int, *, amending: bool = False, help: bool = False) -> Any:
    buttons = [button("✏️ " + t(label), cb(rev, f"{EDIT}{step}")) for step, label in EDITS]
    rows = [*in_rows(buttons, 2), [button("✅ " + t(N_("Send")), cb(rev, "submit"))]]
    if amending:  # the way out of "Ubah data": her registration stays as it was
        rows.append([button("↩️ " + t(N_("Keep my data unchanged")), cb(rev, "discard"))])
    if help:
        rows.append([button("🙋 " + t(HELP_LABEL), f"help:{rev}")])
    return inline(rows)


def result_text(result: SubmitResult, t: Translator, office: str) -> str:
    # A possible duplicate NIK reads like any other record an officer checks:
    # nothing here may tell whether a NIK is already registered (issue 9).
    head = (
        t(N_("Thank you, your changes are saved."))
        if result.updated
        else t(N_("Thank you, your registration is received."))
    )
    lines = [f"{MARKS[line.outcome]} {html.escape(render_line(line, t))}" for line in result.lines]
    if result.verdict == Verdict.ELIGIBLE:
        verdict = t(N_("<b>You meet the requirements of the WRSE programme.</b>"))
        after = t(N_("Next: tap <b>Classes</b> to see the training classes you can join."))
    elif result.verdict == Verdict.NEEDS_REVIEW:
        verdict = t(N_("<b>An officer needs to check a few things.</b>"))
        after = t(
            N_(
                "Next: an officer of Dinas Sosial will contact you. You do not need to do "
                "anything now."
            )
        )
    else:
        verdict = t(N_("<b>For now you do not meet the requirements of this programme.</b>"))
        after = t(
            N_(
                "This is not a judgement of you. You can still ask about other help at "
                "your desa or kelurahan office, or at {office}."
            )
        ).format(office=html.escape(office))
    return "\n".join([head, verdict, "", *lines, "", after])


def render_line(line: RuleLine, t: Translator) -> str:
    return t.render(line.message, line.params)


# ---- sending ------------------------------------------------------------------


async def send_view(
    view: IntakeView,
    update: Update | None,
    context: Context,
    *,
    chat_id: int | None = None,
    prefix: str | None = None,
) -> Message | None:
    """Deliver what the intake service decided; record a delivered question."""
    runtime = context.runtime
    t = tr(context)
    uid = chat_id if chat_id is not None else user_id(update)  # type: ignore[arg-type]
    if view.status in ("ask", "stale") and view.step is not None:
        text, markup = question(view, t, runtime.intake.form)
        if prefix:
            text = f"{prefix}\n\n{text}"
        msg = await context.bot.send_message(
            uid, text, reply_markup=markup, parse_mode=ParseMode.HTML
        )
        await runtime.intake.mark_prompted(uid, view.rev)
        return msg
    if view.status == "submitted" and view.result is not None:
        office = runtime.settings.office_contact
        text = result_text(view.result, t, office)
        menu = main_menu(t, has_draft=False, registered=True)
        return await context.bot.send_message(
            uid, text, parse_mode=ParseMode.HTML, reply_markup=menu
        )
    if view.status == "discarded":
        text = t(N_("Nothing was changed: your data stays as it was."))
        return await context.bot.send_message(
            uid, text, reply_markup=main_menu(t, has_draft=False, registered=True)
        )
    if view.status == "declined":
        text = t(
            N_(
                "All right, nothing has been saved. If you change your mind, tap Register "
                "again. You can also register in person at {office}."
            )
        ).format(office=html.escape(runtime.settings.office_contact))
        return await context.bot.send_message(
            uid, text, parse_mode=ParseMode.HTML, reply_markup=main_menu(t, has_draft=False)
        )
    if view.status == "paused":
        text = t(
            N_(
                "Registration paused. Your answers are kept: tap <b>Continue registration</b> "
                "whenever you are ready."
            )
        )
        return await context.bot.send_message(
            uid, text, parse_mode=ParseMode.HTML, reply_markup=main_menu(t, has_draft=True)
        )
    if view.status == "registered":
        text = t(N_("You are already registered. Would you like to see or change your data?"))
        markup = inline(
            [
                [button(t(N_("See my data")), MyDataButton("view").encode())],
                [button(t(N_("Change my data")), MyDataButton("edit").encode())],
            ]
        )
        return await context.bot.send_message(uid, text, reply_markup=markup)
    if view.status == "no_draft":
        text = t(N_("There is no registration in progress. Choose from the menu below."))
        return await context.bot.send_message(uid, text, reply_markup=await her_menu(context, uid))
    return None  # duplicate_update: already handled


# ---- handlers -----------------------------------------------------------------


async def begin(update: Update, context: Context) -> None:
    """/daftar, "Daftar", "Lanjutkan pendaftaran"."""
    lang = update.effective_user.language_code if update.effective_user else None
    view = await context.runtime.intake.begin(user_id(update), update.update_id, lang or "id")
    await send_view(view, update, context)


async def pause(update: Update, context: Context) -> None:
    """/batal: stop the form, keep the draft."""
    view = await context.runtime.intake.pause(user_id(update), update.update_id)
    if view.status == "no_draft":
        t = tr(context)
        await update.effective_message.reply_text(  # type: ignore[union-attr]
            t(N_("There is nothing to cancel. Choose from the menu below.")),
            reply_markup=await her_menu(context, user_id(update)),
        )
        return
    await send_view(view, update, context)


async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer(t(N_("This button is no longer valid.")))
        return
    rev, value = parsed
    view = await context.runtime.intake.answer(
        user_id(update), update.update_id, Answer("choice", value, rev)
    )
    if view.status == "double_tap":
        await query.answer(t(N_("Already noted.")))
        return
    if view.status == "stale":
        await query.answer(t(N_("That button is from an earlier question.")))
        if view.step is not None:
            await send_view(view, update, context, prefix=t(N_("Let us continue from here:")))
        return
    if view.status == "no_draft":
        await query.answer(t(N_("This button is no longer valid.")))
        return
    if view.status == "toggled":
        _, markup = question(view, t, context.runtime.intake.form)
        await asyncio.gather(query.answer(), query.edit_message_reply_markup(markup))
        return
    # Stop her button's spinner while the next question goes out.
    await asyncio.gather(query.answer(), send_view(view, update, context))


async def on_help_request(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    data = query.data or ""
    rev = number(data[5:]) if data.startswith("help:") else None
    if rev is None:
        await query.answer(t(N_("This button is no longer valid.")))
        return
    view = await context.runtime.intake.request_help(user_id(update), update.update_id, rev)
    if view.status == "stale":
        await query.answer(t(N_("That button is from an earlier question.")))
        await send_view(view, update, context, prefix=t(N_("Let us continue from here:")))
        return
    await query.answer()
    await _helped(view, update, context)


async def _helped(view: IntakeView, update: Update, context: Context) -> None:
    if view.status == "ask":
        t = tr(context)
        await send_view(
            view,
            update,
            context,
            prefix=t(
                N_("An officer has been told and will contact you. Meanwhile you can keep going:")
            ),
        )


async def on_message(update: Update, context: Context) -> None:
    """The one message handler: her open form's answer (in active_forms, or her intake),
    else a greeting back; nothing else routes plain text."""
    msg = update.effective_message
    assert msg is not None
    runtime = context.runtime
    answer = _answer_in(update, msg)
    if (
        answer is not None
        and (msg.text is None or not is_greeting(msg.text))
        and await cached_role(update, context) is None
    ):
        # A woman mid-intake (no staff form of hers to come first, no other form
        # open): one lookup, not one per form that might want the message.
        view = await runtime.intake.answer(
            user_id(update), update.update_id, answer, only_mine=True
        )
        if view.status != "none":
            await send_view(view, update, context)
            return
    if await forms.on_message(update, context):  # her open form's answer
        return
    from conversations.menu import greeting_route  # menu imports this module

    if await greeting_route(update, context):  # "Halo": a greeting back, not a miss
        return
    if answer is None:  # "Minta bantuan petugas"
        view = await runtime.intake.request_help(user_id(update), update.update_id, None)
        if view.status == "stale":
            await send_view(view, update, context)
        else:
            await _helped(view, update, context)
        return
    view = await runtime.intake.answer(user_id(update), update.update_id, answer)
    if view.status == "no_draft":
        await fallback(update, context)
        return
    await send_view(view, update, context)


def _answer_in(update: Update, msg: Message) -> Answer | None:
    """Her message as an answer; None when it asks for help."""
    if msg.contact is not None:
        # Only her own card counts as her number (Telegram sets user_id for it).
        own = msg.contact.user_id is not None and msg.contact.user_id == user_id(update)
        return Answer("text", msg.contact.phone_number) if own else FOREIGN
    if msg.text is not None and _is_help(msg.text):
        return None  # also the phone question's reply-keyboard help button
    if msg.text is not None:
        return Answer("text", msg.text)  # a reply-keyboard button's label is typed words
    return Answer("other", message_kind(msg))


FOREIGN = Answer("other", "foreign_contact")


@cache
def _help_labels() -> frozenset[str]:
    return frozenset(translator(lang)(HELP_LABEL).casefold() for lang in LANGUAGES)


def _is_help(text: str) -> bool:
    """The help button's text (the phone question's keyboard), in any language."""
    return text.replace("🙋", "").strip().casefold() in _help_labels()


async def resend_owed_prompts(context: Context) -> None:
    """After a crash: questions whose answers were saved but never went out."""
    for view in await context.runtime.intake.owed_prompts():
        try:
            await send_view(view, None, context, chat_id=view.user_id)
        except Exception as exc:  # one unreachable person must not stop the rest
            log.warning("could not resend an owed question: %s", error_name(exc))


async def on_unknown_callback(update: Update, context: Context) -> None:
    """Forged or ancient callback data: refuse politely, change nothing."""
    query = update.callback_query
    assert query is not None
    await query.answer(tr(context)(N_("This button is no longer valid.")))
