"""Women finding and joining classes: /kelas (the "Kelas" button), a class's
details, "Ikut kelas ini" with a confirmation, /kelas_saya with "Batalkan",
and "Ambil" / "Lepas" for a seat held for her.

Thin handlers: each parses the update, calls one service in
``wrse_bot.services.classes`` and renders the result. Callback data is
``k:<action>:<id>`` (or ``k:n``), checked against a strict pattern; the
service re-loads every row it names and re-checks who owns it and whether
its class is still published, so a forged or stale button changes nothing.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from conversations import intake
from conversations.common import MENU_CLASSES, NOT_VALID, menu_filter, tr, user_id
from wrse_bot.buttons import ClassButton
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.classes import Span, Standing, first_clash
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import EnrolmentStatus
from wrse_bot.i18n import N_, Translator
from wrse_bot.services import classes as svc
from wrse_bot.services.class_labels import when
from wrse_bot.services.classes import (
    LET_GO,
    TAKE,
    ClassCard,
    EnrolResult,
    Listing,
    MyPlace,
)
from wrse_bot.services.roles import COMPANIONS, role_of
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, inline

PAGE_SIZE = 8
# How often held seats are checked for an expired hold (seconds).
HOLD_CHECK_SECONDS = 60

NOT_OPEN = N_("Sorry, this class is no longer open.")
ALREADY_ENROLLED = N_("You are already enrolled in this class.")
MY_CLASSES_HINT = N_("See your classes: /kelas_saya")
FOR_COMPANIONS = N_(
    "You enrol the women you accompany in a class: type /kelaskan and her number, for "
    "example: /kelaskan 12. The numbers are in /dampingan, where you can also tap 🎓 beside "
    "her name."
)


def cb(action: str, ident: int = 0) -> str:
    return ClassButton(action, ident).encode()


# ---- rendering ------------------------------------------------------------------------


def _esc(value: str) -> str:
    return html.escape(value)


def _name(t: Translator, card: ClassCard) -> str:
    return f"{_esc(t(SKILLS.get(card.skill, card.skill)))}: {_esc(card.title)}"


def _where(card: ClassCard) -> str:
    kecamatan = load_places().name(card.kecamatan_code, card.kecamatan_code)
    return f"📍 {_esc(card.place)}, {_esc(kecamatan)}"


def _session(t: Translator, span: Span) -> str:
    return f"{when(t, span[0])} - {t.time(span[1])}"


def _schedule(t: Translator, card: ClassCard) -> list[str]:
    return [f"• {_session(t, span)}" for span in card.spans]


def _seats(t: Translator, card: ClassCard) -> str:
    if card.free > 0:
        return "🪑 " + t(N_("Seats left: {n}")).format(n=card.free)
    return "🪑 " + t(N_("Full — you can join the waiting list"))


def listing_page(
    listing: Listing, t: Translator, page: int, office: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    cards = listing.cards
    if not cards:
        return t(N_("There are no open classes yet. We will announce new classes here.")), None
    pages = (len(cards) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    first = page * PAGE_SIZE
    shown = cards[first : first + PAGE_SIZE]
    # One page needs no count ("1-1 dari 1" reads oddly); more pages say where she is.
    if pages == 1:
        header = t(N_("<b>Open classes</b>"))
    else:
        header = t(N_("<b>Classes {first}–{last} of {total}</b>")).format(
            first=first + 1, last=first + len(shown), total=len(cards)
        )
    lines = [header]
    rows = []
    for number, card in enumerate(shown, start=first + 1):
        start = card.first_start
        assert start is not None
        meetings = t(N_("{n} meetings")).format(n=len(card.sessions))
        lines += [
            "",
            f"<b>{number}. {_name(t, card)}</b>",
            _where(card),
            f"🗓 {when(t, start)} · {meetings}",
            _seats(t, card),
        ]
        rows.append([button(f"{number}. {card.title}"[:60], cb("v", card.id))])
    lines += ["", t(N_("Tap a class to see the details."))]
    note = _standing_note(t, listing.standing, office)
    if note:
        lines += ["", note]
    nav = []
    if page > 0:
        nav.append(button("⬅️ " + t(N_("Previous")), cb("p", page - 1)))
    if page < pages - 1:
        nav.append(button(t(N_("Next")) + " ➡️", cb("p", page + 1)))
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
    ).format(office=_esc(office))


def detail_text(t: Translator, card: ClassCard) -> str:
    lines = [f"<b>{_name(t, card)}</b>"]
    if card.description:
        lines.append(_esc(card.description))
    lines += [
        _where(card),
        "👩‍🏫 " + t(N_("Trainer: {name}")).format(name=_esc(card.trainer)),
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


def refusal_text(
    t: Translator, result: EnrolResult, office: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Why she cannot join, what to do instead."""
    card = result.card
    if result.outcome == "not_allowed":
        return _standing_note(t, result.standing, office) or "", None
    if result.outcome == "already" and result.mine is not None and card is not None:
        mine = result.mine
        if mine.status == EnrolmentStatus.WAITLISTED:
            text = t(N_("You are already on the waiting list of this class, number {position}."))
            return text.format(position=mine.position) + "\n" + t(MY_CLASSES_HINT), None
        if mine.status == EnrolmentStatus.OFFERED:
            return "\n".join([f"<b>{_name(t, card)}</b>", _place_line(t, mine)]), _offer_buttons(
                t, mine.enrolment_id
            )
        return t(ALREADY_ENROLLED) + "\n" + t(MY_CLASSES_HINT), None
    if result.outcome == "clash" and card is not None and result.clash_with is not None:
        other = result.clash_with
        span = first_clash(card.spans, other.spans) or other.spans[0]
        text = t(
            N_(
                "Sorry, this class is at the same time as the class <b>{other}</b> you already "
                "have ({when}). Please choose another class."
            )
        )
        return text.format(other=_esc(other.title), when=_session(t, span)), None
    if result.outcome == "deadline" and card is not None:
        text = t(N_("Sorry, enrolment for this class closed on {deadline}."))
        return text.format(deadline=when(t, card.enrol_deadline)), None
    if result.outcome == "started":
        return t(N_("Sorry, this class has already started.")), None
    return t(NOT_OPEN), None


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
    lines = [
        head.format(title=_esc(card.title), position=result.position),
        _where(card),
        *_schedule(t, card),
        t(MY_CLASSES_HINT),
    ]
    return "\n".join(lines)


def _offer_buttons(t: Translator, enrolment_id: int) -> InlineKeyboardMarkup:
    return inline(
        [[button("✅ " + t(TAKE), cb("a", enrolment_id)), button(t(LET_GO), cb("l", enrolment_id))]]
    )


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
        lines += [
            "",
            f"<b>{number}. {_name(t, card)}</b>",
            _place_line(t, place),
            _where(card),
            *_schedule(t, card),
        ]
        label = f"{number}. {card.title}"[:40]
        if place.status == EnrolmentStatus.OFFERED:
            rows.append(
                [
                    button("✅ " + t(TAKE) + f": {label}", cb("a", place.enrolment_id)),
                    button(t(LET_GO) + f": {label}", cb("l", place.enrolment_id)),
                ]
            )
        else:
            rows.append(
                [button("❌ " + t(N_("Cancel")) + f": {label}", cb("c", place.enrolment_id))]
            )
    return "\n".join(lines), inline(rows)


# ---- sending ----------------------------------------------------------------------------


def _office(context: Context) -> str:
    return context.runtime.settings.office_contact


_resume_with = intake.resume  # mid-registration: a short answer, then her open question


async def _show(
    update: Update,
    context: Context,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Turn the pressed message into the outcome; a new message if it is gone."""
    query = update.callback_query
    assert query is not None
    if isinstance(query.message, Message):
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
    await context.bot.send_message(
        user_id(update), text, parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def list_classes(update: Update, context: Context) -> None:
    """/kelas and the "Kelas" button."""
    t = tr(context)
    if await _resume_with(
        update,
        context,
        t(N_("Please finish your registration first; then you can see the classes.")),
    ):
        return
    runtime = context.runtime
    listing = await svc.list_open(runtime.db, user_id(update))
    if listing.standing is Standing.NOT_REGISTERED and (
        await role_of(runtime.db, runtime.settings, user_id(update)) in COMPANIONS
    ):  # she has no registration of her own: she enrols the women she accompanies
        await context.bot.send_message(user_id(update), t(FOR_COMPANIONS))
        return
    text, markup = listing_page(listing, t, 0, runtime.settings.office_contact)
    await context.bot.send_message(
        user_id(update), text, parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def my_classes(update: Update, context: Context) -> None:
    """/kelas_saya."""
    places = await svc.my_places(context.runtime.db, user_id(update))
    text, markup = my_classes_text(tr(context), places)
    await context.bot.send_message(
        user_id(update), text, parse_mode=ParseMode.HTML, reply_markup=markup
    )


def parse_callback(data: str | None) -> tuple[str, int] | None:
    """``(action, id)`` of a well-formed button (``("n", 0)`` for "no"), else None."""
    tap = ClassButton.decode(data)
    if tap is None or (tap.action not in _ACTIONS and tap.action != "n"):
        return None
    return tap.action, tap.ident


async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer(t(NOT_VALID))
        return
    action, ident = parsed
    if action == "n":
        await query.answer()
        await _show(update, context, t(N_("All right. You can see other classes with /kelas.")))
        return
    handler = _ACTIONS[action]
    await handler(update, context, ident)


async def _page(update: Update, context: Context, page: int) -> None:
    runtime = context.runtime
    listing = await svc.list_open(runtime.db, user_id(update))
    text, markup = listing_page(listing, tr(context), page, runtime.settings.office_contact)
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _show(update, context, text, markup)


async def _view(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    query = update.callback_query
    assert query is not None
    result = await svc.preflight(context.runtime.db, user_id(update), class_id)
    if result.card is None or result.outcome == "closed":
        await query.answer(t(NOT_OPEN), show_alert=True)
        return
    await query.answer()
    text = detail_text(t, result.card)
    markup = None
    if result.outcome == "already" and result.mine is not None:
        mine = result.mine
        text += "\n" + _place_line(t, mine)
        if mine.status == EnrolmentStatus.OFFERED:
            markup = _offer_buttons(t, mine.enrolment_id)
    else:
        markup = inline([[button(t(N_("Join this class")), cb("j", class_id))]])
    await context.bot.send_message(
        user_id(update), text, parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def _join(update: Update, context: Context, class_id: int) -> None:
    """ "Ikut kelas ini": the confirmation, or why not."""
    t = tr(context)
    query = update.callback_query
    assert query is not None
    result = await svc.preflight(context.runtime.db, user_id(update), class_id)
    if result.outcome == "closed":
        await query.answer(t(NOT_OPEN), show_alert=True)
        return
    await query.answer()
    if result.outcome != "ready":
        await _show(update, context, *refusal_text(t, result, _office(context)))
        return
    card = result.card
    assert card is not None
    text = "\n".join(
        [
            t(N_("Join the class <b>{title}</b>?")).format(title=_esc(card.title)),
            _where(card),
            *_schedule(t, card),
        ]
    )
    markup = inline(
        [[button(t(N_("Yes, enrol me")), cb("y", class_id)), button(t(N_("No")), cb("n"))]]
    )
    await _show(update, context, text, markup)


async def _enrol(update: Update, context: Context, class_id: int) -> None:
    """ "Ya, daftar": a seat, or a place on the waitlist."""
    t = tr(context)
    query = update.callback_query
    assert query is not None
    runtime = context.runtime
    result = await svc.enrol(
        runtime.db, user_id(update), class_id, update_id=update.update_id, settings=runtime.settings
    )
    if result.outcome == "duplicate_update":
        await query.answer()
        return
    if result.outcome == "closed":
        await query.answer(t(NOT_OPEN), show_alert=True)
        return
    await query.answer()
    if result.outcome in ("enrolled", "waitlisted"):
        await _show(update, context, enrolled_text(t, result))
    else:
        await _show(update, context, *refusal_text(t, result, _office(context)))


async def _ask_cancel(update: Update, context: Context, ident: int) -> None:
    t = tr(context)
    query = update.callback_query
    assert query is not None
    outcome, place = await svc.find_place(context.runtime.db, user_id(update), ident)
    if outcome == "closed":
        await query.answer(t(NOT_OPEN), show_alert=True)
        return
    if place is None:
        await query.answer(t(NOT_VALID), show_alert=True)
        return
    await query.answer()
    text = t(N_("Cancel your place in the class <b>{title}</b>?")).format(
        title=_esc(place.card.title)
    )
    markup = inline([[button(t(N_("Yes, cancel")), cb("cy", ident)), button(t(N_("No")), cb("n"))]])
    await context.bot.send_message(
        user_id(update), text, parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def _seat_action(update: Update, context: Context, action: str, ident: int) -> None:
    """Batalkan (confirmed), Ambil and Lepas."""
    t = tr(context)
    query = update.callback_query
    assert query is not None
    runtime = context.runtime
    do = {"cy": svc.cancel, "a": svc.take_offer, "l": svc.release_offer}[action]
    result = await do(
        runtime.db, runtime.settings, user_id(update), ident, update_id=update.update_id
    )
    if result.outcome == "duplicate_update":
        await query.answer()
        return
    if result.outcome in ("not_yours", "not_found"):
        await query.answer(t(NOT_VALID), show_alert=True)
        return
    if result.outcome == "closed":
        await query.answer(t(NOT_OPEN), show_alert=True)
        return
    await query.answer()
    card = result.card
    assert card is not None
    title = _esc(card.title)
    if result.outcome == "cancelled":
        text = t(N_("Your place in the class <b>{title}</b> is cancelled.")).format(title=title)
    elif result.outcome == "taken":
        head = t(N_("✅ The seat is yours: you are enrolled in the class <b>{title}</b>."))
        text = "\n".join([head.format(title=title), _where(card), *_schedule(t, card)])
    elif result.outcome == "released":
        text = t(
            N_("All right, the seat goes to the next person waiting. Thank you for telling us.")
        )
    elif result.outcome == "expired":
        text = t(N_("Sorry, the time to take this seat has ended."))
    elif result.outcome == "already" and action == "a":
        text = t(ALREADY_ENROLLED)
    elif result.outcome == "already":
        text = t(N_("This place was already cancelled."))
    else:  # not_offered
        text = t(N_("This seat is no longer offered to you."))
    await _show(update, context, text)


async def _cancel(update: Update, context: Context, ident: int) -> None:
    await _seat_action(update, context, "cy", ident)


async def _take(update: Update, context: Context, ident: int) -> None:
    await _seat_action(update, context, "a", ident)


async def _release(update: Update, context: Context, ident: int) -> None:
    await _seat_action(update, context, "l", ident)


_ACTIONS = {
    "p": _page,
    "v": _view,
    "j": _join,
    "y": _enrol,
    "c": _ask_cancel,
    "cy": _cancel,
    "a": _take,
    "l": _release,
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
