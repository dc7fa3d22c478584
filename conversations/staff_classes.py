"""Staff: publish a class (/kelas_baru), change or cancel it (/kelas_staf), see its
roster (/peserta) and pick a class for attendance (/hadir, then
``conversations.attendance``). Rules live in ``wrse_bot.services.class_admin``
and ``class_changes``; this module parses taps and text and renders the results.

Callback data, all under "sc:" and checked against ``CALLBACK``:
- ``sc:f:<rev>:<value>``: an answer to the open form (rev refuses stale buttons);
- ``sc:<verb>:<id>[:<id>[:<id>]]``: an action on a class, session or enrolment,
  every id re-loaded and re-checked on the server.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations import attendance
from conversations.attendance import act
from conversations.auth import cached_role, requires, shows_phone
from conversations.common import (
    TEXT_ROUTES,
    fallback,
    send_html,
    send_long,
    stale_button,
    tr,
    user_id,
)
from wrse_bot.clock import now as clock_now
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.class_spec import SEAT_CHOICES
from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.people import display_phone
from wrse_bot.domain.places import load_places
from wrse_bot.domain.schedule import Span, deadline_example, session_example
from wrse_bot.i18n import N_, Translator
from wrse_bot.scheduler import wake
from wrse_bot.services import class_admin as ca
from wrse_bot.services.class_admin import FormInput, FormView
from wrse_bot.services.class_labels import session_label, when
from wrse_bot.services.class_views import PUBLISHED, ROSTER_ORDER, ClassCard, RosterLine
from wrse_bot.services.reminders import COMING, NOT_COMING
from wrse_bot.services.roles import STAFF
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, in_rows, inline

PREFIX = "sc"
CALLBACK = cbd.compile_pattern(
    r"sc:(?:f:(?P<rev>\d{1,9}):(?P<value>[a-z0-9_.:]{1,40})"
    r"|(?P<verb>[a-z]{1,2}):(?P<a>\d{1,9})(?::(?P<b>\d{1,9}))?(?::(?P<c>\d{1,9}))?)"
)
FORM_CACHE = "staff_class_form"  # context.user_data: has an open class form (bool)

FIELD_LABELS = {
    "skill": N_("Skill"),
    "title": N_("Title"),
    "description": N_("Description"),
    "place": N_("Place"),
    "trainer": N_("Trainer"),
    "capacity": N_("Seats"),
    "sessions": N_("Schedule"),
    "deadline": N_("Enrolment deadline"),
}
GROUP_LABELS = {
    "enrolled": N_("Enrolled"),
    "offered": N_("Offered a seat"),
    "waitlisted": N_("Waitlist"),
    "cancelled": N_("Cancelled"),
}


def _cb(rev: int, value: str) -> str:
    return f"{PREFIX}:f:{rev}:{value}"


def _set_form_cache(context: Context, open_form: bool) -> None:
    if context.user_data is not None:
        context.user_data[FORM_CACHE] = open_form


# ---- rendering: the class -------------------------------------------------------------


def class_text(t: Translator, info: ClassCard) -> str:
    esc = html.escape
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
    if info.status != PUBLISHED:
        lines.insert(0, "❌ " + t(N_("Cancelled")))
    return "\n".join(lines)


def draft_preview(t: Translator, data: dict[str, Any]) -> str:
    esc = html.escape
    spans = ca.spans_of(data)
    deadline = when(t, _dt(data["deadline"])) if data.get("deadline") else "-"
    rows = [
        (N_("Skill"), t(SKILLS.get(data.get("skill", ""), "-"))),
        (N_("Title"), data.get("title", "-")),
        (N_("Description"), data.get("description", "-")),
        (
            N_("Place"),
            f"{data.get('place', '-')}, Kec. {load_places().name(data.get('kecamatan_code'))}",
        ),
        (N_("Trainer"), data.get("trainer", "-")),
        (N_("Seats"), str(data.get("capacity", "-"))),
        (N_("Enrolment deadline"), deadline),
    ]
    lines = [f"• {t(label)}: <b>{esc(str(value))}</b>" for label, value in rows]
    sessions = [f"  {i}. {session_label(t, s)}" for i, s in enumerate(spans, start=1)]
    return "\n".join(
        [
            t(N_("<b>Preview of the new class</b> (not published yet):")),
            "",
            *lines,
            f"• {t(N_('Schedule'))}:",
            *sessions,
            "",
            t(N_("Tap Publish to show it to the women, or Change to fix something.")),
        ]
    )


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _first_start(data: dict[str, Any]) -> datetime | None:
    spans = ca.spans_of(data)
    return min(x.starts_at for x in spans) if spans else None


def _cancel_row(t: Translator, rev: int) -> list[InlineKeyboardButton]:
    return [button(t(N_("Discard")), _cb(rev, "cancel"))]


# A question answered with a number offers numbers first and "Batal" last, never
# "Batal" where a typed "1" could land on it.
SEATS_QUESTION = N_("How many seats? Tap a number, or type another, for example: 12.")


def _seat_row(rev: int) -> list[InlineKeyboardButton]:
    return [button(str(n), _cb(rev, str(n))) for n in SEAT_CHOICES]


def _kecamatan_rows(rev: int) -> list[list[InlineKeyboardButton]]:
    return [[button(p.name, _cb(rev, p.code))] for p in load_places().kecamatan()]


def form_question(t: Translator, view: FormView) -> tuple[str, Any]:
    """The text and keyboard of the open /kelas_baru step."""
    step, rev, data = view.step, view.rev, view.data
    cancel = _cancel_row(t, rev)
    if view.status == "choose_edit" or step == "choose_edit":
        buttons = [
            button(t(label), _cb(rev, f"edit:{name}")) for name, label in FIELD_LABELS.items()
        ]
        return (
            t(N_("What would you like to change?")),
            inline([*in_rows(buttons, 2), [button(t(N_("Back")), _cb(rev, "back"))]]),
        )
    if step == ca.SKILL:
        buttons = [button(t(label), _cb(rev, code)) for code, label in SKILLS.items()]
        return (
            t(N_("<b>New class.</b> Which skill does it teach?")),
            inline([*in_rows(buttons, 2), cancel]),
        )
    if step == ca.TITLE:
        return t(N_("Title of the class? For example: Menjahit Dasar.")), inline([cancel])
    if step == ca.DESCRIPTION:
        return (
            t(N_("A short description (one or two sentences) for the women?")),
            inline([cancel]),
        )
    if step == ca.PLACE:
        return (
            t(N_("Where is it held? Type the place and address, for example: Balai Desa Beji.")),
            inline([cancel]),
        )
    if step == ca.KECAMATAN:
        return t(N_("In which kecamatan is the place?")), inline([*_kecamatan_rows(rev), cancel])
    if step == ca.TRAINER:
        return t(N_("Who is the trainer?")), inline([cancel])
    if step == ca.CAPACITY:
        return t(SEATS_QUESTION), inline([_seat_row(rev), cancel])
    if step == ca.SESSION:
        number = len(data.get("sessions", [])) + 1
        return (
            t(N_("Type session {number}: date and time in WIB, for example: {example}.")).format(
                number=number, example=session_example(clock_now())
            ),
            inline([cancel]),
        )
    if step == ca.MORE:
        sessions = [f"{i}. {session_label(t, s)}" for i, s in enumerate(ca.spans_of(data), start=1)]
        text = "\n".join(
            [
                t(N_("Sessions so far:")),
                *sessions,
                "",
                t(N_("Add another session, or tap Done.")),
            ]
        )
        return text, inline(
            [
                [
                    button("➕ " + t(N_("Add session")), _cb(rev, "add")),
                    button(t(N_("Done")), _cb(rev, "done")),
                ],
                cancel,
            ]
        )
    if step == ca.DEADLINE:
        return (
            t(
                N_(
                    "Enrolment deadline? Type a date (and time), before the first session, "
                    "for example: {example}."
                )
            ).format(example=deadline_example(clock_now(), before=_first_start(data))),
            inline([cancel]),
        )
    if step == ca.PREVIEW:
        return draft_preview(t, data), inline(
            [
                [button(t(N_("Publish")), _cb(rev, "publish"))],
                [
                    button(t(N_("Change")), _cb(rev, "edit")),
                    button(t(N_("Discard")), _cb(rev, "cancel")),
                ],
            ]
        )
    raise ValueError(f"no question for step {step}")


def edit_question(t: Translator, view: FormView) -> tuple[str, Any]:
    """The text and keyboard of the open change to a published class."""
    esc = html.escape
    step, rev, data, info = view.step, view.rev, view.data, view.info
    assert info is not None
    cancel = _cancel_row(t, rev)
    name = data.get("field", "")
    session = next((x for x in info.sessions if x.id == data.get("session_id")), None)
    if step == ca.EDIT_VALUE:
        current = getattr(info, name, "")
        text = t(N_("Type the new {field} of class {title}. Now: {current}")).format(
            field=t(FIELD_LABELS[name]).lower(), title=esc(info.title), current=esc(str(current))
        )
        if name == "capacity":
            return text, inline([_seat_row(rev), cancel])
        return text, inline([cancel])
    if step == ca.EDIT_KECAMATAN:
        return t(N_("In which kecamatan is the place?")), inline([*_kecamatan_rows(rev), cancel])
    if step == ca.EDIT_SESSION:
        text = t(N_("Type the new date and time of the session {session}, for example: {example}."))
        label = session_label(t, session.span) if session else "-"
        return text.format(session=label, example=session_example(clock_now())), inline([cancel])
    if step == ca.EDIT_CONFIRM:
        if data.get("session_id"):
            new = Span(_dt(data["value"][0]), _dt(data["value"][1]))
            old = session_label(t, session.span) if session else "-"
            change = f"{old}\n→ <b>{session_label(t, new)}</b>"
            notify = True
        elif name == "place":
            new_place = f"{data['value']}, Kec. {load_places().name(data.get('kecamatan_code'))}"
            change = f"{esc(info.place_label)}\n→ <b>{esc(new_place)}</b>"
            notify = True
        else:
            change = f"{esc(str(getattr(info, name, '')))}\n→ <b>{esc(str(data['value']))}</b>"
            notify = False
        if notify:
            told = t(N_("{count} women (enrolled and waiting) will be told.")).format(
                count=view.affected
            )
        elif view.to_offer:
            told = t(
                N_("{count} women waiting will be offered a seat, in the order they joined.")
            ).format(count=view.to_offer)
        else:
            told = t(N_("Nobody is notified of this change."))
        text = "\n".join(
            [t(N_("Change to class {title}:")).format(title=esc(info.title)), change, "", told]
        )
        save = button(t(N_("Save")), _cb(rev, "save"))
        return text, inline([[save, button(t(N_("Discard")), _cb(rev, "cancel"))]])
    raise ValueError(f"no question for step {step}")


def _problem(t: Translator, problem: DomainError) -> str:
    return "⚠️ " + html.escape(t.render(problem.message, problem.params))


async def send_form(update: Update, context: Context, view: FormView, prefix: str = "") -> None:
    """Deliver what the class form service decided."""
    t = tr(context)
    uid = user_id(update)
    if view.status in ("ask", "choose_edit", "stale") and view.step is not None:
        _set_form_cache(context, True)
        asker = edit_question if view.kind == ca.EDIT_FORM else form_question
        text, markup = asker(t, view)
        if view.problem is not None:
            text = f"{_problem(t, view.problem)}\n\n{text}"
        if prefix:
            text = f"{prefix}\n\n{text}"
        await send_html(context, uid, text, markup)
        return
    if view.status == "published":
        _set_form_cache(context, False)
        info = await context.runtime.class_admin.info(view.class_id or 0)
        head = t(N_("✅ The class is published. Women can now see it under Classes."))
        await send_html(context, uid, f"{head}\n\n{class_text(t, info)}" if info else head)
        return
    if view.status == "saved":
        _set_form_cache(context, False)
        if view.notified or view.offered:
            wake(context.application)  # notices go out now, not at the next tick
        text = (
            t(N_("✅ Saved. {count} women were notified.")).format(count=view.notified)
            if view.notified
            else t(N_("✅ Saved."))  # not "0 women were notified" above the seats offered
        )
        if view.offered:
            text += "\n" + t(N_("{count} women waiting were offered a seat.")).format(
                count=view.offered
            )
        await send_html(context, uid, text)
        return
    if view.status == "refused":
        _set_form_cache(context, False)
        assert view.problem is not None
        await send_html(context, uid, _problem(t, view.problem))
        return
    if view.status == "closed":
        _set_form_cache(context, False)
        await send_html(context, uid, t(N_("All right, nothing was saved.")))
        return
    if view.status == "no_form":
        _set_form_cache(context, False)


# ---- commands ---------------------------------------------------------------------------


@requires(STAFF)
async def new_class(update: Update, context: Context) -> None:
    """/kelas_baru: start (or resume) the guided form."""
    view = await context.runtime.class_admin.begin_new(user_id(update), update.update_id)
    await send_form(update, context, view)


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


# ---- typed answers ----------------------------------------------------------------------


async def text_route(update: Update, context: Context) -> bool:
    """Claim a plain message when it answers this staff member's open class form.

    Cheap for women: the role is looked up once and cached (a negative too)."""
    msg = update.effective_message
    if msg is None or msg.text is None or msg.text.startswith("/") or update.effective_user is None:
        return False
    cache = context.user_data if context.user_data is not None else {}
    if await cached_role(update, context) not in STAFF:
        return False
    if cache.get(FORM_CACHE) is False:
        return False
    # Checked in the database each time for staff (few, and another staff form
    # may have replaced this one); the cached "no" keeps idle staff cheap.
    has_form = await context.runtime.class_admin.has_form(update.effective_user.id)
    cache[FORM_CACHE] = has_form
    if not has_form:
        return False
    await on_text(update, context)
    return True


@requires(STAFF)
async def on_text(update: Update, context: Context) -> None:
    text = update.effective_message.text or ""  # type: ignore[union-attr]
    view = await context.runtime.class_admin.answer(
        user_id(update), update.update_id, FormInput("text", text)
    )
    if view.status == "no_form":
        _set_form_cache(context, False)
        await fallback(update, context)
        return
    await send_form(update, context, view)


# ---- buttons ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormButton:
    rev: int
    value: str


def parse_callback(data: str | None) -> FormButton | tuple[str, list[int]] | None:
    """A form button, or ``(verb, ids)`` of an action button; None when forged."""
    found = cbd.match(CALLBACK, data)
    if found is None:
        return None
    if found["rev"] is not None:
        rev = cbd.number(found["rev"])
        return None if rev is None else FormButton(rev, found["value"])
    raw = [x for x in (found["a"], found["b"], found["c"]) if x is not None]
    ids = [cbd.number(x) for x in raw]
    if any(i is None for i in ids):
        return None
    return found["verb"], [i for i in ids if i is not None]


@requires(STAFF)
async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer(t(N_("This button is no longer valid.")))
        return
    if isinstance(parsed, FormButton):
        await _on_form_button(update, context, parsed.rev, parsed.value)
        return
    verb, ids = parsed
    handler = ACTIONS.get((verb, len(ids)))
    if handler is None:
        await query.answer(t(N_("This button is no longer valid.")))
        return
    await handler(update, context, *ids)


async def _on_form_button(update: Update, context: Context, rev: int, value: str) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    service = context.runtime.class_admin
    given = FormInput("choice", value, rev)
    view = await service.answer(user_id(update), update.update_id, given)
    if view.status == "no_form":
        _set_form_cache(context, False)
        await query.answer(t(N_("This button is no longer valid.")))
        return
    if view.status == "duplicate":
        await query.answer()
        return
    if view.status == "stale":
        await query.answer(t(N_("That button is from an earlier step.")))
        await send_form(update, context, view, prefix=t(N_("Let us continue from here:")))
        return
    await query.answer()
    await send_form(update, context, view)


async def show_class(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    info = await context.runtime.class_admin.info(class_id)
    if info is None:
        await stale_button(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    rows = [[button(t(N_("Participants")), act("r", class_id))]]
    if info.status == PUBLISHED:
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


async def choose_change(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    info = await context.runtime.class_admin.info(class_id)
    if info is None or info.status != PUBLISHED:
        await stale_button(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    fields = [
        button(t(FIELD_LABELS[name]), act("ef", class_id, i))
        for i, name in enumerate(ca.EDIT_FIELDS)
    ]
    sessions = [
        [button(f"🕘 {session_label(t, s.span)}", act("es", class_id, s.id))] for s in info.sessions
    ]
    text = t(N_("What would you like to change in class {title}?")).format(
        title=html.escape(info.title)
    )
    await send_html(context, user_id(update), text, inline([*in_rows(fields, 2), *sessions]))


async def start_field_change(update: Update, context: Context, class_id: int, index: int) -> None:
    if index >= len(ca.EDIT_FIELDS):
        await stale_button(update, context)
        return
    await _start_change(update, context, class_id, ca.EDIT_FIELDS[index], None)


async def start_session_change(
    update: Update, context: Context, class_id: int, session_id: int
) -> None:
    await _start_change(update, context, class_id, "session", session_id)


async def _start_change(
    update: Update,
    context: Context,
    class_id: int,
    field_name: str,
    session_id: int | None,
) -> None:
    query = update.callback_query
    assert query is not None
    view = await context.runtime.class_admin.begin_edit(
        user_id(update), update.update_id, class_id, field_name, session_id
    )
    if view.status == "refused":
        assert view.problem is not None
        t = tr(context)
        await query.answer(t.render(view.problem.message, view.problem.params))
        return
    await query.answer()
    await send_form(update, context, view)


async def ask_cancel(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    service = context.runtime.class_admin
    info = await service.info(class_id)
    if info is None or info.status != PUBLISHED:
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
    view = await context.runtime.class_admin.cancel(user_id(update), update.update_id, class_id)
    if view.status == "duplicate":
        await query.answer()
        return
    if view.status == "refused":
        assert view.problem is not None
        await query.answer(t.render(view.problem.message, view.problem.params))
        return
    await query.answer()
    if view.notified:
        wake(context.application)
    await send_html(
        context,
        user_id(update),
        t(N_("The class is cancelled. {count} women were notified.")).format(count=view.notified),
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
            lines.append(f"{i}. {esc(p.name)}{phone}{done}{rsvp_column(t, p)}")
        if not people:
            lines.append("-")
    markup = None
    if info.status == PUBLISHED:
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
    ("e", 1): choose_change,
    ("ef", 2): start_field_change,
    ("es", 2): start_session_change,
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
    if text_route not in TEXT_ROUTES:  # one route even when several apps are built
        TEXT_ROUTES.append(text_route)
