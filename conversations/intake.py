"""The registration conversation: renders each question of the intake service
and turns taps, text and shared contacts into answers. No rules live here."""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import date
from typing import Any

from telegram import (
    InlineKeyboardButton,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from conversations import forms
from conversations.common import (
    TEXT_ROUTES,
    fallback,
    her_menu,
    is_back,
    main_menu,
    message_kind,
    rt,
    tr,
    user_id,
)
from wrse_bot.domain.catalog import EDUCATION, MARITAL_CHOICES, MARITAL_LABELS, OCCUPATIONS, SKILLS
from wrse_bot.domain.eligibility import Outcome, Verdict
from wrse_bot.domain.nik import mask_nik
from wrse_bot.domain.people import mask_phone
from wrse_bot.domain.places import load_places
from wrse_bot.i18n import LANGUAGES, N_, Translator, translator
from wrse_bot.safe_logging import error_name
from wrse_bot.services.intake import Answer, IntakeView, Step
from wrse_bot.services.registration import RuleLine, SubmitResult
from wrse_bot.telegram.callback_data import number
from wrse_bot.telegram.keyboards import MAX_CALLBACK_BYTES, button, in_rows, inline

log = logging.getLogger(__name__)

CALLBACK_PREFIX = "f"
# The phone question's other answers (reply-keyboard buttons: no revision).
PHONE_OPTION_LABELS = {
    "no_phone": N_("No phone of my own"),
    "telegram": N_("Use this Telegram account"),
}
CONTACT_LABELS = {
    "no_phone": N_("No phone of her own"),
    "telegram": N_("Through this Telegram account"),
}
HELP_LABEL = N_("Ask an officer for help")
MARKS = {Outcome.MET: "✅", Outcome.NOT_MET: "❌", Outcome.REVIEW: "❔"}

# The consent screen comes in two parts of one version (CONSENT_VERSION): the few
# lines that matter first, for a woman who reads slowly on a shared phone, and the
# full text UU PDP Ps. 21 requires behind "Baca selengkapnya".
CONSENT_SUMMARY = N_(
    "<b>Before we start: about your data</b>\n"
    "Dinas Sosial Kota Batu asks for your data to check whether you can join the WRSE "
    "programme (skills classes and help to start a business).\n"
    "You can see your data (/data_saya) and have it deleted (/hapus_data) at any time.\n"
    "Tap <b>Read more</b> for the full terms.\n\n"
    "Do you agree?"
)
CONSENT_MORE = N_("📄 Read more")
CONSENT_TEXT = N_(
    "<b>Before we start: about your data</b>\n"
    "• <b>Who and why:</b> Dinas Sosial Kota Batu asks for your data to check whether you can "
    "join the WRSE programme (skills classes and business help), as a public service and with "
    "your consent (UU 27/2022 on Personal Data Protection).\n"
    "• <b>What data:</b> name, NIK, birth date, address, family status, number of dependents, "
    "household income, schooling, work, class interests and phone number, to check the "
    "ministry's criteria and to contact you.\n"
    "• <b>How long:</b> we use it during the programme and keep it for {years} years, then "
    "delete it.\n"
    "• <b>Your rights:</b> see your data (/data_saya), correct it, or have it deleted and "
    "withdraw consent (/hapus_data) at any time. We answer within 3 x 24 hours.\n"
    "Your NIK and income are stored protected and shown only to officers who need them.\n\n"
    "Do you agree?"
)


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


def _back(t: Translator, rev: int) -> list[InlineKeyboardButton]:
    return [button("⬅️ " + t(N_("Back")), cb(rev, "back"))]


def _yes_no(t: Translator, rev: int, yes: str, no: str) -> list[list[InlineKeyboardButton]]:
    return [[button(t(yes), cb(rev, "yes")), button(t(no), cb(rev, "no"))]]


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def question(view: IntakeView, t: Translator, settings_years: int) -> tuple[str, Any]:
    """The text and keyboard for the open step."""
    step, rev, a = view.step, view.rev, view.answers
    places = load_places()
    back = _back(t, rev)
    esc = html.escape
    if step == Step.CONSENT:
        choose = _yes_no(t, rev, N_("I agree"), N_("I do not agree"))
        if a.get("consent_full"):
            return t(CONSENT_TEXT).format(years=settings_years), inline(choose)
        more = [button(t(CONSENT_MORE), cb(rev, "more"))]
        return t(CONSENT_SUMMARY), inline([*choose, more])
    if step == Step.NAME:
        return t(N_("What is your full name, as written on your KTP?")), inline([back])
    if step == Step.NIK:
        return (
            t(N_("Please type your NIK: the 16 digits on your KTP or family card (KK).")),
            inline([back]),
        )
    if step == Step.SEX_CONFIRM:
        return (
            t(N_("The digits of this NIK say its owner is a man. Is this NIK really yours?")),
            inline(
                [
                    [button(t(N_("Yes, it is mine")), cb(rev, "yes"))],
                    [button(t(N_("Type the NIK again")), cb(rev, "retype"))],
                    back,
                ]
            ),
        )
    if step == Step.DOB_CONFIRM:
        born = _day(a.get("nik_birth_date"))
        text = t(N_("Your NIK shows the birth date {date}. Is that right?")).format(
            date=t.date(born) if born else "-"
        )
        return text, inline([*_yes_no(t, rev, N_("Yes, right"), N_("No")), back])
    if step == Step.DOB:
        return (t(N_("Please type your birth date, for example: 17-08-1985.")), inline([back]))
    if step == Step.KECAMATAN:
        rows = [[button(p.name, cb(rev, p.code))] for p in places.kecamatan()]
        return t(N_("Which kecamatan do you live in?")), inline([*rows, back])
    if step == Step.VILLAGE:
        kec = places.get(a["kecamatan_code"])
        buttons = [button(p.name, cb(rev, p.code)) for p in places.villages(kec.code)]
        text = t(N_("Which desa or kelurahan in {kecamatan}?")).format(kecamatan=esc(kec.name))
        return text, inline([*in_rows(buttons, 2), back])
    if step == Step.ADDRESS:
        return (
            t(
                N_(
                    "Please type your address (RT/RW and street), for example: RT 02 RW 05, "
                    "Jl. Mawar 10. You may skip this."
                )
            ),
            inline([[button(t(N_("Skip")), cb(rev, "skip"))], back]),
        )
    if step == Step.MARITAL:
        rows = [[button(t(label), cb(rev, code.value))] for code, label in MARITAL_CHOICES.items()]
        return (
            t(N_("What is your marital status, as on your family card (KK)?")),
            inline([*rows, back]),
        )
    if step == Step.MAIN_EARNER:
        return (
            t(N_("Are you the main earner of your family?")),
            inline([*_yes_no(t, rev, N_("Yes"), N_("No")), back]),
        )
    if step == Step.DEPENDENTS:
        nums = [button(str(n), cb(rev, str(n))) for n in range(7)]
        return (
            t(
                N_(
                    "How many people do you support (children, parents, others)? "
                    "Tap a number, or type it if it is more than 6."
                )
            ),
            inline([nums[:4], nums[4:], back]),
        )
    if step == Step.INCOME:
        return (
            t(
                N_(
                    "How much does your whole household earn in a month? "
                    "Type the amount, for example: 500rb or 1,5 juta."
                )
            ),
            inline([[button(t(N_("No income")), cb(rev, "none"))], back]),
        )
    if step == Step.INCOME_CONFIRM:
        cands = a.get("income_candidates", [])
        rows = [
            [button(t(N_("{amount} per month")).format(amount=t.money(v)), cb(rev, str(i)))]
            for i, v in enumerate(cands)
        ]
        text = t(N_("Did you mean {amount} per month?")).format(amount=t.money(cands[0]))
        return text, inline([*rows, [button(t(N_("Type again")), cb(rev, "retype"))], back])
    if step == Step.EDUCATION:
        buttons = [button(t(label), cb(rev, code)) for code, label in EDUCATION.items()]
        return t(N_("What is the last school you finished?")), inline([*in_rows(buttons, 2), back])
    if step == Step.OCCUPATION:
        buttons = [button(t(label), cb(rev, code)) for code, label in OCCUPATIONS.items()]
        return t(N_("What is your main work?")), inline([*in_rows(buttons, 2), back])
    if step == Step.OCCUPATION_OTHER:
        return t(N_("Please type your work, for example: penjual jamu.")), inline([back])
    if step == Step.INTERESTS:
        chosen = set(a.get("interests", []))
        buttons = [
            button(("✅ " if code in chosen else "▫️ ") + t(label), cb(rev, f"t:{code}"))
            for code, label in SKILLS.items()
        ]
        return (
            t(N_("Which classes interest you? Tap one or more, then tap Done.")),
            inline([*in_rows(buttons, 2), [button(t(N_("Done")), cb(rev, "done"))], back]),
        )
    if step == Step.PHONE:
        keyboard = ReplyKeyboardMarkup(
            [
                [KeyboardButton("📱 " + t(N_("Send my phone number")), request_contact=True)],
                *[[t(label)] for label in PHONE_OPTION_LABELS.values()],
                [t(N_("Back"))],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        text = t(
            N_(
                "What is your phone number? Tap the button below to send it, "
                "or type it, for example: 0812 3456 7890."
            )
        )
        return f"{text}\n{t(N_('No phone of your own? Tap one of the buttons below.'))}", keyboard
    if step == Step.REVIEW:
        return review_text(a, t), review_keyboard(t, rev, amending=view.amending)
    raise ValueError(f"no question for step {step}")


def review_text(a: dict[str, Any], t: Translator) -> str:
    places = load_places()
    esc = html.escape
    kec = places.get(a["kecamatan_code"]).name if a.get("kecamatan_code") else "-"
    village = places.get(a["village_code"]).name if a.get("village_code") else "-"
    occupation = t(OCCUPATIONS.get(a.get("occupation") or "", "-"))
    if a.get("occupation_other"):
        occupation = f"{occupation}: {a['occupation_other']}"
    born = _day(a.get("birth_date"))
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
        (N_("Class interests"), ", ".join(t(SKILLS[s]) for s in a.get("interests", [])) or "-"),
        (N_("Phone"), contact_text(a.get("phone"), a.get("contact_by"), t)),
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


def review_keyboard(t: Translator, rev: int, *, amending: bool = False) -> Any:
    edits = [
        ("name", N_("Name")),
        ("nik", N_("NIK")),
        ("place", N_("Place")),
        ("address", N_("Address")),
        ("marital", N_("Marital status")),
        ("main_earner", N_("Main earner")),
        ("dependents", N_("Dependents")),
        ("income", N_("Income")),
        ("education", N_("Schooling")),
        ("occupation", N_("Work")),
        ("interests", N_("Classes")),
        ("phone", N_("Phone")),
    ]
    buttons = [button("✏️ " + t(label), cb(rev, f"edit:{field}")) for field, label in edits]
    rows = [*in_rows(buttons, 2), [button("✅ " + t(N_("Send")), cb(rev, "submit"))]]
    if amending:  # the way out of "Ubah data": her registration stays as it was
        rows.append([button("↩️ " + t(N_("Keep my data unchanged")), cb(rev, "discard"))])
    return inline(rows)


def problem_text(view: IntakeView, t: Translator) -> str:
    assert view.problem is not None
    text = t.render(view.problem.message, view.problem.params)
    if view.problem.prefix:
        text = f"{t(view.problem.prefix)} {text}"
    return "⚠️ " + html.escape(text)


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
    context: ContextTypes.DEFAULT_TYPE,
    *,
    chat_id: int | None = None,
    prefix: str | None = None,
) -> Message | None:
    """Deliver what the intake service decided; record a delivered question."""
    runtime = rt(context)
    t = tr(context)
    uid = chat_id if chat_id is not None else user_id(update)  # type: ignore[arg-type]
    if view.status in ("ask", "stale") and view.step is not None:
        text, markup = question(view, t, runtime.settings.retention_years)
        if view.problem is not None:
            text = f"{problem_text(view, t)}\n\n{text}"
            if view.offer_help:
                markup = _with_help(markup, t, view.rev)
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
                [button(t(N_("See my data")), "me:view")],
                [button(t(N_("Change my data")), "me:edit")],
            ]
        )
        return await context.bot.send_message(uid, text, reply_markup=markup)
    if view.status == "no_draft":
        text = t(N_("There is no registration in progress. Choose from the menu below."))
        return await context.bot.send_message(uid, text, reply_markup=await her_menu(context, uid))
    return None  # duplicate_update: already handled


def _with_help(markup: Any, t: Translator, rev: int) -> Any:
    """After repeated misses, a way out: ask an officer for help. It goes
    below every answer, so no answer moves (buttons are read by position)."""
    if isinstance(markup, ReplyKeyboardMarkup):
        rows = [list(row) for row in markup.keyboard]
        return ReplyKeyboardMarkup(
            [*rows, ["🙋 " + t(HELP_LABEL)]], resize_keyboard=True, one_time_keyboard=True
        )
    help_button = button("🙋 " + t(HELP_LABEL), f"help:{rev}")
    return inline([*markup.inline_keyboard, [help_button]])


# ---- handlers -----------------------------------------------------------------


async def begin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/daftar, "Daftar", "Lanjutkan pendaftaran"."""
    lang = update.effective_user.language_code if update.effective_user else None
    view = await rt(context).intake.begin(user_id(update), update.update_id, lang or "id")
    await send_view(view, update, context)


async def pause(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/batal: stop the form, keep the draft."""
    view = await rt(context).intake.pause(user_id(update), update.update_id)
    if view.status == "no_draft":
        t = tr(context)
        await update.effective_message.reply_text(  # type: ignore[union-attr]
            t(N_("There is nothing to cancel. Choose from the menu below.")),
            reply_markup=await her_menu(context, user_id(update)),
        )
        return
    await send_view(view, update, context)


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer(t(N_("This button is no longer valid.")))
        return
    rev, value = parsed
    view = await rt(context).intake.answer(
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
        _, markup = question(view, t, rt(context).settings.retention_years)
        await asyncio.gather(query.answer(), query.edit_message_reply_markup(markup))
        return
    # Stop her button's spinner while the next question goes out.
    await asyncio.gather(query.answer(), send_view(view, update, context))


async def on_help_request(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    data = query.data or ""
    rev = number(data[5:]) if data.startswith("help:") else None
    if rev is None:
        await query.answer(t(N_("This button is no longer valid.")))
        return
    view = await rt(context).intake.request_help(user_id(update), update.update_id, rev)
    if view.status == "stale":
        await query.answer(t(N_("That button is from an earlier question.")))
        await send_view(view, update, context, prefix=t(N_("Let us continue from here:")))
        return
    await query.answer()
    await _helped(view, update, context)


async def _helped(view: IntakeView, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any message while a form is open is an answer to its question."""
    msg = update.effective_message
    assert msg is not None
    runtime = rt(context)
    if await forms.on_message(update, context):  # her open form's answer
        return
    for route in TEXT_ROUTES:
        if await route(update, context):
            return
    if msg.contact is not None:
        # Only her own card counts as her number (Telegram sets user_id for it).
        own = msg.contact.user_id is not None and msg.contact.user_id == user_id(update)
        answer = Answer("contact" if own else "foreign_contact", msg.contact.phone_number)
    elif msg.text is not None and _is_label(msg.text, HELP_LABEL):
        # The phone question's reply keyboard has its own help button.
        view = await runtime.intake.request_help(user_id(update), update.update_id, None)
        if view.status == "stale":
            await send_view(view, update, context)
        else:
            await _helped(view, update, context)
        return
    elif msg.text is not None:
        option = next((k for k, v in PHONE_OPTION_LABELS.items() if _is_label(msg.text, v)), None)
        if option is not None:
            answer = Answer("option", option)
        elif is_back(msg.text, tr(context)):
            answer = Answer("back")
        else:
            answer = Answer("text", msg.text)
    else:
        answer = Answer("other", message_kind(msg))
    view = await runtime.intake.answer(user_id(update), update.update_id, answer)
    if view.status == "no_draft":
        await fallback(update, context)
        return
    await send_view(view, update, context)


def _is_label(text: str, msgid: str) -> bool:
    """A reply-keyboard button's text, in any interface language."""
    typed = text.replace("🙋", "").strip().casefold()
    return any(typed == translator(lang)(msgid).casefold() for lang in LANGUAGES)


async def resend_owed_prompts(context: ContextTypes.DEFAULT_TYPE) -> None:
    """After a crash: questions whose answers were saved but never went out."""
    for view in await rt(context).intake.owed_prompts():
        try:
            await send_view(view, None, context, chat_id=view.user_id)
        except Exception as exc:  # one unreachable person must not stop the rest
            log.warning("could not resend an owed question: %s", error_name(exc))


async def on_unknown_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forged or ancient callback data: refuse politely, change nothing."""
    query = update.callback_query
    assert query is not None
    await query.answer(tr(context)(N_("This button is no longer valid.")))
