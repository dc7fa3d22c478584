"""Women finding and joining classes: /kelas (the "Kelas" button), a class's
details, "Ikut kelas ini" with a confirmation, /kelas_saya with "Batalkan",
and "Ambil" / "Lepas" for a seat held for her.

Callback data is ``k:<action>:<id>`` (or ``k:n``), checked against a strict
pattern; the service (``wrse_bot.services.classes``) re-loads every row it
names and re-checks who owns it and whether its class is still published, so
a forged or stale button changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from html import escape as esc
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from conversations import intake
from conversations.common import (
    MENU_CLASSES,
    NOT_VALID,
    edit_html,
    menu_filter,
    send_html,
    tr,
    user_id,
)
from wrse_bot.buttons import ClassButton
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.classes import Span, Standing, first_clash
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import EnrolmentStatus
from wrse_bot.i18n import N_, Translator
from wrse_bot.services import classes as svc
from wrse_bot.services.class_labels import when
from wrse_bot.services.classes import LET_GO, TAKE, ClassCard, EnrolResult, Listing, MyPlace
from wrse_bot.services.roles import COMPANIONS, role_of
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, inline

PAGE_SIZE = 8
HOLD_CHECK_SECONDS = 60  # how often held seats are checked for an expired hold

NOT_OPEN = N_("Sorry, this class is no longer open.")
ALREADY_ENROLLED = N_("You are already enrolled in this class.")
MY_CLASSES_HINT = N_("See your classes: /kelas_saya")
FOR_COMPANIONS = N_(
    "You enrol the women you accompany in a class: type /kelaskan and her number, for "
    "example: /kelaskan 12. The numbers are in /dampingan, where you can also tap 🎓 beside "
    "her name."
)
# Outcomes of a tap answered with an alert alone.
ALERTS = {"closed": NOT_OPEN, "not_yours": NOT_VALID, "not_found": NOT_VALID}
REFUSALS = {
    "clash": N_(
        "Sorry, this class is at the same time as the class <b>{other}</b> you already "
        "have ({when}). Please choose another class."
    ),
    "deadline": N_("Sorry, enrolment for this class closed on {deadline}."),
    "started": N_("Sorry, this class has already started."),
}
SEAT_DONE = {
    "cancelled": N_("Your place in the class <b>{title}</b> is cancelled."),
    "released": N_(
        "All right, the seat goes to the next person waiting. Thank you for telling us."
    ),
    "expired": N_("Sorry, the time to take this seat has ended."),
    "not_offered": N_("This seat is no longer offered to you."),
}


def cb(action: str, ident: int = 0) -> str:
    return ClassButton(action, ident).encode()


# ---- rendering ------------------------------------------------------------------------


def _name(t: Translator, card: ClassCard) -> str:
    return f"{esc(t(SKILLS.get(card.skill, card.skill)))}: {esc(card.title)}"


def _where(card: ClassCard) -> str:
    kecamatan = load_places().name(card.kecamatan_code, card.kecamatan_code)
    return f"📍 {esc(card.place)}, {esc(kecamatan)}"


def _session(t: Translator, span: Span) -> str:
    return f"{when(t, span[0])} - {t.time(span[1])}"


def _schedule(t: Translator, card: ClassCard) -> list[str]:
    return [f"• {_session(t, span)}" for span in card.spans]


def _seats(t: Translator, card: ClassCard) -> str:
    if card.free > 0:
        return "🪑 " + t(N_("Seats left: {n}")).format(n=card.free)
    return "🪑 " + t(N_("Full — you can join the waiting list"))


def paged(
    t: Translator, cards: Sequence[ClassCard], page: int, size: int, turn: Callable[[int], str]
) -> tuple[int, Sequence[ClassCard], list[InlineKeyboardButton]]:
    """Page ``page`` of ``cards`` (kept in range): the number before its first
    card, its cards, and ⬅️ / ➡️ (``turn`` gives their data) where there is more."""
    pages = (len(cards) + size - 1) // size
    page = min(max(page, 0), pages - 1)
    nav = [button("⬅️ " + t(N_("Previous")), turn(page - 1))] if page > 0 else []
    if page < pages - 1:
        nav.append(button(t(N_("Next")) + " ➡️", turn(page + 1)))
    return page * size, cards[page * size : (page + 1) * size], nav


def card_lines(t: Translator, number: int, card: ClassCard, *, meetings: bool = True) -> list[str]:
    """An open class in a list (it has sessions)."""
    assert card.first_start is not None
    count = " · " + t(N_("{n} meetings")).format(n=len(card.sessions)) if meetings else ""
    lines = ["", f"<b>{number}. {_name(t, card)}</b>", _where(card)]
    return [*lines, f"🗓 {when(t, card.first_start)}{count}", _seats(t, card)]


def listing_page(
    listing: Listing, t: Translator, page: int, office: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    cards = listing.cards
    if not cards:
        return t(N_("There are no open classes yet. We will announce new classes here.")), None
    first, shown, nav = paged(t, cards, page, PAGE_SIZE, partial(cb, "p"))
    # One page needs no count ("1-1 dari 1" reads oddly); more pages say where she is.
    if len(cards) <= PAGE_SIZE:
        lines = [t(N_("<b>Open classes</b>"))]
    else:
        lines = [
            t(N_("<b>Classes {first}–{last} of {total}</b>")).format(
                first=first + 1, last=first + len(shown), total=len(cards)
            )
        ]
    rows = []
    for number, card in enumerate(shown, start=first + 1):
        lines += card_lines(t, number, card)
        rows.append([button(f"{number}. {card.title}"[:60], cb("v", card.id))])
    lines += ["", t(N_("Tap a class to see the details."))]
    if note := _standing_note(t, listing.standing, office):
        lines += ["", note]
    return "\n".join(lines), inline([*rows, nav])


def _standing_note(t: Translator, standing: Standing, office: str) -> str | None:
    """Why she cannot enrol yet, and what to do; None when she can."""
    if standing is Standing.ELIGIBLE:
        return None
    if standing is Standing.NOT_REGISTERED:
        return t(N_("To join a class, please register first: tap <b>Register</b> (/daftar)."))
    # A possible duplicate NIK reads like any registration being checked: the
    # reply must not tell whether a NIK is already registered (issue 9).
    if standing in (Standing.DUPLICATE, Standing.NEEDS_REVIEW):
        return t(
            N_(
                "Your registration is still being checked by an officer. An officer will "
                "contact you; after that you can join a class."
            )
        )
    return t(
        N_(
            "Sorry, these classes are for women who meet the requirements of the WRSE "
            "programme. This is not a judgement of you. You can ask about other help at your "
            "desa or kelurahan office, or at {office}."
        )
    ).format(office=esc(office))


def detail_text(t: Translator, card: ClassCard) -> str:
    lines = [f"<b>{_name(t, card)}</b>"]
    if card.description:
        lines.append(esc(card.description))
    lines += [
        _where(card),
        "👩‍🏫 " + t(N_("Trainer: {name}")).format(name=esc(card.trainer)),
        "🗓 " + t(N_("Schedule:")),
        *_schedule(t, card),
        "⏳ " + t(N_("Enrolment closes: {deadline}")).format(deadline=when(t, card.enrol_deadline)),
        _seats(t, card),
    ]
    return "\n".join(lines)


def _place_line(t: Translator, place: MyPlace) -> str:
    if place.status == EnrolmentStatus.ENROLLED:
        return "✅ " + t(N_("Enrolled"))
    if place.status == EnrolmentStatus.WAITLISTED:
        return "⏳ " + t(N_("Waiting list, number {position}")).format(position=place.position)
    if place.status == EnrolmentStatus.OFFERED and place.offered_until is not None:
        return "🎁 " + t(N_("Seat held for you until {until}")).format(
            until=when(t, place.offered_until)
        )
    return ""


def refusal_facts(t: Translator, result: EnrolResult) -> dict[str, Any]:
    """What a refusal may name: the class, its deadline, the class it clashes with and when."""
    card, other = result.card, result.clash_with
    facts: dict[str, Any] = dict.fromkeys(("title", "deadline", "other", "when"), "")
    facts["position"] = result.position
    if card is not None:
        facts |= {"title": esc(card.title), "deadline": when(t, card.enrol_deadline)}
    if card is not None and other is not None:
        span = first_clash(card.spans, other.spans) or other.spans[0]
        facts |= {"other": esc(other.title), "when": _session(t, span)}
    return facts


def refusal_text(
    t: Translator, result: EnrolResult, office: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Why she cannot join, what to do instead."""
    card, mine = result.card, result.mine
    if result.outcome == "not_allowed":
        return _standing_note(t, result.standing, office) or "", None
    if result.outcome == "already" and mine is not None and card is not None:
        if mine.status == EnrolmentStatus.WAITLISTED:
            text = t(N_("You are already on the waiting list of this class, number {position}."))
            return text.format(position=mine.position) + "\n" + t(MY_CLASSES_HINT), None
        if mine.status == EnrolmentStatus.OFFERED:
            text = f"<b>{_name(t, card)}</b>\n{_place_line(t, mine)}"
            return text, inline([_offer_buttons(t, mine.enrolment_id)])
        return t(ALREADY_ENROLLED) + "\n" + t(MY_CLASSES_HINT), None
    return t(REFUSALS.get(result.outcome, NOT_OPEN)).format(**refusal_facts(t, result)), None


def enrolled_text(t: Translator, result: EnrolResult) -> str:
    card = result.card
    assert card is not None
    if result.outcome == "enrolled":
        head = t(N_("✅ You are enrolled in the class <b>{title}</b>. See you there!"))
    else:
        head = t(
            N_(
                "The class <b>{title}</b> is full. You are on the waiting list, number "
                "{position}. If a seat becomes free, we will tell you here."
            )
        )
    lines = [head.format(title=esc(card.title), position=result.position), _where(card)]
    return "\n".join([*lines, *_schedule(t, card), t(MY_CLASSES_HINT)])


def _offer_buttons(t: Translator, enrolment_id: int, label: str = "") -> list[InlineKeyboardButton]:
    return [
        button("✅ " + t(TAKE) + label, cb("a", enrolment_id)),
        button(t(LET_GO) + label, cb("l", enrolment_id)),
    ]


def my_classes_text(
    t: Translator, places: list[MyPlace]
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not places:
        text = t(
            N_(
                "You have not joined any class yet. Tap <b>Classes</b> to see the classes you "
                "can join."
            )
        )
        return text, None
    lines = [t(N_("<b>Your classes</b>"))]
    rows = []
    for number, place in enumerate(places, start=1):
        card = place.card
        lines += ["", f"<b>{number}. {_name(t, card)}</b>", _place_line(t, place), _where(card)]
        lines += _schedule(t, card)
        label = f": {number}. {card.title}"[:42]
        if place.status == EnrolmentStatus.OFFERED:
            rows.append(_offer_buttons(t, place.enrolment_id, label))
        else:
            rows.append([button("❌ " + t(N_("Cancel")) + label, cb("c", place.enrolment_id))])
    return "\n".join(lines), inline(rows)


# ---- sending ----------------------------------------------------------------------------


def _office(context: Context) -> str:
    return context.runtime.settings.office_contact


async def _show(update: Update, context: Context, text: str, markup: Any = None) -> None:
    """Turn the pressed message into the outcome; a new message if it is gone."""
    query = update.callback_query
    assert query is not None
    if isinstance(query.message, Message):
        try:
            await edit_html(update, text, markup)
            return
        except BadRequest:
            pass
    await send_html(context, user_id(update), text, markup)


async def _answered(update: Update, context: Context, outcome: str) -> bool:
    """Answer the tap; True when that is all: a redelivered update, or an alert
    for a class no longer open or a button that is not hers."""
    query = update.callback_query
    assert query is not None
    alert = ALERTS.get(outcome)
    if alert is None:
        await query.answer()
    else:
        await query.answer(tr(context)(alert), show_alert=True)
    return alert is not None or outcome == "duplicate_update"


async def list_classes(update: Update, context: Context) -> None:
    """/kelas and the "Kelas" button."""
    t = tr(context)
    prefix = t(N_("Please finish your registration first; then you can see the classes."))
    if await intake.resume(update, context, prefix):  # a short answer, then her open question
        return
    runtime = context.runtime
    listing = await svc.list_open(runtime.db, user_id(update))
    if listing.standing is Standing.NOT_REGISTERED and (
        await role_of(runtime.db, runtime.settings, user_id(update)) in COMPANIONS
    ):  # she has no registration of her own: she enrols the women she accompanies
        await context.bot.send_message(user_id(update), t(FOR_COMPANIONS))
        return
    text, markup = listing_page(listing, t, 0, _office(context))
    await send_html(context, user_id(update), text, markup)


async def my_classes(update: Update, context: Context) -> None:
    """/kelas_saya."""
    places = await svc.my_places(context.runtime.db, user_id(update))
    await send_html(context, user_id(update), *my_classes_text(tr(context), places))


def parse_callback(data: str | None) -> tuple[str, int] | None:
    """``(action, id)`` of a well-formed button (``("n", 0)`` for "no"), else None."""
    tap = ClassButton.decode(data)
    if tap is None or tap.action not in _ACTIONS:
        return None
    return tap.action, tap.ident


async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer(tr(context)(NOT_VALID))
        return
    action, ident = parsed
    await _ACTIONS[action](update, context, ident)


async def _no(update: Update, context: Context, ident: int) -> None:
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _show(
        update, context, tr(context)(N_("All right. You can see other classes with /kelas."))
    )


async def _page(update: Update, context: Context, page: int) -> None:
    listing = await svc.list_open(context.runtime.db, user_id(update))
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _show(update, context, *listing_page(listing, tr(context), page, _office(context)))


async def _view(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    result = await svc.preflight(context.runtime.db, user_id(update), class_id)
    if await _answered(update, context, result.outcome) or result.card is None:
        return
    text, mine = detail_text(t, result.card), result.mine
    if result.outcome == "already" and mine is not None:
        text += "\n" + _place_line(t, mine)
        offered = mine.status == EnrolmentStatus.OFFERED
        markup = inline([_offer_buttons(t, mine.enrolment_id)]) if offered else None
    else:
        markup = inline([[button(t(N_("Join this class")), cb("j", class_id))]])
    await send_html(context, user_id(update), text, markup)


async def _join(update: Update, context: Context, class_id: int) -> None:
    """ "Ikut kelas ini": the confirmation, or why not."""
    t = tr(context)
    result = await svc.preflight(context.runtime.db, user_id(update), class_id)
    if await _answered(update, context, result.outcome):
        return
    if result.outcome != "ready" or result.card is None:
        await _show(update, context, *refusal_text(t, result, _office(context)))
        return
    card = result.card
    question = t(N_("Join the class <b>{title}</b>?")).format(title=esc(card.title))
    text = "\n".join([question, _where(card), *_schedule(t, card)])
    yes = button(t(N_("Yes, enrol me")), cb("y", class_id))
    await _show(update, context, text, inline([[yes, button(t(N_("No")), cb("n"))]]))


async def _enrol(update: Update, context: Context, class_id: int) -> None:
    """ "Ya, daftar": a seat, or a place on the waitlist."""
    t, runtime = tr(context), context.runtime
    result = await svc.enrol(
        runtime.db, user_id(update), class_id, update_id=update.update_id, settings=runtime.settings
    )
    if await _answered(update, context, result.outcome):
        return
    if result.outcome in ("enrolled", "waitlisted"):
        await _show(update, context, enrolled_text(t, result))
    else:
        await _show(update, context, *refusal_text(t, result, _office(context)))


async def _ask_cancel(update: Update, context: Context, ident: int) -> None:
    t = tr(context)
    outcome, place = await svc.find_place(context.runtime.db, user_id(update), ident)
    if await _answered(update, context, outcome) or place is None:
        return
    text = t(N_("Cancel your place in the class <b>{title}</b>?")).format(
        title=esc(place.card.title)
    )
    markup = inline([[button(t(N_("Yes, cancel")), cb("cy", ident)), button(t(N_("No")), cb("n"))]])
    await send_html(context, user_id(update), text, markup)


async def _seat_action(action: str, update: Update, context: Context, ident: int) -> None:
    """Batalkan (confirmed, "cy"), Ambil ("a") and Lepas ("l")."""
    t, runtime = tr(context), context.runtime
    do = {"cy": svc.cancel, "a": svc.take_offer, "l": svc.release_offer}[action]
    result = await do(
        runtime.db, runtime.settings, user_id(update), ident, update_id=update.update_id
    )
    if await _answered(update, context, result.outcome):
        return
    card = result.card
    assert card is not None
    if result.outcome == "taken":
        head = t(N_("✅ The seat is yours: you are enrolled in the class <b>{title}</b>."))
        lines = [head.format(title=esc(card.title)), _where(card), *_schedule(t, card)]
        text = "\n".join(lines)
    elif result.outcome == "already":
        text = t(ALREADY_ENROLLED if action == "a" else N_("This place was already cancelled."))
    else:
        text = t(SEAT_DONE.get(result.outcome, SEAT_DONE["not_offered"]))
        text = text.format(title=esc(card.title))
    await _show(update, context, text)


_ACTIONS: dict[str, Callable[[Update, Context, int], Any]] = {
    "n": _no,
    "p": _page,
    "v": _view,
    "j": _join,
    "y": _enrol,
    "c": _ask_cancel,
    **{action: partial(_seat_action, action) for action in ("cy", "a", "l")},
}


async def expire_holds_job(context: Context) -> None:
    """Held seats whose time ran out pass to the next woman waiting."""
    runtime = context.runtime
    await svc.expire_holds(runtime.db, runtime.settings)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("kelas", list_classes, filters=private),
            CommandHandler("kelas_saya", my_classes, filters=private),
            MessageHandler(private & menu_filter(MENU_CLASSES), list_classes),
            CallbackQueryHandler(on_callback, pattern=ClassButton.pattern()),
        ]
    )
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            expire_holds_job,
            interval=HOLD_CHECK_SECONDS,
            first=HOLD_CHECK_SECONDS,
            name="classes:expire_holds",
        )
