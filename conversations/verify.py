"""/verifikasi: officers decide registrations that need a person, one card at
a time. Callback data ``vf:<action>:<flag id>[:<n>]``; every button, command
and typed reason checks the staff role on the server."""

from __future__ import annotations

import html

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations.auth import cached_role, requires
from conversations.common import TEXT_ROUTES, tr, user_id
from conversations.intake import CONTACT_LABELS, MARKS, render_line
from wrse_bot.domain.catalog import MARITAL_LABELS
from wrse_bot.domain.places import load_places
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.help_requests import step_question
from wrse_bot.services.roles import STAFF
from wrse_bot.services.verification import (
    PRESET_REASONS,
    Card,
    DecisionResult,
    Person,
    preset_reason,
)
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.fit import fit_html
from wrse_bot.telegram.keyboards import button, inline

CALLBACK = cbd.compile_pattern(r"vf:(sh|sk|ap|ok|rj|rs|rw|rc):(\d{1,12})(?::(\d{1,2}))?")
FORM_KEY = "verify_form"  # user_data cache: does she have an open reason form?

KIND_LABELS = {
    "needs_review": N_("Needs an officer's decision"),
    "duplicate_nik": N_("Possible duplicate NIK"),
    "nik_mismatch": N_("Birth date or sex differs from the NIK"),
    "help_requested": N_("Asked for an officer's help"),
}
SEX_LABELS = {"F": N_("Woman"), "M": N_("Man")}


def parse_callback(data: str | None) -> tuple[str, int, int | None] | None:
    """``(action, flag id, preset reason)`` of a well-formed button, else None."""
    found = cbd.match(CALLBACK, data)
    fid = cbd.number(found.group(2)) if found else None
    if found is None or fid is None:
        return None
    return found.group(1), fid, cbd.number(found.group(3))


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
        lines += person_lines(card.person, t, mismatch=card.kind == "nik_mismatch")
    elif card.user_id is not None:
        lines.append(t(N_("She has not finished registering yet.")))
    if card.user_id is not None:
        link = f'<a href="tg://user?id={card.user_id}">{card.user_id}</a>'
        lines.append(t(N_("Telegram account: {link}")).format(link=link))
    question = step_question(card.detail) if card.kind == "help_requested" else None
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
    if card.kind == "help_requested":
        rows.append([button("✅ " + t(N_("Already contacted")), f"vf:ok:{fid}")])
    else:
        first = []
        if card.can_approve:
            first.append(button("✅ " + t(N_("Approve")), f"vf:ap:{fid}"))
        if card.can_reject:
            first.append(button("❌ " + t(N_("Reject")), f"vf:rj:{fid}"))
        rows.append(first)
    rows.append([button("⏭ " + t(N_("Skip")), f"vf:sk:{fid}")])
    return inline(rows)


def reasons_keyboard(fid: int, t: Translator) -> object:
    rows = [[button(t(msg), f"vf:rs:{fid}:{i}")] for i, msg in enumerate(PRESET_REASONS)]
    rows.append([button("✏️ " + t(N_("Write a reason")), f"vf:rw:{fid}")])
    rows.append([button("⬅️ " + t(N_("Back")), f"vf:sh:{fid}")])
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
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer(t(N_("This button is no longer valid.")))
        return
    action, fid, extra = parsed
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
    if action == "rj":
        if not await svc.is_open(fid):
            await _already(update, context, message)
            return
        await query.answer()
        if message is not None:
            await message.edit_reply_markup(reasons_keyboard(fid, t))  # type: ignore[arg-type]
        return
    if action == "rw":
        status = await svc.open_reason_form(uid, fid)
        if status == "already":
            await _already(update, context, message)
            return
        if status == "busy":
            await query.answer(
                t(N_("Please finish your other open form first, or pick a reason above.")),
                show_alert=True,
            )
            return
        context.user_data[FORM_KEY] = True  # type: ignore[index]
        await query.answer()
        await context.bot.send_message(
            uid,
            t(N_("Please type the reason for rejecting, in one short sentence.")),
            reply_markup=inline([[button(t(N_("Cancel")), f"vf:rc:{fid}")]]),
        )
        return
    if action == "rc":
        await svc.close_reason_form(uid)
        context.user_data[FORM_KEY] = False  # type: ignore[index]
        await query.answer()
        await _close(message, t(N_("Cancelled: no reason was written.")))
        await _send_card(context, uid, await svc.card(uid, flag_id=fid) or await svc.card(uid))
        return

    # Decisions: approve, contacted, reject with a preset reason.
    if action == "rs":
        reason = preset_reason(extra) if extra is not None else None
        if reason is None:
            await query.answer(t(N_("This button is no longer valid.")))
            return
        result = await svc.decide(uid, fid, "reject", update.update_id, reason)
    else:
        decision = "approve" if action == "ap" else "contacted"
        result = await svc.decide(uid, fid, decision, update.update_id)  # type: ignore[arg-type]
    await _after_decision(update, context, result, message)


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


async def _after_decision(
    update: Update,
    context: Context,
    result: DecisionResult,
    message: Message | None,
) -> None:
    t = tr(context)
    uid = user_id(update)
    query = update.callback_query
    if result.status == "duplicate_update":
        if query is not None:
            await query.answer()
        return
    if result.status == "already":
        if query is not None:
            await _already(update, context, message)
            return
        context.user_data[FORM_KEY] = False  # type: ignore[index]
        await context.bot.send_message(uid, t(N_("Already decided by another officer.")))
        await _send_card(context, uid, await context.runtime.verification.card(uid))
        return
    if result.status == "not_allowed":
        if query is not None:
            await query.answer(t(N_("This button is no longer valid.")))
        return
    if result.status == "bad_reason":
        await context.bot.send_message(
            uid, t(N_("Please write a reason of 3 to 200 characters, or tap Cancel."))
        )
        return
    if result.status == "no_form":
        context.user_data[FORM_KEY] = False  # type: ignore[index]
        return
    context.user_data[FORM_KEY] = False  # type: ignore[index]
    if query is not None:
        await query.answer()
        await _close(message, outcome_text(result, t))
    else:
        await context.bot.send_message(
            uid, outcome_text(result, t), parse_mode=ParseMode.HTML, protect_content=True
        )
    await _send_card(context, uid, await context.runtime.verification.card(uid))


@requires(STAFF)
async def typed_reason(update: Update, context: Context) -> None:
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    result = await context.runtime.verification.typed_reason(
        user_id(update), msg.text, update.update_id
    )
    await _after_decision(update, context, result, None)


async def reason_route(update: Update, context: Context) -> bool:
    """A typed rejection reason, when this officer has the form open. Cheap for
    women: one role lookup, cached; no query at all after that."""
    msg = update.effective_message
    if msg is None or msg.text is None or update.effective_user is None:
        return False
    data = context.user_data
    assert data is not None
    if await cached_role(update, context) not in STAFF or data.get(FORM_KEY) is False:
        return False
    if not await context.runtime.verification.has_reason_form(update.effective_user.id):
        data[FORM_KEY] = False
        return False
    data[FORM_KEY] = True
    await typed_reason(update, context)
    return True


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("verifikasi", verify_command, filters=private),
            CallbackQueryHandler(verify_callback, pattern=r"^vf:"),
        ]
    )
    if reason_route not in TEXT_ROUTES:  # register() runs once per Application
        TEXT_ROUTES.append(reason_route)
