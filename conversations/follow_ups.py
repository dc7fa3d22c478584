"""Coordinators' follow-up queue (/tindak_lanjut): check-ins needing a person,
taken, noted (the note is a form: services/follow_up.py) and resolved
(``FollowUpTap``). Every button is re-checked on the server.
"""

from __future__ import annotations

import html

from telegram import MaybeInaccessibleMessage, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations import forms
from conversations.auth import requires
from conversations.common import NOT_VALID, edit_html, send_html, tapped, tr, user_id
from conversations.roles_admin import mention
from wrse_bot.buttons import FollowUpTap, TakeOverFollowUp
from wrse_bot.domain.obstacles import (
    FOLLOW_UP_REASONS,
    HELP_KINDS,
    INCOME_CHANGES,
    OBSTACLE_OTHER,
    OBSTACLES,
)
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import CheckInStatus
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.charts import number
from wrse_bot.services.follow_up import NOTE_FORM, ActionResult, FollowUpCard
from wrse_bot.services.forms import FormView
from wrse_bot.services.roles import COORDINATORS
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.fit import fit_html
from wrse_bot.telegram.keyboards import button, inline

NOTES_SHOWN = 2000  # characters of notes on a card; the rest of it stays far below 4,096


def _yes_no(value: bool | None, t: Translator) -> str:
    if value is None:
        return "-"
    return t(N_("Yes")) if value else t(N_("No"))


def latest_notes(notes: str, shown: int = NOTES_SHOWN) -> str:
    """Notes pile up, one per line: the card shows the newest that fit."""
    if len(notes) <= shown:
        return notes
    tail = notes[-shown:]
    return "…" + (tail.split("\n", 1)[1] if "\n" in tail else tail)


def render_card(c: FollowUpCard, t: Translator, me: int) -> str:
    esc = html.escape
    lines = [
        t(N_("<b>Follow-up #{id}</b> · {reason}")).format(
            id=c.id, reason=t(FOLLOW_UP_REASONS.get(c.reason, c.reason))
        ),
        " · ".join(
            [
                f"<b>{esc(c.name or '-')}</b>",
                esc(c.phone or "-"),
                esc(load_places().name(c.kecamatan_code, c.kecamatan_code or t(N_("Unknown")))),
            ]
        ),
        t(N_("Class: {title} · {days}-day check-in")).format(
            title=esc(c.class_title or "-"), days=c.round_days
        ),
        t(N_("Opened: {date}")).format(date=t.date(c.created_at.astimezone(t.tz).date())),
    ]
    if c.checkin_status != CheckInStatus.ANSWERED:
        lines.append(t(N_("She has not answered this check-in.")))
    else:
        change = t(INCOME_CHANGES[c.income_change]) if c.income_change in INCOME_CHANGES else "-"
        income = t.money(c.income) if c.income is not None else "-"
        lines.append(
            t(N_("Income last month: {amount} ({change})")).format(amount=income, change=change)
        )
        business = _yes_no(c.business_started, t)
        if c.business_started and c.business_kind:
            business = f"{business}, {esc(c.business_kind)}"
        lines.append(t(N_("Started a business: {answer}")).format(answer=business))
        helped = ", ".join(t(HELP_KINDS.get(h, h)) for h in c.help_received) or "-"
        lines.append(t(N_("Help received: {help}")).format(help=esc(helped)))
        obstacle = t(OBSTACLES[c.obstacle]) if c.obstacle in OBSTACLES else "-"
        if c.obstacle == OBSTACLE_OTHER and c.obstacle_other:
            obstacle = f"{obstacle}: {esc(c.obstacle_other)}"
        lines.append(t(N_("Biggest obstacle: {obstacle}")).format(obstacle=obstacle))
        lines.append(
            t(N_("Wants to be contacted: {answer}")).format(answer=_yes_no(c.wants_contact, t))
        )
    if c.note:
        lines.append(t(N_("Note: {note}")).format(note=esc(latest_notes(c.note))))
    if c.resolved_at is not None:
        lines.append(t(N_("✅ Resolved")))
    elif c.assigned_to is None:
        lines.append(t(N_("Not taken yet")))
    elif c.assigned_to == me:
        lines.append(t(N_("Handled by: you")))
    elif c.holder_role == "companion":
        lines.append(
            t(N_("Handled by: {who}, companion of her desa")).format(who=mention(c.assigned_to))
        )
    else:
        lines.append(t(N_("Handled by: another coordinator")) + f" ({mention(c.assigned_to)})")
    return fit_html("\n".join(lines))


def card_buttons(c: FollowUpCard, t: Translator, me: int) -> object:
    if c.resolved_at is None and c.assigned_to not in (None, me):  # someone else holds it
        take = "🔁 " + t(N_("Take it over"))
        return inline([[button(take, TakeOverFollowUp(c.id).encode())]])
    if c.resolved_at is not None:
        return None
    rows = []
    if c.assigned_to is None:
        rows.append([button("🙋 " + t(N_("I'll handle it")), FollowUpTap("a", c.id).encode())])
    rows.append(
        [
            button("📝 " + t(N_("Add a note")), FollowUpTap("n", c.id).encode()),
            button("✅ " + t(N_("Done")), FollowUpTap("r", c.id).encode()),
        ]
    )
    return inline(rows)


@requires(COORDINATORS)
async def follow_up_command(update: Update, context: Context) -> None:
    t = tr(context)
    uid = user_id(update)
    queue = await context.runtime.follow_up.queue(uid)
    if not queue.total:
        await context.bot.send_message(uid, t(N_("Nothing needs following up. 🎉")))
        return
    header = t(N_("<b>Follow-up queue:</b> {n} waiting, oldest first.")).format(
        n=number(t, queue.total)
    )
    if queue.total > len(queue.cards):
        header += "\n" + t(
            N_("Showing the first {n}. Run /tindak_lanjut again after handling these.")
        ).format(n=len(queue.cards))
    await send_html(context, uid, header)
    for card in queue.cards:
        await _send_card(context, card, t, uid)


async def _send_card(context: Context, card: FollowUpCard, t: Translator, uid: int) -> None:
    """Her name, phone and answers: not to be forwarded (protect_content)."""
    await send_html(
        context, uid, render_card(card, t, uid), card_buttons(card, t, uid), personal=True
    )


_FU_REFUSALS = {
    "missing": N_("This follow-up no longer exists."),
    "resolved": N_("It is already resolved."),
    "taken": N_("Another coordinator already took it."),
    "mine": N_("It is already yours."),
}


@requires(COORDINATORS)
async def follow_up_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    uid = user_id(update)
    tap = await tapped(update, context, FollowUpTap, lambda tap: tap.op in ("a", "n", "r"))
    if tap is None:
        return
    service = context.runtime.follow_up
    if tap.op == "n":
        refusal = await service.note_refusal(uid, tap.id)
        if refusal is None:  # the note is a form: opening it pauses any other she has open
            await forms.open_form(update, context, NOTE_FORM, tap.id, tapped=query.answer)
            return
        await query.answer(t(_FU_REFUSALS[refusal]), show_alert=True)
        return
    if tap.op == "a":
        result = await service.assign(uid, tap.id, update.update_id)
        done = N_("It is yours now.")
    else:
        result = await service.resolve(uid, tap.id, update.update_id)
        done = N_("Marked as resolved.")
    await _acted(update, result, t, done)


@requires(COORDINATORS)
async def take_over_callback(update: Update, context: Context) -> None:
    """🔁 on a card someone else holds: it becomes hers (audit-logged)."""
    tap = await tapped(update, context, TakeOverFollowUp)
    if tap is None:
        return
    uid = user_id(update)
    result = await context.runtime.follow_up.take_over(uid, tap.follow_up, update.update_id)
    await _acted(update, result, tr(context), N_("It is yours now."))


async def _acted(update: Update, result: ActionResult, t: Translator, done: str) -> None:
    """The tap answered (``done``, or why not), and the card as it is now."""
    query = update.callback_query
    assert query is not None
    if result.outcome == "duplicate":
        await query.answer()
        return
    if result.outcome == "done":
        await query.answer(t(done))
    else:
        await query.answer(t(_FU_REFUSALS.get(result.outcome, t(NOT_VALID))), show_alert=True)
    if result.card is not None:
        me = user_id(update)
        await edit_html(update, render_card(result.card, t, me), card_buttons(result.card, t, me))


async def _noted(
    view: FormView, context: Context, message: MaybeInaccessibleMessage | None
) -> None:
    """The note form finished: saved (or refused, the follow-up changed), then the card."""
    t = tr(context)
    (result,) = view.notices
    assert isinstance(result, ActionResult)
    if result.outcome == "done":
        await context.bot.send_message(view.owner, t(N_("Note saved.")))
    elif result.outcome in _FU_REFUSALS:
        await context.bot.send_message(view.owner, t(_FU_REFUSALS[result.outcome]))
    if result.card is not None:
        await _send_card(context, result.card, t, view.owner)


SCREEN = forms.Screen(
    title=N_("the follow-up note"), cancel=N_("Cancel"), roles=COORDINATORS, done=_noted
)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("tindak_lanjut", follow_up_command, filters=private),
            CallbackQueryHandler(follow_up_callback, pattern=FollowUpTap.pattern()),
            CallbackQueryHandler(take_over_callback, pattern=TakeOverFollowUp.pattern()),
        ]
    )
