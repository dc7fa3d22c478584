"""The buttons of a companion's daily digest (wrse_bot/services/digests.py): ✅ she
was told, 🪑 a seat taken or declined for her. Companions only; the services check
the digest, her desa and the seat again, and refuse and audit-log anything forged."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from conversations.auth import requires
from conversations.classes import NOT_VALID
from conversations.common import tr, user_id
from wrse_bot.buttons import DigestTap
from wrse_bot.i18n import N_
from wrse_bot.services import digests, enrol_for
from wrse_bot.services.roles import COMPANIONS
from wrse_bot.telegram.context import Context

TOLD = N_("✅ Noted: {name} was told, {when}. Thank you!")
ALREADY_TOLD = N_("Already noted: {name} was told, {when}.")
TAKEN = N_("✅ The seat is hers: {name} is enrolled in the class <b>{title}</b>.")
RELEASED = N_(
    "All right: {name} lets the seat in the class <b>{title}</b> go to the next woman waiting."
)
LAPSED = N_("Sorry, the time to take this seat has ended.")
NOT_OFFERED = N_("This seat is no longer offered to her.")
OWN_TELEGRAM = N_("{name} has her own Telegram now: she answers this herself.")


@requires(COMPANIONS)
async def on_tap(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    tap = DigestTap.decode(query.data)
    if tap is None or tap.op not in ("t", "a", "l"):
        await query.answer(t(NOT_VALID), show_alert=True)
        return
    runtime, me = context.runtime, user_id(update)
    if tap.op == "t":
        told = await digests.record_told(
            runtime.db, me, tap.ident, tap.digest, update_id=update.update_id
        )
        if told.outcome == "refused":
            await query.answer(t(NOT_VALID), show_alert=True)
            return
        await query.answer()
        if told.outcome == "duplicate_update" or told.at is None:
            return
        text = TOLD if told.outcome == "recorded" else ALREADY_TOLD
        when = f"{t.date(told.at.astimezone(t.tz).date())} {t.time(told.at)}"
        await context.bot.send_message(me, t(text).format(name=told.name, when=when))
        return
    action = "take" if tap.op == "a" else "release"
    seat = await enrol_for.seat_for(
        runtime.db, runtime.settings, me, tap.ident, action, update_id=update.update_id
    )
    woman, result = seat.woman, seat.result
    if woman.who == "own_telegram":
        await query.answer(t(OWN_TELEGRAM).format(name=woman.name), show_alert=True)
        return
    if woman.who != "ok" or result is None or result.outcome in ("not_yours", "not_found"):
        await query.answer(t(NOT_VALID), show_alert=True)
        return
    await query.answer()
    if result.outcome == "duplicate_update":
        return
    taken = result.outcome == "taken" or (result.outcome == "already" and tap.op == "a")
    said = TAKEN if taken else {"released": RELEASED, "expired": LAPSED}.get(result.outcome)
    title = html.escape(result.card.title) if result.card else ""
    text = t(said or NOT_OFFERED).format(name=html.escape(woman.name), title=title)
    await context.bot.send_message(me, text, parse_mode=ParseMode.HTML)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_tap, pattern=DigestTap.pattern()))
