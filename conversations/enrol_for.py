"""/kelaskan <number>, or 🎓 on /dampingan: a companion enrols a woman of her
desa who has no Telegram in a class (issue 11). The open classes as buttons,
a confirmation, then the same enrolment as hers (wrse_bot/services/enrol_for.py).
Companions only; her desa is checked on the server at every tap, and a forged
button for another desa is refused and audit-logged."""

from __future__ import annotations

from functools import partial
from html import escape as esc

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations.auth import requires
from conversations.classes import (
    NOT_OPEN,
    NOT_VALID,
    _schedule,
    _show,
    _where,
    card_lines,
    paged,
    refusal_facts,
)
from conversations.common import send_html, tr, user_id
from wrse_bot.buttons import EnrolFor
from wrse_bot.domain.digits import parse_uint
from wrse_bot.i18n import N_, Translator
from wrse_bot.services import enrol_for as svc
from wrse_bot.services.classes import EnrolResult
from wrse_bot.services.enrol_for import Her
from wrse_bot.services.roles import COMPANIONS
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, inline

PAGE_SIZE = 6
USAGE = N_(
    "Type /kelaskan and her number, for example: /kelaskan 12. "
    "The numbers are in /dampingan, where you can also tap 🎓 beside her name."
)
NOT_HERS = N_("Number {number} is not a woman of your desa.")
OWN_TELEGRAM = N_("{name} has her own Telegram now: she chooses her classes herself with /kelas.")
HEAD = N_("<b>Classes for {name}</b> (No. {number})")
NO_CLASSES = N_("There are no open classes now.")
TAP_ONE = N_("Tap a class to enrol her.")
CONFIRM = N_("Enrol {name} in the class <b>{title}</b>?")
YES = N_("Yes, enrol her")
NO = N_("No")
NOTHING = N_("All right, nothing changed.")
ENROLLED = N_(
    "✅ {name} is enrolled in the class <b>{title}</b>. Her reminders come in your daily digest."
)
OUTCOMES = {
    "waitlisted": N_(
        "The class <b>{title}</b> is full: {name} is on its waiting list, number {position}. "
        "If a seat is freed for her, your daily digest says so."
    ),
    "not_allowed": N_(
        "{name} cannot join a class yet: her registration does not meet the requirements, "
        "or an officer is still checking it."
    ),
    "already": N_("{name} already has a place in this class."),
    "clash": N_(
        "This class is at the same time as the class <b>{other}</b> she already has ({when})."
    ),
    "deadline": N_("Enrolment for this class closed on {deadline}."),
    "started": N_("This class has already started."),
}


async def send_listing(
    update: Update, context: Context, woman: Her, page: int = 0, *, turned: bool = False
) -> None:
    """Page ``page`` of the classes she could join, in a new message (in place
    of the tapped one when the companion ``turned`` a page)."""
    t = tr(context)
    listing = await svc.open_classes(context.runtime.db, woman)
    lines = [t(HEAD).format(name=esc(woman.name), number=woman.registrant_id)]
    markup: InlineKeyboardMarkup | None = None
    if not listing.cards:
        lines += ["", t(NO_CLASSES)]
    else:
        turn = partial(_data, "p", woman)
        first, shown, nav = paged(t, listing.cards, page, PAGE_SIZE, turn)
        rows = []
        for number, card in enumerate(shown, start=first + 1):
            lines += card_lines(t, number, card, meetings=False)
            rows.append([button(f"{number}. {card.title}"[:60], _data("v", woman, card.id))])
        lines += ["", t(TAP_ONE)]
        markup = inline([*rows, nav])
    if turned:
        await _show(update, context, "\n".join(lines), markup)
    else:
        await send_html(context, user_id(update), "\n".join(lines), markup)


def _data(op: str, woman: Her, ident: int = 0) -> str:
    return EnrolFor(op, woman.registrant_id, ident).encode()


def outcome_text(t: Translator, woman: Her, result: EnrolResult) -> str:
    card = result.card
    if result.outcome == "enrolled" and card is not None:
        head = t(ENROLLED).format(name=esc(woman.name), title=esc(card.title))
        return "\n".join([head, _where(card), *_schedule(t, card)])
    text = t(OUTCOMES.get(result.outcome, NOT_OPEN))
    return text.format(name=esc(woman.name), **refusal_facts(t, result))


async def _her(update: Update, context: Context, registrant_id: int, what: str) -> Her | None:
    """She, if she is a woman of this companion's desa without Telegram; else
    the companion is told why not (and a look outside her desa is audit-logged)."""
    t = tr(context)
    woman = await svc.her(context.runtime.db, user_id(update), registrant_id, what=what)
    if woman.who == "ok":
        return woman
    text = (
        t(OWN_TELEGRAM).format(name=woman.name)
        if woman.who == "own_telegram"
        else t(NOT_HERS).format(number=registrant_id)
    )
    query = update.callback_query
    if query is not None:
        await query.answer(text if woman.who == "own_telegram" else t(NOT_VALID), show_alert=True)
    else:
        await context.bot.send_message(user_id(update), text)
    return None


@requires(COMPANIONS)
async def command(update: Update, context: Context) -> None:
    args = context.args or []
    number = parse_uint(args[0].lstrip("#")) if len(args) == 1 else None
    if number is None:
        await context.bot.send_message(user_id(update), tr(context)(USAGE))
    elif woman := await _her(update, context, number, "kelaskan"):
        await send_listing(update, context, woman)


@requires(COMPANIONS)
async def on_tap(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    tap = EnrolFor.decode(query.data)
    if tap is None or tap.op not in ("s", "p", "v", "y", "n"):
        await query.answer(t(NOT_VALID), show_alert=True)
        return
    if tap.op == "n":
        await query.answer()
        await _show(update, context, t(NOTHING))
        return
    woman = await _her(update, context, tap.registrant, f"kelaskan:{tap.op}")
    if woman is None:
        return
    db, settings = context.runtime.db, context.runtime.settings
    if tap.op in ("s", "p"):  # "s", from her caseload entry: the list in a message of its own
        await query.answer()
        page = tap.ident if tap.op == "p" else 0
        await send_listing(update, context, woman, page, turned=tap.op == "p")
        return
    if tap.op == "v":  # ask to confirm ("ready"), or why not
        result = await svc.preflight(db, woman, tap.ident)
    else:
        uid, update_id = user_id(update), update.update_id
        result = await svc.enrol(db, settings, uid, woman, tap.ident, update_id=update_id)
    await query.answer()
    if (card := result.card) is not None and result.outcome == "ready":
        confirm = t(CONFIRM).format(name=esc(woman.name), title=esc(card.title))
        text = "\n".join([confirm, _where(card), *_schedule(t, card)])
        yes, no = button(t(YES), _data("y", woman, card.id)), button(t(NO), _data("n", woman))
        await _show(update, context, text, inline([[yes, no]]))
    elif result.outcome != "duplicate_update":
        await _show(update, context, outcome_text(t, woman, result))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handlers(
        [
            CommandHandler("kelaskan", command, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(on_tap, pattern=EnrolFor.pattern()),
        ]
    )
