"""/verifikasi: officers decide registrations that need a person, one card at
a time. Buttons are ``VerifyTap``s; a reason of her own is a form
(services/verification.py). Every button and command checks the staff
role on the server."""

from __future__ import annotations

import html

from telegram import MaybeInaccessibleMessage, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations import forms
from conversations.auth import requires
from conversations.common import edit_html, send_html, stale_button, tapped, tr, user_id
from conversations.intake import CONTACT_LABELS, MARKS, render_line
from conversations.my_data import person_rows, rows_html
from wrse_bot.buttons import VerifyTap
from wrse_bot.domain.statuses import FlagKind
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.forms import FormView
from wrse_bot.services.help_requests import step_question
from wrse_bot.services.my_data import Person
from wrse_bot.services.roles import STAFF
from wrse_bot.services.verification import (
    PRESET_REASONS,
    REASON_FORM,
    Card,
    DecisionResult,
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


def person_lines(p: Person, t: Translator, *, mismatch: bool) -> list[str]:
    nik_rows = []
    if mismatch or (p.nik_birth_date and p.nik_birth_date != p.birth_date):
        nik_born = t.date(p.nik_birth_date) if p.nik_birth_date else "-"
        nik_rows.append((N_("Birth date by the NIK"), nik_born))
    if mismatch or (p.nik_sex and p.sex and p.nik_sex != p.sex):
        nik_rows.append((N_("Sex by the NIK"), t(SEX_LABELS.get(p.nik_sex or "", "-"))))
    rows = person_rows(p, t, after_birth=nik_rows)
    if p.phone is not None:  # only for those who call women (services.roles.CALLERS)
        rows.append((N_("Phone"), p.phone))
    elif p.contact_by in CONTACT_LABELS:  # no number to hide: say how to reach her
        rows.append((N_("Phone"), t(CONTACT_LABELS[p.contact_by])))
    rows.append((N_("Registered on"), t.date(p.registered_at.astimezone(t.tz).date())))
    return rows_html(rows, t)


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
    if card.person is not None and card.person.reasons:
        lines += ["", t(N_("<b>Check result:</b>"))]
        lines += [f"{MARKS[r.outcome]} {esc(render_line(r, t))}" for r in card.person.reasons]
    return "\n".join(lines)


def card_keyboard(card: Card, t: Translator) -> object:
    fid = card.flag_id
    if card.kind == FlagKind.HELP_REQUESTED:
        first = [("✅ ", N_("Already contacted"), "ok")]
    else:
        first = [("✅ ", N_("Approve"), "ap")] if card.can_approve else []
        first += [("❌ ", N_("Reject"), "rj")] if card.can_reject else []
    rows = [first, [("⏭ ", N_("Skip"), "sk")]]
    return inline(
        [[button(m + t(label), VerifyTap(op, fid).encode()) for m, label, op in r] for r in rows]
    )


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
    await send_html(context, uid, text, markup, personal=True)


async def _next_card(context: Context, uid: int) -> None:
    await _send_card(context, uid, await context.runtime.verification.card(uid))


async def _close(update: Update, text: str) -> None:
    """The decided card keeps its outcome and loses its buttons."""
    assert update.callback_query is not None
    if isinstance(update.callback_query.message, Message):
        await edit_html(update, text)


# ---- handlers -----------------------------------------------------------------


@requires(STAFF)
async def verify_command(update: Update, context: Context) -> None:
    await _next_card(context, user_id(update))


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
        where = {"flag_id": fid} if action == "sh" else {"after_id": fid}
        card = await svc.card(uid, **where)
        if card is None and action == "sh":
            card = await svc.card(uid)  # decided meanwhile: the next one
        await _send_card(context, uid, card, edit=message)
        return
    if action in ("rj", "rw") and not await svc.is_open(fid):
        await _already(update, context)
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
        await _already(update, context)
    elif result.status == "not_allowed":
        await stale_button(update, context)
    else:
        await query.answer()
        await _close(update, outcome_text(result, t))
        await _next_card(context, uid)


ALREADY = N_("Already decided by another officer.")


async def _already(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(tr(context)(ALREADY), show_alert=True)
    await _close(update, tr(context)(ALREADY))
    await _next_card(context, user_id(update))


async def _decided(
    view: FormView, context: Context, message: MaybeInaccessibleMessage | None
) -> None:
    """Her typed reason finished the form: the outcome (or who was first), then the next card."""
    t, uid = tr(context), view.owner
    (result,) = view.notices
    assert isinstance(result, DecisionResult)
    if result.status == "done":
        await send_html(context, uid, outcome_text(result, t), personal=True)
    else:
        await context.bot.send_message(uid, t(ALREADY))
    await _next_card(context, uid)


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
