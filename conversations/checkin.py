"""The check-in conversation: months after a class, five short questions about
her income, business, help received, obstacles and whether to call her.

The questions are a form (wrse_bot/forms/checkin.py), run by
wrse_bot/services/checkins.py; this module renders its views.

* ``checkin_tick(app, now)`` runs as a repeating job (and from tests with an
  injected ``now``): due check-ins are asked with a "Mulai" button through the
  outbox, unanswered ones re-asked once, then marked no_response.
* Callback data: ``ci:<checkin id>:go`` ("Mulai": start or resume) and
  ``ci:<checkin id>:<rev>:<value>`` (an answer to the question drawn for ``rev``).
  Both are re-checked on the server: hers, still open, still the current question.
* Typed answers reach the open check-in through a TEXT_ROUTES route. Women
  without one pay one database lookup, then a cached "no" in user_data; the
  tick and "Mulai" refresh that cache. An open check-in takes typed text before
  the intake: she is registered, so she normally has no intake draft.
"""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from conversations.common import TEXT_ROUTES, message_kind, tr, user_id
from wrse_bot.clock import now as clock_now
from wrse_bot.forms.checkin import CHECKIN
from wrse_bot.i18n import N_, Translator
from wrse_bot.runtime import Runtime
from wrse_bot.scheduler import wake
from wrse_bot.services.checkins import Answer, CheckInService, CheckInView, Notice, TickResult
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.forms import question_keyboard, question_text

log = logging.getLogger(__name__)

PREFIX = "ci"
CALLBACK = cbd.compile_pattern(
    r"ci:(?P<id>\d{1,9}):(?:(?P<go>go)|(?P<rev>\d{1,9}):(?P<value>[a-z0-9_]{1,24}))"
)


def parse_callback(data: str | None) -> tuple[int, Answer | None] | None:
    """``(check-in id, her answer)``, the answer None for "start"; None when forged."""
    found = cbd.match(CALLBACK, data)
    checkin_id = cbd.number(found["id"]) if found else None
    if found is None or checkin_id is None:
        return None
    if found["go"]:
        return checkin_id, None
    rev = cbd.number(found["rev"])
    return None if rev is None else (checkin_id, Answer("choice", found["value"], rev))


JOB_NAME = "checkin-tick"
CACHE = "checkin_open"  # context.user_data: her open check-in id, or False (none)

START = N_("Start")
ASK_TEXT = N_(
    "Hello, Ibu! How are you? Some time has passed since you finished the class "
    "<b>{title}</b>, and we would like to hear how you are doing. "
    "There are 5 short questions. Tap Start when you are ready."
)
REASK_TEXT = N_(
    "Ibu, we would still love to hear how you are doing after the class <b>{title}</b>. "
    "Only 5 short questions. Tap Start when you are ready."
)
THANKS = N_("Thank you, Ibu! Your answers are saved. They help us improve the programme.")
THANKS_CONTACT = N_("An officer will contact you soon.")
CLOSED = N_("This check-in is already finished. Thank you!")


def cb(checkin_id: int, rev: int, value: str) -> str:
    return f"{PREFIX}:{checkin_id}:{rev}:{value}"


def service_of(app: Application) -> CheckInService:  # type: ignore[type-arg]
    data = app.bot_data
    if "checkins" not in data:
        runtime: Runtime = data["runtime"]
        data["checkins"] = CheckInService(runtime.db, runtime.settings)
    return data["checkins"]


def _service(context: ContextTypes.DEFAULT_TYPE) -> CheckInService:
    return service_of(context.application)


# ---- the tick ---------------------------------------------------------------------


def notice_message(t: Translator, kind: str, notice: Notice) -> tuple[str, dict[str, Any], str]:
    """The ask / re-ask message, in outbox shape (Bot API JSON keyboard)."""
    template = ASK_TEXT if kind == "ask" else REASK_TEXT
    text = t(template).format(title=html.escape(notice.class_title))
    markup = {
        "inline_keyboard": [
            [{"text": "▶️ " + t(START), "callback_data": f"{PREFIX}:{notice.checkin_id}:go"}]
        ]
    }
    return text, markup, ParseMode.HTML.value


async def checkin_tick(
    app: Application,  # type: ignore[type-arg]
    now: datetime | None = None,
) -> TickResult:
    """Ask, re-ask, give up: everything due at ``now`` (default: the clock)."""
    runtime: Runtime = app.bot_data["runtime"]
    t = runtime.tr
    result = await service_of(app).tick(
        now or clock_now(), lambda kind, notice: notice_message(t, kind, notice)
    )
    for uid in (*result.asked, *result.reasked):
        # Her cached "no open check-in" is out of date now.
        data = app.user_data.get(uid)
        if data is not None:
            data.pop(CACHE, None)
    if result.asked or result.reasked:
        wake(app)  # the dispatcher sends them now, not at its next tick
    return result


async def _tick_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await checkin_tick(context.application)


# ---- rendering ----------------------------------------------------------------------


def question(view: CheckInView, t: Translator) -> tuple[str, InlineKeyboardMarkup | None]:
    """The open question, drawn by the shared form renderer for ``view.rev``."""
    assert view.checkin_id is not None and view.step is not None
    q = CHECKIN.question(view.step)
    cid, rev = view.checkin_id, view.rev
    markup = question_keyboard(CHECKIN, q, view.state, t, lambda code: cb(cid, rev, code))
    return question_text(CHECKIN, q, view.state, t, view.problem), markup


async def send_view(
    view: CheckInView,
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    *,
    prefix: str | None = None,
) -> None:
    t = tr(context)
    if view.status == "done":
        _remember(context, None)
        text = t(THANKS)
        if view.wants_contact:
            text += "\n" + t(THANKS_CONTACT)
        await context.bot.send_message(chat_id, text)
        return
    if view.step is None:
        return
    text, markup = question(view, t)
    if prefix:
        text = f"{prefix}\n\n{text}"
    await context.bot.send_message(chat_id, text, reply_markup=markup, parse_mode=ParseMode.HTML)
    assert view.checkin_id is not None
    await _service(context).mark_prompted(view.checkin_id, view.rev)


async def resend_owed_prompts(context: ContextTypes.DEFAULT_TYPE) -> None:
    """At start-up: questions saved but never sent before a crash go out now."""
    for view in await _service(context).owed_prompts():
        assert view.user_id is not None
        try:
            await send_view(view, context, view.user_id)
        except Exception as exc:  # one unreachable woman must not stop the rest
            log.warning("owed check-in question not sent: %s", type(exc).__name__)


def _remember(context: ContextTypes.DEFAULT_TYPE, checkin_id: int | None) -> None:
    """Cache her open check-in (an id), or forget it (looked up again next time)."""
    if context.user_data is None:
        return
    if checkin_id is None:
        context.user_data.pop(CACHE, None)
    else:
        context.user_data[CACHE] = checkin_id


# ---- handlers -----------------------------------------------------------------------


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    uid = user_id(update)
    parsed = parse_callback(query.data)
    if parsed is None:
        await query.answer(t(N_("This button is no longer valid.")))
        return
    checkin_id, answer = parsed
    service = _service(context)
    if answer is None:
        view = await service.start(uid, checkin_id, update.update_id)
    else:
        view = await service.answer(uid, checkin_id, update.update_id, answer)
    if view.status == "refused":
        await query.answer(t(N_("This button is no longer valid.")))
        return
    if view.status == "closed":
        _remember(context, None)
        await query.answer(t(CLOSED))
        return
    if view.status == "duplicate_update":
        await query.answer()
        return
    if view.status == "double_tap":
        await query.answer(t(N_("Already noted.")))
        return
    _remember(context, checkin_id if view.status != "done" else None)
    if view.status == "stale":
        await query.answer(t(N_("That button is from an earlier question.")))
        await send_view(view, context, uid, prefix=t(N_("Let us continue from here:")))
        return
    if view.status == "toggled":
        _, markup = question(view, t)
        await asyncio.gather(query.answer(), query.edit_message_reply_markup(markup))
        await service.mark_prompted(checkin_id, view.rev)  # redrawn in place
        return
    await asyncio.gather(query.answer(), send_view(view, context, uid))


async def text_route(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A message while her check-in is open answers it (True); anything else is not ours."""
    msg = update.effective_message
    if msg is None or update.effective_user is None:
        return False
    if msg.text is not None and msg.text.startswith("/"):
        return False
    cache = context.user_data if context.user_data is not None else {}
    checkin_id = cache.get(CACHE)
    if checkin_id is False:
        return False
    uid = update.effective_user.id
    service = _service(context)
    if checkin_id is None:
        checkin_id = await service.open_for(uid)
        cache[CACHE] = checkin_id if checkin_id is not None else False
        if checkin_id is None:
            return False
    answer = Answer("other", message_kind(msg)) if msg.text is None else Answer("text", msg.text)
    view = await service.answer(uid, int(checkin_id), update.update_id, answer)
    if view.status in ("none", "closed", "refused"):
        cache.pop(CACHE, None)  # looked up again next time (another may be open)
        return False
    await send_view(view, context, uid)
    return True


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers) and its tick."""
    app.add_handler(CallbackQueryHandler(on_callback, pattern=rf"^{PREFIX}:"))
    if text_route not in TEXT_ROUTES:  # one route even when several apps are built
        TEXT_ROUTES.append(text_route)
    if app.job_queue is not None:
        runtime: Runtime = app.bot_data["runtime"]
        for job in app.job_queue.get_jobs_by_name(JOB_NAME):
            job.schedule_removal()
        app.job_queue.run_repeating(
            _tick_job,
            interval=max(1.0, runtime.settings.dispatch_interval_seconds),
            first=1.0,
            name=JOB_NAME,
            job_kwargs={"max_instances": 1, "coalesce": True},
        )
