"""/kelaskan <number>, or 🎓 on /dampingan: a companion enrols a woman of her
desa who has no Telegram in a class (issue 11). The open classes as buttons,
a confirmation, then the same enrolment as hers (wrse_bot/services/enrol_for.py).
Companions only; her desa is checked on the server at every tap, and a forged
button for another desa is refused and audit-logged."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations.auth import requires
from conversations.classes import NOT_OPEN, NOT_VALID, _name, _schedule, _seats, _session, _show
from conversations.classes import _where as where
from conversations.common import tr, user_id
from wrse_bot.buttons import EnrolFor
from wrse_bot.domain.classes import first_clash
from wrse_bot.domain.digits import parse_uint
from wrse_bot.i18n import N_, Translator
from wrse_bot.services import enrol_for as svc
from wrse_bot.services.class_labels import when
from wrse_bot.services.classes import EnrolResult, Listing
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
WAITLISTED = N_(
    "The class <b>{title}</b> is full: {name} is on its waiting list, number {position}. "
    "If a seat is freed for her, your daily digest says so."
)
NOT_ALLOWED = N_(
    "{name} cannot join a class yet: her registration does not meet the requirements, "
    "or an officer is still checking it."
)
ALREADY = N_("{name} already has a place in this class.")
CLASH = N_("This class is at the same time as the class <b>{other}</b> she already has ({when}).")
DEADLINE = N_("Enrolment for this class closed on {deadline}.")
STARTED = N_("This class has already started.")


def listing_page(
    t: Translator, woman: Her, listing: Listing, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    esc = html.escape
    lines = [t(HEAD).format(name=esc(woman.name), number=woman.registrant_id)]
    cards = listing.cards
    if not cards:
        return "\n".join([*lines, "", t(NO_CLASSES)]), None
    pages = (len(cards) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    first = page * PAGE_SIZE
    rows = []
    for number, card in enumerate(cards[first : first + PAGE_SIZE], start=first + 1):
        assert card.first_start is not None
        lines += ["", f"<b>{number}. {_name(t, card)}</b>", where(card)]
        lines += [f"🗓 {when(t, card.first_start)}", _seats(t, card)]
        label = f"{number}. {card.title}"[:60]
        rows.append([button(label, EnrolFor("v", woman.registrant_id, card.id).encode())])
    lines += ["", t(TAP_ONE)]
    nav = []
    if page > 0:
        nav.append(
            button("⬅️ " + t(N_("Previous")), EnrolFor("p", woman.registrant_id, page - 1).encode())
        )
    if page < pages - 1:
        nav.append(
            button(t(N_("Next")) + " ➡️", EnrolFor("p", woman.registrant_id, page + 1).encode())
        )
    if nav:
        rows.append(nav)
    return "\n".join(lines), inline(rows)


def outcome_text(t: Translator, woman: Her, result: EnrolResult) -> str:
    esc = html.escape
    name = esc(woman.name)
    card = result.card
    title = esc(card.title) if card else ""
    if result.outcome == "enrolled" and card is not None:
        return "\n".join(
            [t(ENROLLED).format(name=name, title=title), where(card), *_schedule(t, card)]
        )
    if result.outcome == "waitlisted":
        return t(WAITLISTED).format(name=name, title=title, position=result.position)
    if result.outcome == "not_allowed":
        return t(NOT_ALLOWED).format(name=name)
    if result.outcome == "already":
        return t(ALREADY).format(name=name)
    if result.outcome == "clash" and card is not None and result.clash_with is not None:
        other = result.clash_with
        span = first_clash(card.spans, other.spans) or other.spans[0]
        return t(CLASH).format(other=esc(other.title), when=_session(t, span))
    if result.outcome == "deadline" and card is not None:
        return t(DEADLINE).format(deadline=when(t, card.enrol_deadline))
    if result.outcome == "started":
        return t(STARTED)
    return t(NOT_OPEN)


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
    t = tr(context)
    args = context.args or []
    number = parse_uint(args[0].lstrip("#")) if len(args) == 1 else None
    if number is None:
        await context.bot.send_message(user_id(update), t(USAGE))
        return
    woman = await _her(update, context, number, "kelaskan")
    if woman is None:
        return
    listing = await svc.open_classes(context.runtime.db, woman)
    text, markup = listing_page(t, woman, listing, 0)
    await context.bot.send_message(user_id(update), text, parse_mode="HTML", reply_markup=markup)


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
    runtime = context.runtime
    if tap.op == "s":  # from her caseload entry: the list in a message of its own
        await query.answer()
        listing = await svc.open_classes(runtime.db, woman)
        text, markup = listing_page(t, woman, listing, 0)
        await context.bot.send_message(
            user_id(update), text, parse_mode="HTML", reply_markup=markup
        )
        return
    if tap.op == "p":
        await query.answer()
        listing = await svc.open_classes(runtime.db, woman)
        await _show(update, context, *listing_page(t, woman, listing, tap.ident))
        return
    if tap.op == "v":
        result = await svc.preflight(runtime.db, woman, tap.ident)
        await query.answer()
        if result.outcome != "ready" or result.card is None:
            await _show(update, context, outcome_text(t, woman, result))
            return
        card = result.card
        text = "\n".join(
            [
                t(CONFIRM).format(name=html.escape(woman.name), title=html.escape(card.title)),
                where(card),
                *_schedule(t, card),
            ]
        )
        markup = inline(
            [
                [
                    button(t(YES), EnrolFor("y", woman.registrant_id, card.id).encode()),
                    button(t(NO), EnrolFor("n", woman.registrant_id).encode()),
                ]
            ]
        )
        await _show(update, context, text, markup)
        return
    result = await svc.enrol(
        runtime.db, runtime.settings, user_id(update), woman, tap.ident, update_id=update.update_id
    )
    await query.answer()
    if result.outcome == "duplicate_update":
        return
    await _show(update, context, outcome_text(t, woman, result))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handlers(
        [
            CommandHandler("kelaskan", command, filters=filters.ChatType.PRIVATE),
            CallbackQueryHandler(on_tap, pattern=EnrolFor.pattern()),
        ]
    )
