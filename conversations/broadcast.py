"""/siaran: a staff member announces something to an audience of women; and
/berhenti, /langganan: a woman stops or restarts general announcements.

The form's rules live in wrse_bot/services/broadcast.py; delivery, progress and
the final report in wrse_bot/scheduler.py. Callback data: ``sb:<rev>:<action>``.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations.auth import cached_role, requires
from conversations.common import TEXT_ROUTES, tr, user_id
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.places import load_places
from wrse_bot.i18n import N_, Translator
from wrse_bot.scheduler import PROGRESS_TEXT, number, wake
from wrse_bot.services.broadcast import (
    MAX_TEXT,
    Audience,
    ClassSchedule,
    DraftView,
    Step,
    framed,
    set_announcements,
)
from wrse_bot.services.roles import STAFF
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, in_rows, inline, replace_text

PREFIX = "sb"
CALLBACK = cbd.compile_pattern(
    r"sb:(?P<rev>\d{1,9}):(?P<action>[a-z]{1,6})(?::(?P<arg>[a-z0-9_.]{1,24}))?"
)
# What each action's argument must look like (None: it takes none).
ARGS: dict[str, re.Pattern[str] | None] = {
    "a": cbd.compile_pattern(r"all|kec|int|enr|wait"),  # audience kind
    "k": cbd.compile_pattern(r"\d{2}\.\d{2}\.\d{2}"),  # kecamatan code
    "i": cbd.compile_pattern(r"[a-z_]{1,24}"),  # skill
    "c": cbd.compile_pattern(r"\d{1,9}"),  # class (audience)
    "s": cbd.compile_pattern(r"\d{1,9}"),  # class (schedule)
    "j": None,  # "Jadwal kelas"
    "send": None,
    "cancel": None,
}
# context.user_data: the step of her open broadcast form (None: none), so the
# text route needs no database lookup for anyone else.
STEP_KEY = "sb_step"
_UNKNOWN = object()

STALE = N_("This button is no longer valid. Type /siaran to start again.")


def parse_callback(data: str | None) -> tuple[int, str, str] | None:
    """``(rev, action, arg)`` of a well-formed button, else None: never trusted."""
    match = cbd.match(CALLBACK, data)
    if match is None or match["action"] not in ARGS:
        return None
    pattern, arg = ARGS[match["action"]], match["arg"]
    if (pattern is None) != (arg is None) or (pattern and not pattern.fullmatch(arg or "")):
        return None
    rev = cbd.number(match["rev"])
    return None if rev is None else (rev, match["action"], arg or "")


def cb(rev: int, action: str, arg: str | int | None = None) -> str:
    return f"{PREFIX}:{rev}:{action}" if arg is None else f"{PREFIX}:{rev}:{action}:{arg}"


# ---- rendering ---------------------------------------------------------------------


def audience_label(t: Translator, audience: Audience | None, class_title: str | None) -> str:
    if audience is None:
        return "-"
    if audience.kind == "kecamatan":
        name = load_places().get(str(audience.value)).name
        return t(N_("women in Kecamatan {name}")).format(name=name)
    if audience.kind == "interest":
        skill = t(SKILLS.get(str(audience.value), "-"))
        return t(N_("women interested in {skill}")).format(skill=skill)
    if audience.kind == "enrolled":
        return t(N_("participants of the class {title}")).format(title=class_title or "-")
    if audience.kind == "waitlisted":
        return t(N_("the waiting list of the class {title}")).format(title=class_title or "-")
    return t(N_("all eligible women"))


def render_schedule(t: Translator, schedule: ClassSchedule) -> str:
    """ "Jadwal kelas": the class, its place, and each session in WIB."""
    places = load_places()
    kecamatan = (
        places.get(schedule.kecamatan_code).name if schedule.kecamatan_code in places else "-"
    )
    lines = [
        t(N_("Class schedule: {title}")).format(title=schedule.title),
        t(N_("Place: {place}, Kecamatan {kecamatan}")).format(
            place=schedule.place, kecamatan=kecamatan
        ),
        t(N_("Trainer: {trainer}")).format(trainer=schedule.trainer),
        "",
    ]
    for starts, ends in schedule.sessions:
        day = t.weekday_date(starts.astimezone(t.tz).date())
        lines.append(f"• {day}, {t.time(starts).removesuffix(' WIB')}–{t.time(ends)}")
    return "\n".join(lines).rstrip()


def render(t: Translator, view: DraftView) -> tuple[str, InlineKeyboardMarkup]:
    rev = view.rev
    cancel = [button(t(N_("Discard")), cb(rev, "cancel"))]
    if view.step == Step.AUDIENCE:
        rows = [
            [button(t(N_("All eligible women")), cb(rev, "a", "all"))],
            [button(t(N_("By kecamatan")), cb(rev, "a", "kec"))],
            [button(t(N_("By class interest")), cb(rev, "a", "int"))],
            [button(t(N_("Enrolled in a class")), cb(rev, "a", "enr"))],
            [button(t(N_("Waitlisted for a class")), cb(rev, "a", "wait"))],
        ]
        return t(N_("New broadcast. Who should receive it?")), inline([*rows, cancel])
    if view.step == Step.KECAMATAN:
        rows = [[button(p.name, cb(rev, "k", p.code))] for p in load_places().kecamatan()]
        return t(N_("Which kecamatan?")), inline([*rows, cancel])
    if view.step == Step.INTEREST:
        buttons = [button(t(label), cb(rev, "i", code)) for code, label in SKILLS.items()]
        return t(N_("Which class interest?")), inline([*in_rows(buttons, 2), cancel])
    if view.step in (Step.CLASS, Step.SCHEDULE):
        action = "c" if view.step == Step.CLASS else "s"
        rows = [[button(c.title[:60], cb(rev, action, c.id))] for c in view.classes]
        question = (
            t(N_("Which class?")) if view.step == Step.CLASS else t(N_("Which class's schedule?"))
        )
        if not rows:
            question = t(N_("There are no published classes yet."))
        return question, inline([*rows, cancel])
    if view.step == Step.MESSAGE:
        to = audience_label(t, view.audience, view.class_title)
        text = t(N_("To: {audience}\nType the message now, or send a class schedule.")).format(
            audience=to
        )
        schedule = [button("📅 " + t(N_("Class schedule")), cb(rev, "j"))]
        return text, inline([schedule, cancel])
    # the preview
    to = audience_label(t, view.audience, view.class_title)
    count = view.recipients or 0
    head = t(N_("Broadcast preview\nTo: {audience}\nRecipients: {count}")).format(
        audience=to, count=number(t, count)
    )
    # She sees exactly this: the sender first, how to stop last.
    body = framed(t, view.text or "", view.audience or Audience("all"), view.class_title)
    if count == 0:
        head += "\n" + t(N_("Nobody matches this audience yet."))
        return f"{head}\n\n{body}", inline([cancel])
    send = [button("✅ " + t(N_("Send")), cb(rev, "send")), *cancel]
    return f"{head}\n\n{body}", inline([send])


# ---- handlers ----------------------------------------------------------------------


@requires(STAFF)
async def begin(update: Update, context: Context) -> None:
    view = await context.runtime.broadcast.start(user_id(update), update.update_id)
    await _show(update, context, view, edit=False)


@requires(STAFF)
async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    parsed = parse_callback(query.data)
    message = query.message
    if parsed is None or message is None:
        await query.answer(t(STALE), show_alert=True)
        return
    rev, action, arg = parsed
    staff = user_id(update)
    if action == "send":
        result = await context.runtime.broadcast.send(
            staff,
            update.update_id,
            rev,
            progress_chat_id=message.chat.id,
            progress_message_id=message.message_id,
            t=t,
        )
        if result.status == "stale":
            await query.answer(t(STALE), show_alert=True)
            return
        _remember(context, None)
        await query.answer()
        if result.status == "empty":
            text = t(N_("Nobody matches this audience, so nothing was sent."))
            await replace_text(query, text)
            return
        await replace_text(
            query, t(PROGRESS_TEXT).format(sent=number(t, 0), total=number(t, result.total))
        )
        wake(context.application)
        return
    view = await context.runtime.broadcast.choose(
        staff, update.update_id, rev, action, arg, lambda s: render_schedule(t, s)
    )
    if view.status == "stale":
        await query.answer(t(STALE), show_alert=True)
        return
    await query.answer()
    if view.status == "cancelled":
        _remember(context, None)
        await replace_text(query, t(N_("Broadcast cancelled.")))
        return
    await _show(update, context, view, edit=True)


@requires(STAFF)
async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    view = await context.runtime.broadcast.type_text(
        user_id(update), update.update_id, message.text
    )
    t = tr(context)
    if view.status == "too_long":
        text = t(N_("The message is too long (at most {max} characters). Please shorten it."))
        await context.bot.send_message(message.chat.id, text.format(max=number(t, MAX_TEXT)))
        return
    if view.status != "ok":
        return
    await _show(update, context, view, edit=False)


async def text_route(update: Update, context: Context) -> bool:
    """Claim a typed message when it is this staff member's broadcast text.
    Women (nearly every message) cost one cached lookup, then nothing."""
    message = update.effective_message
    if message is None or message.text is None or message.text.startswith("/"):
        return False
    data: dict[str, Any] = context.user_data  # type: ignore[assignment]
    if await cached_role(update, context) not in STAFF:
        return False
    step = data.get(STEP_KEY, _UNKNOWN)
    if step is _UNKNOWN or step == Step.MESSAGE:
        # Confirm in the database: another staff form may have replaced this one.
        step = await context.runtime.broadcast.open_step(user_id(update))
        data[STEP_KEY] = step
    if step != Step.MESSAGE:
        return False
    await on_text(update, context)
    return True


async def _show(update: Update, context: Context, view: DraftView, *, edit: bool) -> None:
    t = tr(context)
    if view.status != "ok":
        return
    _remember(context, view.step)
    text, keyboard = render(t, view)
    query = update.callback_query
    if edit and query is not None:
        await query.edit_message_text(text, reply_markup=keyboard)
    else:
        await context.bot.send_message(user_id(update), text, reply_markup=keyboard)


def _remember(context: Context, step: str | None) -> None:
    context.user_data[STEP_KEY] = step  # type: ignore[index]


# ---- opting out of announcements ---------------------------------------------------


async def stop_announcements(update: Update, context: Context) -> None:
    await set_announcements(context.runtime.db, user_id(update), False, update.update_id)
    text = tr(context)(
        N_(
            "Fine, you will no longer receive general announcements. News about your own "
            "classes will still reach you. Type /langganan to receive announcements again."
        )
    )
    await context.bot.send_message(user_id(update), text)


async def resume_announcements(update: Update, context: Context) -> None:
    await set_announcements(context.runtime.db, user_id(update), True, update.update_id)
    text = tr(context)(
        N_("Thank you, you will receive announcements again. Type /berhenti to stop them.")
    )
    await context.bot.send_message(user_id(update), text)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("siaran", begin, filters=private),
            CommandHandler("berhenti", stop_announcements, filters=private),
            CommandHandler("langganan", resume_announcements, filters=private),
            CallbackQueryHandler(on_callback, pattern=rf"^{PREFIX}:"),
        ]
    )
    if text_route not in TEXT_ROUTES:
        TEXT_ROUTES.append(text_route)
