"""Every form's Telegram side, once: one handler for its buttons, one for the
messages that answer it, one renderer (issue 10).

A message goes to her open form (services/forms.py looks it up in the
database); with none open it is not a form's and the caller goes on. Each form
lends a ``Screen``: its name in "continue ..." offers, its review screen, and
what to say when it is closed; everything else is drawn the same for all.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from functools import cache, partial

from telegram import InlineKeyboardMarkup, MaybeInaccessibleMessage, Message, Update
from telegram.constants import ParseMode

from conversations.auth import permitted
from conversations.common import NOT_VALID, message_kind, tapped, tr, user_id
from wrse_bot.buttons import FormButton, OpenForm
from wrse_bot.domain.digits import parse_uint
from wrse_bot.forms.engine import Answer, FormState
from wrse_bot.forms.model import REVIEW, Form
from wrse_bot.i18n import LANGUAGES, N_, Translator, translator
from wrse_bot.services.forms import HELP, FormView, Status
from wrse_bot.services.roles import Role
from wrse_bot.telegram import notices
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.forms import HELP as HELP_LABEL
from wrse_bot.telegram.forms import problem_text, question_keyboard, question_text, warned
from wrse_bot.telegram.keyboards import button, in_rows, inline

log = logging.getLogger(__name__)

EARLIER = N_("That button is from an earlier question.")
CONTINUE_HERE = N_("Let us continue from here:")
NOTED = N_("Already noted.")
CLOSED = N_("This form is already finished.")
HELPED = N_("An officer has been told and will contact you. Meanwhile you can keep going:")
PAUSED = N_("Your {form} is kept: you can return to it when this one is done.")
RESUME = N_("Continue: {form}")
RESUME_OFFER = N_("You left {form} unfinished. Continue it now?")
KEPT = N_("Stopped. Your answers to {form} are kept: you can continue later.")
DISCARDED = N_("Stopped: {form} is cancelled, nothing was saved.")
CANCEL = "cancel"  # the code of a form's own "Batal" button (Screen.cancel)

# Draws what finishing returned (typed results of the service), in place of notices;
# ``message`` is the one whose button finished the form, if any.
Done = Callable[[FormView, Context, MaybeInaccessibleMessage | None], Awaitable[None]]


@dataclass(frozen=True)
class Screen:
    """What one form draws differently from the others."""

    title: str  # msgid: "the check-in", for "Continue: ..."
    review: Callable[[FormState, Translator], tuple[str, InlineKeyboardMarkup]] | None = None
    closed: str = CLOSED
    cancel: str | None = None  # msgid: a "Batal" button under every question (staff forms)
    roles: Collection[Role] | None = None  # who may press its buttons, checked on the server
    done: Done | None = None  # draws what finishing returned, instead of sending notices
    # draws /batal's outcome (``view.kept`` or discarded), instead of the usual line
    cancelled: Callable[[FormView, Context], Awaitable[None]] | None = None


async def on_button(update: Update, context: Context) -> None:
    """A tap on a form's question (``fm:``)."""
    query = update.callback_query
    assert query is not None
    tap = await tapped(update, context, FormButton)
    if tap is None or not await _allowed(update, context, tap.form, "form"):
        return
    forms, owner = context.runtime.forms, user_id(update)
    if tap.code == CANCEL:  # a form's own "Batal" (a review's "leave it unchanged")
        view = await forms.cancel(owner, update.update_id, form=tap.form, rev=tap.rev)
    else:
        answer = Answer("choice", tap.code, tap.rev)
        view = await forms.handle(owner, update.update_id, answer, form=tap.form)
    await show(
        view,
        context,
        tapped=query.answer,
        redraw=query.edit_message_reply_markup,
        message=query.message,
    )


async def on_open(update: Update, context: Context) -> None:
    """ "Mulai" / "Lanjutkan" (``fo:``): open a form, or return to it where she stopped."""
    query = update.callback_query
    assert query is not None
    tap = await tapped(
        update, context, OpenForm, lambda tap: tap.form in context.runtime.forms.specs
    )
    if tap is None or not await _allowed(update, context, tap.form, "open"):  # staff forms: staff
        return
    await open_form(update, context, tap.form, tap.subject or None, tapped=query.answer)


async def _allowed(update: Update, context: Context, form: str, what: str) -> bool:
    """A staff form's buttons work for its roles only, checked now (a refusal is audited)."""
    screen = screens(context).get(form)
    if screen is None or screen.roles is None:
        return True
    return await permitted(update, context, screen.roles, f"{what}:{form}")


async def open_form(
    update: Update,
    context: Context,
    form: str,
    subject: int | None = None,
    *,
    tapped: Callable[..., object] | None = None,
) -> FormView:
    view = await context.runtime.forms.open(
        user_id(update), form, subject, update_id=update.update_id
    )
    await show(view, context, tapped=tapped)
    return view


async def open_by_number(
    update: Update, context: Context, form: str, *, usage: str, unknown: str
) -> None:
    """``/command <number>``: open ``form`` about her registration number, or say
    how to type it (``usage``), or that there is none to open (``unknown``, a
    msgid with ``{number}``)."""
    t, uid = tr(context), user_id(update)
    args = context.args or []
    number = parse_uint(args[0].lstrip("#")) if len(args) == 1 else None
    if number is None:
        await context.bot.send_message(uid, t(usage))
        return
    view = await open_form(update, context, form, number)
    if view.status in (Status.REFUSED, Status.CLOSED):
        await context.bot.send_message(uid, t(unknown).format(number=number))


async def on_message(update: Update, context: Context) -> bool:
    """A message to her open form (True), or not a form's (False)."""
    msg = update.effective_message
    if msg is None or update.effective_user is None:
        return False
    if msg.text is not None and msg.text.startswith("/"):
        return False
    uid = user_id(update)
    view = await context.runtime.forms.handle(uid, update.update_id, _answer(msg, uid))
    if view.status == Status.NONE:
        return False
    await show(view, context)
    return True


FOREIGN = Answer("other", "foreign_contact")


def _answer(msg: Message, uid: int) -> Answer:
    """Her message as an answer: her words, her own shared number, or what else she sent."""
    if msg.contact is not None:
        # Only her own card counts as her number (Telegram sets user_id for it).
        own = msg.contact.user_id is not None and msg.contact.user_id == uid
        return Answer("text", msg.contact.phone_number) if own else FOREIGN
    if msg.text is None:
        return Answer("other", message_kind(msg))
    if msg.text.replace("🙋", "").strip().casefold() in _help_labels():
        return Answer("help", msg.text)  # also the phone question's keyboard button
    return Answer("text", msg.text)  # a reply-keyboard button's label is typed words


@cache
def _help_labels() -> frozenset[str]:
    return frozenset(translator(lang)(HELP_LABEL).casefold() for lang in LANGUAGES)


async def cancel(update: Update, context: Context) -> bool:
    """/batal on her open form (True): kept for later or discarded, as the form
    says; False when no form is open."""
    view = await context.runtime.forms.cancel(user_id(update), update.update_id)
    if view.status == Status.NONE:
        return False
    await show(view, context)
    return True


# ---- drawing ----------------------------------------------------------------------


def screens(context: Context) -> Mapping[str, Screen]:
    return context.bot_data.form_screens


async def show(
    view: FormView,
    context: Context,
    *,
    tapped: Callable[..., object] | None = None,
    redraw: Callable[..., object] | None = None,
    message: MaybeInaccessibleMessage | None = None,
) -> None:
    """Her view, drawn: the question, a redraw, a short answer to the tap, the end."""
    t = tr(context)

    async def answer(text: str | None = None) -> None:
        if tapped is not None:
            await tapped(t(text) if text else None)  # type: ignore[misc]

    status = view.status
    if status in (Status.NONE, Status.REFUSED):  # a tap on no form of hers: forged or ancient
        await answer(NOT_VALID)
    elif status == Status.DUPLICATE:
        await answer()
    elif status == Status.CANCELLED:
        await answer()
        screen = screens(context).get(view.form or "")
        if screen is not None and screen.cancelled is not None:
            await screen.cancelled(view, context)
        else:
            name = title(context, view.form or "")
            await context.bot.send_message(
                view.owner, t(KEPT if view.kept else DISCARDED).format(form=name)
            )
        if view.resumable:
            await offer_return(context, view.owner, view.resumable)
    elif status == Status.CLOSED:
        screen = screens(context).get(view.form or "")
        await answer(screen.closed if screen else CLOSED)
    elif status == Status.DOUBLE_TAP:
        await answer(NOTED)
    elif status == Status.STALE:
        await answer(EARLIER)
        await ask(view, context, prefix=t(CONTINUE_HERE))
    elif status == Status.TOGGLED and redraw is not None:
        text, markup = question(view, context)
        if isinstance(message, Message) and warned(message.text):  # a valid pick: warning goes
            redraw = partial(message.edit_text, text, parse_mode=ParseMode.HTML)
        await asyncio.gather(answer(), redraw(reply_markup=markup))  # type: ignore[arg-type]
        context.runtime.forms.delivered(view)
    elif status == Status.HELP:
        await asyncio.gather(answer(), ask(view, context, prefix=t(HELPED)))
    elif status == Status.DONE:
        await answer()
        screen = screens(context).get(view.form or "")
        if screen is not None and screen.done is not None:
            await screen.done(view, context, message)
        for notice in view.notices if screen is None or screen.done is None else ():
            await notices.send(context.bot, notice, t)
        if view.resumable:
            await offer_return(context, view.owner, view.resumable)
    else:
        prefix = None
        if view.paused:
            prefix = t(PAUSED).format(form=title(context, view.paused))
        await asyncio.gather(answer(), ask(view, context, prefix=prefix))


escape = html.escape


def escaped(params: Mapping[str, object]) -> dict[str, object]:
    """Her words escaped for an HTML screen; Money, Day and Msg stay for the renderer."""
    return {k: html.escape(v) if isinstance(v, str) else v for k, v in params.items()}


def title(context: Context, form: str) -> str:
    screen = screens(context).get(form)
    return tr(context)(screen.title) if screen else form


async def offer_return(context: Context, owner: int, form: str) -> None:
    t = tr(context)
    name = title(context, form)
    markup = inline([[button("▶️ " + t(RESUME).format(form=name), OpenForm(form, 0).encode())]])
    await context.bot.send_message(owner, t(RESUME_OFFER).format(form=name), reply_markup=markup)


def review_keyboard(
    t: Translator,
    edits: Mapping[str, str],
    *,
    submit: str = N_("Save"),
    mark: str = "✅ ",
    back: bool = False,
) -> InlineKeyboardMarkup:
    """A review's buttons: ``submit`` first, then one per answer she may change
    (question id -> msgid), two a row, and "Kembali" last if ``back``."""
    changes = [button(t(label), f"edit_{step}") for step, label in edits.items()]
    rows = [[button(mark + t(submit), "submit")], *in_rows(changes, 2)]
    return inline([*rows, [button("⬅️ " + t(N_("Back")), "back")]] if back else rows)


def form_of(context: Context, name: str) -> Form:
    return context.runtime.forms.specs[name].form


def question(view: FormView, context: Context) -> tuple[str, InlineKeyboardMarkup | None]:
    """The open question (or the review), drawn for ``view.rev``."""
    assert view.form is not None and view.step is not None
    t = tr(context)
    form, rev, state = form_of(context, view.form), view.rev, view.state
    screen = screens(context).get(view.form)
    if view.step == REVIEW and screen is not None and screen.review is not None:
        text, markup = screen.review(state, t)
        if view.problem is not None:
            text = f"{problem_text(view.problem, t)}\n\n{text}"
        markup = _stamped(markup, view.form, rev)
        if view.offer_help:  # below everything, as under a question
            help_row = [button("🙋 " + t(HELP_LABEL), FormButton(view.form, rev, HELP).encode())]
            markup = inline([*markup.inline_keyboard, help_row])
        return text, markup
    q = form.question(view.step)
    data = lambda code: FormButton(view.form, rev, code).encode()  # noqa: E731
    help_data = data(HELP) if view.offer_help else None
    markup = question_keyboard(form, q, state, t, data, help_data=help_data)
    if screen is not None and screen.cancel is not None:  # a staff form: "Batal" last
        rows = [
            *(markup.inline_keyboard if markup else ()),
            [button(t(screen.cancel), data(CANCEL))],
        ]
        markup = inline(rows)
    return question_text(form, q, state, t, view.problem), markup


def _stamped(markup: InlineKeyboardMarkup, form: str, rev: int) -> InlineKeyboardMarkup:
    """A review screen's buttons carry engine codes; here they get their revision."""
    rows = [
        [button(b.text, FormButton(form, rev, str(b.callback_data)).encode()) for b in row]
        for row in markup.inline_keyboard
    ]
    return inline(rows)


async def ask(
    view: FormView,
    context: Context,
    *,
    prefix: str | None = None,
    html_prefix: str | None = None,
) -> None:
    """Her open question, after ``prefix`` (plain words) or ``html_prefix``."""
    if view.step is None:
        return
    text, markup = question(view, context)
    if prefix:
        html_prefix = html.escape(prefix)
    if html_prefix:
        text = f"{html_prefix}\n\n{text}"
    await context.bot.say(view.owner, text, reply_markup=markup, parse_mode=ParseMode.HTML)
    context.runtime.forms.delivered(view)


async def resend_owed(context: Context) -> None:
    """At start-up: questions saved but never sent before a crash go out now."""
    for view in await context.runtime.forms.owed():
        try:
            await ask(view, context)
        except Exception as exc:  # one unreachable person must not stop the rest
            log.warning("owed question not sent: %s", type(exc).__name__)
