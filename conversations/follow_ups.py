"""Coordinators' follow-up queue (/tindak_lanjut): check-ins needing a person,
taken (``tl:a:<id>``), noted (``tl:n``, a typed note; ``tl:x`` cancels it) and
resolved (``tl:r``). Every button is re-checked on the server.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations.auth import cached_role, requires
from conversations.common import NOT_VALID, TEXT_ROUTES, edit_html, fallback, tr, user_id
from wrse_bot.domain.obstacles import (
    FOLLOW_UP_REASONS,
    HELP_KINDS,
    INCOME_CHANGES,
    OBSTACLE_OTHER,
    OBSTACLES,
)
from wrse_bot.domain.places import load_places
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.charts import number
from wrse_bot.services.follow_up import NOTE_MAX, ActionResult, FollowUpCard
from wrse_bot.services.roles import COORDINATORS
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.fit import fit_html
from wrse_bot.telegram.keyboards import button, inline

TL = cbd.compile_pattern(r"tl:(a|n|x|r):([0-9]{1,12})")
NOTES_SHOWN = 2000  # characters of notes on a card; the rest of it stays far below 4,096
NOTE_CACHE = "follow_up_note"  # context.user_data: has an open follow-up note (bool)


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
    if c.checkin_status != "answered":
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
    else:
        lines.append(t(N_("Handled by: another coordinator")))
    return fit_html("\n".join(lines))


def card_buttons(c: FollowUpCard, t: Translator, me: int) -> object:
    if c.resolved_at is not None or c.assigned_to not in (None, me):
        return None
    rows = []
    if c.assigned_to is None:
        rows.append([button("🙋 " + t(N_("I'll handle it")), f"tl:a:{c.id}")])
    rows.append(
        [
            button("📝 " + t(N_("Add a note")), f"tl:n:{c.id}"),
            button("✅ " + t(N_("Done")), f"tl:r:{c.id}"),
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
    await context.bot.send_message(uid, header, parse_mode=ParseMode.HTML)
    for card in queue.cards:
        await context.bot.send_message(
            uid,
            render_card(card, t, uid),
            parse_mode=ParseMode.HTML,
            reply_markup=card_buttons(card, t, uid),  # type: ignore[arg-type]
            protect_content=True,  # her name, phone and answers
        )


_FU_REFUSALS = {
    "missing": N_("This follow-up no longer exists."),
    "resolved": N_("It is already resolved."),
    "taken": N_("Another coordinator already took it."),
    "mine": N_("It is already yours."),
    "other_form": N_("You have another form open. Finish it first, then tap Add a note again."),
}


async def _show_card(update: Update, result: ActionResult, t: Translator, me: int) -> None:
    if result.card is not None:
        await edit_html(update, render_card(result.card, t, me), card_buttons(result.card, t, me))


@requires(COORDINATORS)
async def follow_up_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    uid = user_id(update)
    match = cbd.match(TL, query.data)
    follow_up_id = cbd.number(match.group(2)) if match else None
    if match is None or follow_up_id is None:
        await query.answer(t(NOT_VALID))
        return
    op = match.group(1)
    service = context.runtime.follow_up
    if op == "a":
        result = await service.assign(uid, follow_up_id, update.update_id)
        done = N_("It is yours now.")
    elif op == "r":
        result = await service.resolve(uid, follow_up_id, update.update_id)
        done = N_("Marked as resolved.")
        if result.outcome == "done":
            _set_note_cache(context, False)
    elif op == "x":
        await service.cancel_note(uid)
        _set_note_cache(context, False)
        await query.answer()
        await edit_html(update, t(N_("Note cancelled.")))
        return
    else:
        result = await service.begin_note(uid, follow_up_id, update.update_id)
        if result.outcome == "done":
            _set_note_cache(context, True)
            await query.answer()
            await _ask_note(context, uid, follow_up_id)
            return
        done = ""
    if result.outcome == "duplicate":
        await query.answer()
        return
    if result.outcome == "done":
        await query.answer(t(done))
    else:
        await query.answer(t(_FU_REFUSALS.get(result.outcome, t(NOT_VALID))), show_alert=True)
    await _show_card(update, result, t, uid)


async def _ask_note(context: Context, uid: int, follow_up_id: int) -> None:
    t = tr(context)
    await context.bot.send_message(
        uid,
        t(N_("Type the note for follow-up #{id} and send it.")).format(id=follow_up_id),
        reply_markup=inline([[button(t(N_("Cancel")), f"tl:x:{follow_up_id}")]]),
    )


def _set_note_cache(context: Context, value: bool) -> None:
    if context.user_data is not None:
        context.user_data[NOTE_CACHE] = value


@requires(COORDINATORS)
async def typed_note(update: Update, context: Context) -> None:
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    t = tr(context)
    uid = user_id(update)
    result = await context.runtime.follow_up.save_note(uid, msg.text, update.update_id)
    if result.outcome == "empty":
        await context.bot.send_message(uid, t(N_("The note is empty. Please type a few words.")))
        return
    if result.outcome == "too_long" and result.follow_up_id is not None:
        text = N_("This note is a little long: at most {max} characters, please. Shorten it a bit.")
        await context.bot.send_message(uid, t(text).format(max=number(t, NOTE_MAX)))
        await _ask_note(context, uid, result.follow_up_id)  # the same question again
        return
    _set_note_cache(context, False)
    if result.outcome == "duplicate":
        return
    if result.outcome == "no_draft":  # closed meanwhile (resolved elsewhere): not a note
        await fallback(update, context)
        return
    if result.outcome == "done":
        await context.bot.send_message(uid, t(N_("Note saved.")))
    elif result.outcome in _FU_REFUSALS:
        await context.bot.send_message(uid, t(_FU_REFUSALS[result.outcome]))
    if result.card is not None:
        await context.bot.send_message(
            uid,
            render_card(result.card, t, uid),
            parse_mode=ParseMode.HTML,
            reply_markup=card_buttons(result.card, t, uid),  # type: ignore[arg-type]
            protect_content=True,
        )


async def note_route(update: Update, context: Context) -> bool:
    """A typed follow-up note, when this coordinator has one open. Cheap for
    women: the role is looked up once and cached (a negative too)."""
    msg = update.effective_message
    if msg is None or msg.text is None or msg.text.startswith("/") or update.effective_user is None:
        return False
    cache = context.user_data if context.user_data is not None else {}
    if await cached_role(update, context) not in COORDINATORS:
        return False
    has_note = cache.get(NOTE_CACHE)
    if has_note is None:
        has_note = await context.runtime.follow_up.has_note_draft(update.effective_user.id)
        cache[NOTE_CACHE] = has_note
    if not has_note:
        return False
    await typed_note(update, context)
    return True


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("tindak_lanjut", follow_up_command, filters=private),
            CallbackQueryHandler(follow_up_callback, pattern=r"^tl:"),
        ]
    )
    if note_route not in TEXT_ROUTES:  # one route even when several apps are built
        TEXT_ROUTES.append(note_route)
