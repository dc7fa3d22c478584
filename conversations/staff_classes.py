"""Staff: publish a class (/kelas_baru) or change it (both forms are
``conversations.class_forms``), cancel it (/kelas_staf), see its roster
(/peserta) and pick a class for attendance (/hadir, then
``conversations.attendance``). Rules live in ``wrse_bot.services.class_*``.

Action buttons are ``sc:<verb>:<id>[:<id>[:<id>]]``, checked against
``CALLBACK``; every id is re-loaded and re-checked on the server.
"""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations import attendance, class_forms
from conversations.attendance import act
from conversations.auth import requires, shows_phone
from conversations.class_forms import class_text
from conversations.common import (
    send_html,
    send_long,
    stale_button,
    tr,
    user_id,
)
from wrse_bot.domain.class_spec import ClassAdminError
from wrse_bot.domain.people import display_phone
from wrse_bot.domain.statuses import ClassStatus, EnrolmentStatus
from wrse_bot.i18n import N_, Translator
from wrse_bot.scheduler import wake
from wrse_bot.services.class_views import ROSTER_ORDER, RosterLine
from wrse_bot.services.reminders import COMING, NOT_COMING
from wrse_bot.services.roles import STAFF
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, inline

PREFIX = "sc"
CALLBACK = cbd.compile_pattern(
    r"sc:(?P<verb>[a-z]{1,2}):(?P<a>\d{1,9})(?::(?P<b>\d{1,9}))?(?::(?P<c>\d{1,9}))?"
)
GROUP_LABELS = {
    EnrolmentStatus.ENROLLED: N_("Enrolled"),
    EnrolmentStatus.OFFERED: N_("Offered a seat"),
    EnrolmentStatus.WAITLISTED: N_("Waitlist"),
    EnrolmentStatus.CANCELLED: N_("Cancelled"),
}


# ---- commands ---------------------------------------------------------------------------


@requires(STAFF)
async def new_class(update: Update, context: Context) -> None:
    """/kelas_baru: start (or return to) the class form."""
    await class_forms.open_new(update, context)


async def _pick_class(update: Update, context: Context, verb: str, question: str) -> None:
    t = tr(context)
    classes = await context.runtime.class_admin.classes()
    if not classes:
        await send_html(context, user_id(update), t(N_("There are no published classes yet.")))
        return
    rows = [
        [
            button(
                f"{c.title} ({c.sessions[0].span.starts_at.astimezone(t.tz):%d/%m})",
                act(verb, c.id),
            )
        ]
        if c.sessions
        else [button(c.title, act(verb, c.id))]
        for c in classes
    ]
    await send_html(context, user_id(update), t(question), inline(rows))


@requires(STAFF)
async def manage_classes(update: Update, context: Context) -> None:
    """/kelas_staf: pick a class to change or cancel."""
    await _pick_class(update, context, "c", N_("Which class?"))


@requires(STAFF)
async def roster_command(update: Update, context: Context) -> None:
    """/peserta: pick a class, then see who is in it."""
    await _pick_class(update, context, "r", N_("Whose participants do you want to see?"))


@requires(STAFF)
async def attendance_command(update: Update, context: Context) -> None:
    """/hadir: pick a class, then a session, then tick who came."""
    await _pick_class(update, context, "h", N_("Attendance for which class?"))


# ---- buttons ---------------------------------------------------------------------------


def parse_callback(data: str | None) -> tuple[str, list[int]] | None:
    """``(verb, ids)`` of an action button; None when forged."""
    found = cbd.match(CALLBACK, data)
    if found is None:
        return None
    raw = [x for x in (found["a"], found["b"], found["c"]) if x is not None]
    ids = [cbd.number(x) for x in raw]
    if any(i is None for i in ids):
        return None
    return found["verb"], [i for i in ids if i is not None]


@requires(STAFF)
async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    parsed = parse_callback(query.data)
    if parsed is None:
        await stale_button(update, context)
        return
    verb, ids = parsed
    handler = ACTIONS.get((verb, len(ids)))
    if handler is None:
        await stale_button(update, context)
        return
    await handler(update, context, *ids)


async def show_class(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    info = await context.runtime.class_admin.info(class_id)
    if info is None:
        await stale_button(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    rows = [[button(t(N_("Participants")), act("r", class_id))]]
    if info.status == ClassStatus.PUBLISHED:
        rows = [
            [
                button(t(N_("Change")), act("e", class_id)),
                button(t(N_("Cancel class")), act("x", class_id)),
            ],
            [
                button(t(N_("Participants")), act("r", class_id)),
                button(t(N_("Attendance")), act("h", class_id)),
            ],
        ]
    await send_html(context, user_id(update), class_text(t, info), inline(rows))


async def ask_cancel(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    service = context.runtime.class_admin
    info = await service.info(class_id)
    if info is None or info.status != ClassStatus.PUBLISHED:
        await stale_button(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    people = await service.affected(class_id)
    names = [
        f"• {html.escape(p.name)} ({t(GROUP_LABELS.get(p.status, p.status)).lower()})"
        for p in people
    ]
    text = "\n".join(
        [
            t(N_("<b>Cancel class {title}?</b> This cannot be undone.")).format(
                title=html.escape(info.title)
            ),
            t(N_("{count} women (enrolled and waiting) will be told:")).format(count=len(people))
            if people
            else t(N_("Nobody has joined yet.")),
            *names,
        ]
    )
    await send_long(
        context,
        user_id(update),
        text,
        inline(
            [
                [button(t(N_("Yes, cancel the class")), act("xy", class_id))],
                [button(t(N_("No, keep it")), act("c", class_id))],
            ]
        ),
    )


async def confirm_cancel(update: Update, context: Context, class_id: int) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    done = await context.runtime.class_admin.cancel(user_id(update), update.update_id, class_id)
    if done is None:  # a redelivered update
        await query.answer()
        return
    if isinstance(done, ClassAdminError):
        await query.answer(t.render(done.message, done.params))
        return
    await query.answer()
    if done.notified:
        wake(context.application)
    await send_html(
        context,
        user_id(update),
        t(N_("The class is cancelled. {count} women were notified.")).format(count=done.notified),
    )


async def show_roster(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    roster = await context.runtime.class_admin.roster(user_id(update), class_id)
    if roster is None:
        await stale_button(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    esc = html.escape
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
    markup = None
    if info.status == ClassStatus.PUBLISHED:
        markup = inline(
            [
                [
                    button(t(N_("Change")), act("e", class_id)),
                    button(t(N_("Cancel class")), act("x", class_id)),
                ]
            ]
        )
    await send_long(context, user_id(update), "\n".join(lines), markup, personal=True)


def rsvp_column(t: Translator, line: RosterLine) -> str:
    """Her answers to session reminders: `` · ✅ Hadir 3 Desember 2030``."""
    parts = [
        f"{'✅' if coming else '❌'} {t(COMING if coming else NOT_COMING)} "
        f"{t.date(start.astimezone(t.tz).date())}"
        for start, coming in line.rsvps
    ]
    return "".join(f" · {part}" for part in parts)


ACTIONS = {
    ("c", 1): show_class,
    ("e", 1): class_forms.open_change,
    ("x", 1): ask_cancel,
    ("xy", 1): confirm_cancel,
    ("r", 1): show_roster,
    **attendance.ACTIONS,
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
