"""Staff: publish a class (/kelas_baru) or change it (both are forms, the tables
of ``wrse_bot.forms.class_form``, run and drawn like every form's; here their
review screens: the preview of a new class, the confirmation of a change),
cancel it (/kelas_staf), see its roster (/peserta) and mark attendance (/hadir:
a class, a session, then a sheet of the women enrolled to tick, then "Simpan").
Rules live in ``wrse_bot.services.class_*`` and ``services.attendance``.

Action buttons are ``sc:<verb>:<id>[:<id>[:<id>]]``, checked against
``CALLBACK``; every id is re-loaded and re-checked on the server.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from html import escape as esc
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations import forms
from conversations.auth import Handler, requires, shows_phone
from conversations.common import send_html, send_long, stale_button, tr, user_id
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.class_spec import ClassAdminError
from wrse_bot.domain.people import display_phone
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import ClassStatus, EnrolmentStatus
from wrse_bot.forms.class_form import CLASS, CLASS_EDIT, FIELDS, NOW, span_of, spans_of
from wrse_bot.forms.engine import FormState
from wrse_bot.i18n import N_, Translator
from wrse_bot.scheduler import wake
from wrse_bot.services.attendance import AttendanceError, SessionSheet
from wrse_bot.services.class_labels import session_label, when
from wrse_bot.services.class_views import ROSTER_ORDER, ClassCard, RosterLine, read_card
from wrse_bot.services.reminders import COMING, NOT_COMING
from wrse_bot.services.roles import STAFF
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.forms import BACK
from wrse_bot.telegram.keyboards import button, in_rows, inline

T = TypeVar("T")
MAX_SHEET_BUTTONS = 95  # Telegram allows 100 inline buttons per message
CALLBACK = cbd.compile_pattern(
    r"sc:(?P<verb>[a-z]{1,2}):(?P<a>\d{1,9})(?::(?P<b>\d{1,9}))?(?::(?P<c>\d{1,9}))?"
)
GROUP_LABELS = {
    EnrolmentStatus.ENROLLED: N_("Enrolled"),
    EnrolmentStatus.OFFERED: N_("Offered a seat"),
    EnrolmentStatus.WAITLISTED: N_("Waitlist"),
    EnrolmentStatus.CANCELLED: N_("Cancelled"),
}


def act(verb: str, *ids: int) -> str:
    """A staff action button: ``sc:<verb>:<id>[:<id>...]``."""
    return ":".join(["sc", verb, *(str(i) for i in ids)])


# ---- the forms' review screens ----------------------------------------------------------

# The preview's buttons: which answer to change (the engine's ``edit_<question>``).
PREVIEW_FIELDS = {"skill": N_("Skill"), **FIELDS, "sessions": N_("Schedule")}
PREVIEW_FIELDS["deadline"] = N_("Enrolment deadline")


def class_text(t: Translator, info: ClassCard) -> str:
    sessions = [f"  {i}. {session_label(t, s.span)}" for i, s in enumerate(info.sessions, start=1)]
    kecamatan = load_places().name(info.kecamatan_code)
    lines = [
        f"<b>{esc(info.title)}</b> ({esc(t(SKILLS.get(info.skill, info.skill)))})",
        esc(info.description),
        f"• {t(N_('Place'))}: {esc(info.place)}, Kec. {esc(kecamatan)}",
        f"• {t(N_('Trainer'))}: {esc(info.trainer)}",
        f"• {t(N_('Seats'))}: {info.taken}/{info.capacity}",
        f"• {t(N_('Enrolment deadline'))}: {when(t, info.enrol_deadline)}",
        f"• {t(N_('Schedule'))}:",
        *sessions,
    ]
    if info.status != ClassStatus.PUBLISHED:
        lines.insert(0, "❌ " + t(N_("Cancelled")))
    return "\n".join(lines)


def preview(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The new class as women will see it, "Terbitkan", and a button per answer to change."""
    a = state.answers
    rows = [
        (N_("Skill"), t(SKILLS.get(a.get("skill") or "", "-"))),
        (N_("Title"), a.get("title")),
        (N_("Description"), a.get("description")),
        (N_("Place"), f"{a.get('place')}, Kec. {load_places().name(a.get('kecamatan_code'))}"),
        (N_("Trainer"), a.get("trainer")),
        (N_("Seats"), a.get("capacity")),
        (N_("Enrolment deadline"), when(t, datetime.fromisoformat(a["deadline"]))),
    ]
    text = [
        t(N_("<b>Preview of the new class</b> (not published yet):")),
        "",
        *(f"• {t(label)}: <b>{esc(str(value))}</b>" for label, value in rows),
        f"• {t(N_('Schedule'))}:",
        *(f"  {i}. {session_label(t, s)}" for i, s in enumerate(spans_of(a), start=1)),
        "",
        t(N_("Tap Publish to show it to the women, or what you would like to change.")),
    ]
    return "\n".join(text), forms.review_keyboard(t, PREVIEW_FIELDS, submit=N_("Publish"), mark="")


def confirmation(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The change to a published class, and who will hear of it."""
    a = state.answers
    now, what = a[NOW], str(a["what"])
    told, to_offer = what.startswith("s") or what == "place", 0
    if what.startswith("s"):
        old, new = span_of(now["sessions"][what[1:]]), span_of(a["value"])
        change = f"{session_label(t, old)}\n→ <b>{session_label(t, new)}</b>"
    elif what == "place":
        place = f"{a['value']}, Kec. {load_places().name(a.get('kecamatan_code'))}"
        change = f"{esc(now['place_label'])}\n→ <b>{esc(place)}</b>"
    else:
        change = f"{esc(str(now[what]))}\n→ <b>{esc(str(a['value']))}</b>"
    if what == "capacity":  # the waiting women the new seats go to, as edit_class offers them
        to_offer = max(0, min(int(a["value"]) - int(now["taken"]), int(now["waiting"])))
    if told:
        who = t(N_("{count} women (enrolled and waiting) will be told.")).format(
            count=now["affected"]
        )
    elif to_offer:
        who = t(
            N_("{count} women waiting will be offered a seat, in the order they joined.")
        ).format(count=to_offer)
    else:
        who = t(N_("Nobody is notified of this change."))
    title = t(N_("Change to class {title}:")).format(title=esc(now["title"]))
    keys = [[button(t(N_("Save")), "submit"), button("⬅️ " + t(BACK), "back")]]
    return "\n".join([title, change, "", who]), inline(keys)


SCREENS = {
    CLASS: forms.Screen(N_("the new class"), review=preview),
    CLASS_EDIT: forms.Screen(
        N_("the change to a class"),
        review=confirmation,
        closed=N_("This class can no longer be changed."),
    ),
}


async def open_change(update: Update, context: Context, class_id: int) -> Any:
    """ "Ubah" on a published class: what to change, then its new value."""
    query = update.callback_query
    assert query is not None
    await forms.open_form(update, context, CLASS_EDIT, class_id, tapped=query.answer)


# ---- commands ---------------------------------------------------------------------------


@requires(STAFF)
async def new_class(update: Update, context: Context) -> None:
    """/kelas_baru: start (or return to) the class form."""
    await forms.open_form(update, context, CLASS)


def _picker(name: str, verb: str, question: str) -> Handler:
    """A command that lists the published classes as buttons ``sc:<verb>:<id>``."""

    async def pick(update: Update, context: Context) -> None:
        t = tr(context)
        classes = await context.runtime.class_admin.classes()
        if not classes:
            await send_html(context, user_id(update), t(N_("There are no published classes yet.")))
            return
        day = {c.id: f" ({c.first_start.astimezone(t.tz):%d/%m})" for c in classes if c.first_start}
        rows = [[button(c.title + day.get(c.id, ""), act(verb, c.id))] for c in classes]
        await send_html(context, user_id(update), t(question), inline(rows))

    pick.__name__ = name  # the audit of a refusal names the command
    return requires(STAFF)(pick)


# /kelas_staf: a class to change or cancel; /peserta: who is in it; /hadir: a session, who came.
manage_classes = _picker("manage_classes", "c", N_("Which class?"))
roster_command = _picker("roster_command", "r", N_("Whose participants do you want to see?"))
attendance_command = _picker("attendance_command", "h", N_("Attendance for which class?"))


# ---- buttons ---------------------------------------------------------------------------


def parse_callback(data: str | None) -> tuple[str, list[int]] | None:
    """``(verb, ids)`` of an action button; None when forged."""
    found = cbd.match(CALLBACK, data)
    if found is None:
        return None
    raw = [x for x in found.group("a", "b", "c") if x is not None]
    ids = [n for n in map(cbd.number, raw) if n is not None]
    return (found["verb"], ids) if len(ids) == len(raw) else None


@requires(STAFF)
async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    verb, ids = parse_callback(query.data) or ("", [])
    handler = ACTIONS.get((verb, len(ids)))
    if handler is None:  # forged, or of a kind we no longer write
        await stale_button(update, context)
        return
    await handler(update, context, *ids)


async def _answered(update: Update, context: Context, found: object) -> bool:
    """Answer the tap: False, told "no longer valid", when what it names is gone."""
    if not found:
        await stale_button(update, context)
        return False
    await update.callback_query.answer()  # type: ignore[union-attr]
    return True


def _manage(t: Translator, class_id: int) -> list[InlineKeyboardButton]:
    return [
        button(t(N_("Change")), act("e", class_id)),
        button(t(N_("Cancel class")), act("x", class_id)),
    ]


async def show_class(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    info = await context.runtime.class_admin.info(class_id)
    if not await _answered(update, context, info) or info is None:
        return
    rows = [[button(t(N_("Participants")), act("r", class_id))]]
    if info.status == ClassStatus.PUBLISHED:
        rows = [_manage(t, class_id), [*rows[0], button(t(N_("Attendance")), act("h", class_id))]]
    await send_html(context, user_id(update), class_text(t, info), inline(rows))


async def ask_cancel(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    service = context.runtime.class_admin
    info = await service.info(class_id)
    live = info and info.status == ClassStatus.PUBLISHED
    if not await _answered(update, context, live) or info is None:
        return
    people = await service.affected(class_id)
    names = [f"• {esc(p.name)} ({t(GROUP_LABELS.get(p.status, p.status)).lower()})" for p in people]
    text = "\n".join(
        [
            t(N_("<b>Cancel class {title}?</b> This cannot be undone.")).format(
                title=esc(info.title)
            ),
            t(N_("{count} women (enrolled and waiting) will be told:")).format(count=len(people))
            if people
            else t(N_("Nobody has joined yet.")),
            *names,
        ]
    )
    yes = button(t(N_("Yes, cancel the class")), act("xy", class_id))
    keep = button(t(N_("No, keep it")), act("c", class_id))
    await send_long(context, user_id(update), text, inline([[yes], [keep]]))


async def confirm_cancel(update: Update, context: Context, class_id: int) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    done = await context.runtime.class_admin.cancel(user_id(update), update.update_id, class_id)
    if isinstance(done, ClassAdminError):
        await query.answer(t.render(done.message, done.params))
        return
    await query.answer()
    if done is None:  # a redelivered update
        return
    if done.notified:
        wake(context.application)
    text = t(N_("The class is cancelled. {count} women were notified.")).format(count=done.notified)
    await send_html(context, user_id(update), text)


async def show_roster(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    roster = await context.runtime.class_admin.roster(user_id(update), class_id)
    if not await _answered(update, context, roster) or roster is None:
        return
    show_phone = shows_phone(context)
    info = roster.info
    lines = [
        t(N_("<b>Participants: {title}</b>")).format(title=esc(info.title)),
        t(N_("Seats taken: {taken} of {capacity}")).format(
            taken=info.taken, capacity=info.capacity
        ),
    ]
    for status in ROSTER_ORDER:
        people = roster.groups.get(status, [])
        lines += ["", f"<b>{t(GROUP_LABELS[status])} ({len(people)})</b>"]
        for i, p in enumerate(people, start=1):
            done = " 🎓" if p.completed else ""
            phone = f" · {esc(display_phone(p.phone))}" if show_phone else ""
            number = f" (No. {p.number})" if p.number else ""
            lines.append(f"{i}. {esc(p.name)}{number}{phone}{done}{rsvp_column(t, p)}")
        if not people:
            lines.append("-")
    markup = inline([_manage(t, class_id)]) if info.status == ClassStatus.PUBLISHED else None
    await send_long(context, user_id(update), "\n".join(lines), markup, personal=True)


def rsvp_column(t: Translator, line: RosterLine) -> str:
    """Her answers to session reminders: `` · ✅ Hadir 3 Desember 2030``."""
    parts = [
        f"{'✅' if coming else '❌'} {t(COMING if coming else NOT_COMING)} "
        f"{t.date(start.astimezone(t.tz).date())}"
        for start, coming in line.rsvps
    ]
    return "".join(f" · {part}" for part in parts)


# ---- attendance ---------------------------------------------------------------------------


async def choose_session(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    info = await read_card(context.runtime.db, class_id)
    live = info and info.status == ClassStatus.PUBLISHED and info.sessions
    if not await _answered(update, context, live) or info is None:
        return
    rows = [
        [button(f"{i}. {session_label(t, s.span)}", act("hs", s.id))]
        for i, s in enumerate(info.sessions, start=1)
    ]
    text = t(N_("Attendance for class {title}: which session?")).format(title=esc(info.title))
    await send_html(context, user_id(update), text, inline(rows))


def sheet_markup(t: Translator, sheet: SessionSheet) -> Any:
    buttons = [
        button(
            ("✅ " if m.present else "▫️ ") + m.name,
            act("hm", sheet.session_id, m.enrolment_id, 0 if m.present else 1),
        )
        for m in sheet.marks[:MAX_SHEET_BUTTONS]
    ]
    return inline([*in_rows(buttons, 2), [button(t(N_("Save")), act("hv", sheet.session_id))]])


async def _attended(update: Update, context: Context, work: Awaitable[T]) -> T | None:
    """The attendance service's answer, the tap answered; None (told "no longer
    valid") when the session or her place is gone or cancelled."""
    try:
        result: T | None = await work
    except AttendanceError:
        result = None
    return result if await _answered(update, context, result is not None) else None


async def open_sheet(update: Update, context: Context, session_id: int) -> None:
    t = tr(context)
    sheet = await _attended(update, context, context.runtime.attendance.sheet(session_id))
    if sheet is None:
        return
    info = await read_card(context.runtime.db, sheet.class_id)
    assert info is not None
    session = next(s for s in info.sessions if s.id == session_id)
    if not sheet.marks:
        await send_html(context, user_id(update), t(N_("Nobody is enrolled in this class.")))
        return
    tap = t(N_("Tap each woman who came, then tap Save."))
    text = f"<b>{esc(info.title)}</b>\n{session_label(t, session.span)}\n{tap}"
    await send_html(context, user_id(update), text, sheet_markup(t, sheet), personal=True)


async def toggle_mark(
    update: Update,
    context: Context,
    session_id: int,
    enrolment_id: int,
    present: int,
) -> None:
    if present not in (0, 1):
        await stale_button(update, context)
        return
    marked = context.runtime.attendance.mark(
        user_id(update), update.update_id, session_id, enrolment_id, bool(present)
    )
    if (sheet := await _attended(update, context, marked)) is None:
        return
    try:
        await update.callback_query.edit_message_reply_markup(  # type: ignore[union-attr]
            sheet_markup(tr(context), sheet)
        )
    except BadRequest as exc:
        if "not modified" not in exc.message:  # a double tap finds the sheet as it is
            raise


async def save_sheet(update: Update, context: Context, session_id: int) -> None:
    t = tr(context)
    saved = context.runtime.attendance.save(user_id(update), update.update_id, session_id)
    if (result := await _attended(update, context, saved)) is None:
        return
    sheet = result.sheet
    text = "\n".join(
        [
            t(N_("✅ Attendance saved: {present} of {total} attended.")).format(
                present=sheet.present, total=len(sheet.marks)
            ),
            t(N_("{count} women have completed this class so far.")).format(count=result.completed),
        ]
    )
    await send_html(context, user_id(update), text)


ACTIONS = {
    ("c", 1): show_class,
    ("e", 1): open_change,
    ("x", 1): ask_cancel,
    ("xy", 1): confirm_cancel,
    ("r", 1): show_roster,
    ("h", 1): choose_session,
    ("hs", 1): open_sheet,
    ("hm", 3): toggle_mark,
    ("hv", 1): save_sheet,
}


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("kelas_baru", new_class, filters=private),
            CommandHandler("kelas_staf", manage_classes, filters=private),
            CommandHandler("peserta", roster_command, filters=private),
            CommandHandler("hadir", attendance_command, filters=private),
            CallbackQueryHandler(on_callback, pattern=r"^sc:"),
        ]
    )
