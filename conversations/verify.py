"""/verifikasi: officers decide registrations that need a person, one card at
a time. Buttons are ``VerifyTap``s; a reason of her own is a form
(wrse_bot/forms/verification.py). Every button and command checks the staff
role on the server."""

from __future__ import annotations

import html

from telegram import MaybeInaccessibleMessage, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations import forms
from conversations.auth import requires
from conversations.common import stale_button, tapped, tr, user_id
from conversations.intake import CONTACT_LABELS, MARKS, render_line
from wrse_bot.buttons import VerifyTap
from wrse_bot.domain.catalog import MARITAL_LABELS
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import FlagKind
from wrse_bot.forms.verification import REASON_FORM
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.forms import FormView
from wrse_bot.services.help_requests import step_question
from wrse_bot.services.roles import STAFF
from wrse_bot.services.verification import (
    PRESET_REASONS,
    Card,
    DecisionResult,
    Person,
    preset_reason,
)
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.fit import fit_html
from wrse_bot.telegram.keyboards import button, inline

ACTIONS = frozenset({"sh", "sk", "ap", "ok", "rj", "rs", "rw"})

KIND_LABELS = {
    FlagKind.NEEDS_REVIEW: N_("Needs an officer's decision"),
    FlagKind.DUPLICATE_NIK: N_("Possible duplicate NIK"),
    FlagKind.NIK_MISMATCH: N_("Birth date or sex differs from the NIK"),
    FlagKind.HELP_REQUESTED: N_("Asked for an officer's help"),
}
SEX_LABELS = {"F": N_("Woman"), "M": N_("Man")}


# ---- rendering ----------------------------------------------------------------


def _place(code: str | None) -> str:
    if not code:
        return "-"
    try:
        return load_places().get(code).name
    except KeyError:
        return code


def person_lines(p: Person, t: Translator, *, mismatch: bool) -> list[str]:
    esc = html.escape
    born = t.date(p.birth_date) if p.birth_date else "-"
    rows = [
        (N_("Name"), p.full_name),
        (N_("NIK"), p.nik),
        (N_("Birth date"), born),
    ]
    if mismatch or (p.nik_birth_date and p.nik_birth_date != p.birth_date):
        nik_born = t.date(p.nik_birth_date) if p.nik_birth_date else "-"
        rows.append((N_("Birth date by the NIK"), nik_born))
    if mismatch or (p.nik_sex and p.sex and p.nik_sex != p.sex):
        rows.append((N_("Sex by the NIK"), t(SEX_LABELS.get(p.nik_sex or "", "-"))))
    rows += [
        (N_("Kecamatan"), _place(p.kecamatan_code)),
        (N_("Desa/kelurahan"), _place(p.village_code)),
        (N_("Marital status"), t(MARITAL_LABELS.get(p.marital_status or "", "-"))),
        (N_("Main earner"), t(N_("Yes")) if p.main_earner else t(N_("No"))),
        (N_("Dependents"), str(p.dependents if p.dependents is not None else "-")),
        (N_("Household income"), t(N_("{amount} per month")).format(amount=t.money(p.income))),
    ]
    if p.phone is not None:  # only for those who call women (services.roles.CALLERS)
        rows.append((N_("Phone"), p.phone))
    elif p.contact_by in CONTACT_LABELS:  # no number to hide: say how to reach her
        rows.append((N_("Phone"), t(CONTACT_LABELS[p.contact_by])))
    rows.append((N_("Registered on"), t.date(p.registered_at.astimezone(t.tz).date())))
    return [f"• {t(label)}: <b>{esc(str(value))}</b>" for label, value in rows]


def card_text(card: Card, t: Translator) -> str:
    esc = html.escape
    head = t(N_("<b>To check</b> ({count} in the queue): {kind}")).format(
        count=card.queue_size, kind=esc(t(KIND_LABELS.get(card.kind, card.kind)))
    )
    lines = [head]
    if card.other_kinds:
        also = ", ".join(t(KIND_LABELS.get(k, k)) for k in card.other_kinds)
        lines.append(t(N_("Also: {kinds}")).format(kinds=esc(also)))
    lines.append("")
    if card.person is not None:
        lines += person_lines(card.person, t, mismatch=card.kind == FlagKind.NIK_MISMATCH)
    elif card.user_id is not None:
        lines.append(t(N_("She has not finished registering yet.")))
    if card.user_id is not None:
        link = f'<a href="tg://user?id={card.user_id}">{card.user_id}</a>'
        lines.append(t(N_("Telegram account: {link}")).format(link=link))
    question = step_question(card.detail) if card.kind == FlagKind.HELP_REQUESTED else None
    if question is not None:  # the question as staff know it, never a step's code
        lines.append(t(N_("Where she was: {detail}")).format(detail=esc(t(question))))
    if card.holder is not None:
        lines += ["", t(N_("<b>Already registered with this NIK:</b>"))]
        lines += person_lines(card.holder, t, mismatch=False)
    if card.reasons:
        lines += ["", t(N_("<b>Check result:</b>"))]
        lines += [f"{MARKS[r.outcome]} {esc(render_line(r, t))}" for r in card.reasons]
    return "\n".join(lines)


def card_keyboard(card: Card, t: Translator) -> object:
    fid = card.flag_id
    rows = []
    if card.kind == FlagKind.HELP_REQUESTED:
        rows.append([button("✅ " + t(N_("Already contacted")), VerifyTap("ok", fid).encode())])
    else:
        first = []
        if card.can_approve:
            first.append(button("✅ " + t(N_("Approve")), VerifyTap("ap", fid).encode()))
        if card.can_reject:
            first.append(button("❌ " + t(N_("Reject")), VerifyTap("rj", fid).encode()))
        rows.append(first)
    rows.append([button("⏭ " + t(N_("Skip")), VerifyTap("sk", fid).encode())])
    return inline(rows)


def reasons_keyboard(fid: int, t: Translator) -> object:
    rows = [
        [button(t(msg), VerifyTap("rs", fid, i).encode())] for i, msg in enumerate(PRESET_REASONS)
    ]
    rows.append([button("✏️ " + t(N_("Write a reason")), VerifyTap("rw", fid).encode())])
    rows.append([button("⬅️ " + t(N_("Back")), VerifyTap("sh", fid).encode())])
    return inline(rows)


def outcome_text(result: DecisionResult, t: Translator) -> str:
    esc = html.escape
    name = esc(result.name or "-")
    if result.decision == "approve":
        return t(N_("✅ Approved: {name}. She will be told.")).format(name=name)
    if result.decision == "reject":
        reason = esc(render_line(result.reason, t)) if result.reason else "-"
        return t(N_("❌ Rejected: {name}. Reason: {reason}. She will be told.")).format(
            name=name, reason=reason
        )
    return t(N_("✅ Marked as contacted."))


# ---- sending ------------------------------------------------------------------


async def _send_card(
    context: Context, uid: int, card: Card | None, *, edit: Message | None = None
) -> None:
    t = tr(context)
    if card is None:
        text = t(N_("Nothing more to check. Thank you!"))
        markup = None
    else:
        text, markup = fit_html(card_text(card, t)), card_keyboard(card, t)
    if edit is not None:
        try:
            await edit.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)  # type: ignore[arg-type]
            return
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
    # Her personal data: Telegram forbids forwarding and saving the card.
    await context.bot.send_message(
        uid,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,  # type: ignore[arg-type]
        protect_content=True,
    )


async def _close(query_message: Message | None, text: str) -> None:
    """The decided card keeps its outcome and loses its buttons."""
    if query_message is None:
        return
    try:
        await query_message.edit_text(text, parse_mode=ParseMode.HTML)
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise


# ---- handlers -----------------------------------------------------------------


@requires(STAFF)
async def verify_command(update: Update, context: Context) -> None:
    uid = user_id(update)
    await _send_card(context, uid, await context.runtime.verification.card(uid))


@requires(STAFF)
async def verify_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    uid = user_id(update)
    tap = await tapped(update, context, VerifyTap, lambda tap: tap.op in ACTIONS)
    if tap is None:
        return
    action, fid = tap.op, tap.flag
    svc = context.runtime.verification
    message = query.message if isinstance(query.message, Message) else None

    if action in ("sh", "sk"):
        await query.answer()
        card = (
            await svc.card(uid, flag_id=fid)
            if action == "sh"
            else await svc.card(uid, after_id=fid)
        )
        if card is None and action == "sh":
            card = await svc.card(uid)  # decided meanwhile: the next one
        await _send_card(context, uid, card, edit=message)
        return
    if action in ("rj", "rw") and not await svc.is_open(fid):
        await _already(update, context, message)
        return
    if action == "rj":
        await query.answer()
        if message is not None:
            await message.edit_reply_markup(reasons_keyboard(fid, t))  # type: ignore[arg-type]
        return
    if action == "rw":  # her own words: a form, which pauses any other she has open
        await forms.open_form(update, context, REASON_FORM, fid, tapped=query.answer)
        return

    # Decisions: approve, contacted, reject with a preset reason.
    if action == "rs":
        reason = preset_reason(tap.n)
        if reason is None:
            await stale_button(update, context)
            return
        result = await svc.decide(uid, fid, "reject", update.update_id, reason)
    else:
        decision = "approve" if action == "ap" else "contacted"
        result = await svc.decide(uid, fid, decision, update.update_id)  # type: ignore[arg-type]
    if result.status == "duplicate_update":
        await query.answer()
    elif result.status == "already":
        await _already(update, context, message)
    elif result.status == "not_allowed":
        await stale_button(update, context)
    else:
        await query.answer()
        await _close(message, outcome_text(result, t))
        await _send_card(context, uid, await svc.card(uid))


async def _already(update: Update, context: Context, message: Message | None) -> None:
    t = tr(context)
    assert update.callback_query is not None
    await update.callback_query.answer(
        t(N_("Already decided by another officer.")), show_alert=True
    )
    await _close(message, t(N_("Already decided by another officer.")))
    await _send_card(
        context, user_id(update), await context.runtime.verification.card(user_id(update))
    )


async def _decided(
    view: FormView, context: Context, message: MaybeInaccessibleMessage | None
) -> None:
    """Her typed reason finished the form: the outcome (or who was first), then the next card."""
    t, uid = tr(context), view.owner
    (result,) = view.notices
    assert isinstance(result, DecisionResult)
    if result.status == "done":
        text = outcome_text(result, t)
        await context.bot.send_message(uid, text, parse_mode=ParseMode.HTML, protect_content=True)
    else:
        await context.bot.send_message(uid, t(N_("Already decided by another officer.")))
    await _send_card(context, uid, await context.runtime.verification.card(uid))


SCREEN = forms.Screen(
    title=N_("the reason for rejecting"), cancel=N_("Cancel"), roles=STAFF, done=_decided
)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("verifikasi", verify_command, filters=private),
            CallbackQueryHandler(verify_callback, pattern=VerifyTap.pattern()),
        ]
    )
