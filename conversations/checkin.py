"""The check-in: months after a class, five short questions (the form
wrse_bot/forms/checkin.py, run by the one engine like every form). This module
keeps the tick, ``checkin_tick(app, now)``, a repeating job (and from tests with
an injected ``now``): due check-ins are asked through the outbox with a "Mulai"
button (``fo:checkin:<id>``; the server checks it is hers and open), unanswered
ones re-asked once, then marked no_response.
"""

from __future__ import annotations

import html
from datetime import datetime
from functools import partial
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from conversations import forms
from conversations.common import tr
from wrse_bot.buttons import OpenForm
from wrse_bot.clock import now as clock_now
from wrse_bot.forms.checkin import CHECKIN
from wrse_bot.i18n import N_, Translator
from wrse_bot.scheduler import wake
from wrse_bot.services.checkins import Notice, TickResult
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.context import Context, runtime_of

JOB_NAME = "checkin-tick"
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
SCREEN = forms.Screen(
    title=N_("the check-in"), closed=N_("This check-in is already finished. Thank you!")
)
# "Mulai" as drawn before the engine service (ci:<id>:go): still opens her check-in.
LEGACY_START = cbd.compile_pattern(r"ci:(?P<id>\d{1,9}):go")


def notice_message(t: Translator, kind: str, notice: Notice) -> tuple[str, dict[str, Any], str]:
    """The ask / re-ask message, in outbox shape (Bot API JSON keyboard)."""
    template = ASK_TEXT if kind == "ask" else REASK_TEXT
    text = t(template).format(title=html.escape(notice.class_title))
    start = OpenForm(CHECKIN.name, notice.checkin_id).encode()
    markup = {"inline_keyboard": [[{"text": "▶️ " + t(START), "callback_data": start}]]}
    return text, markup, ParseMode.HTML.value


async def checkin_tick(
    app: Application,  # type: ignore[type-arg]
    now: datetime | None = None,
) -> TickResult:
    """Ask, re-ask, give up: everything due at ``now`` (default: the clock)."""
    runtime = runtime_of(app)
    result = await runtime.checkins.tick(now or clock_now(), partial(notice_message, runtime.tr))
    if result.asked or result.reasked:
        wake(app)  # the dispatcher sends them now, not at its next tick
    return result


async def _tick_job(context: Context) -> None:
    await checkin_tick(context.application)


async def on_legacy_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    found = cbd.match(LEGACY_START, query.data)
    checkin_id = cbd.number(found["id"]) if found else None
    if checkin_id is None:  # an answer button of the old kind: its question is gone
        await query.answer(tr(context)(forms.NOT_VALID))
        return
    await forms.open_form(update, context, CHECKIN.name, checkin_id, tapped=query.answer)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers) and its tick."""
    app.add_handler(CallbackQueryHandler(on_legacy_callback, pattern=r"^ci:"))
    if app.job_queue is not None:
        runtime = runtime_of(app)
        for job in app.job_queue.get_jobs_by_name(JOB_NAME):
            job.schedule_removal()
        app.job_queue.run_repeating(
            _tick_job,
            interval=max(1.0, runtime.settings.dispatch_interval_seconds),
            first=1.0,
            name=JOB_NAME,
            job_kwargs={"max_instances": 1, "coalesce": True},
        )
