"""Staff mark attendance (/hadir, or "Kehadiran" on a class): a session, then a
sheet of the women enrolled to tick, then "Simpan". Rules live in
``wrse_bot.services.attendance``. Its buttons share the staff's "sc:" grammar
(``conversations.staff_classes`` dispatches them here, by ``ACTIONS``).
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.error import BadRequest

from conversations.common import send_html, stale_button, tr, user_id
from wrse_bot.domain.statuses import ClassStatus
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.attendance import AttendanceError, SessionSheet
from wrse_bot.services.class_labels import session_label
from wrse_bot.services.class_views import read_card
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, in_rows, inline

MAX_SHEET_BUTTONS = 95  # Telegram allows 100 inline buttons per message


def act(verb: str, *ids: int) -> str:
    """A staff action button: ``sc:<verb>:<id>[:<id>...]``."""
    return ":".join(["sc", verb, *(str(i) for i in ids)])


async def choose_session(update: Update, context: Context, class_id: int) -> None:
    t = tr(context)
    info = await read_card(context.runtime.db, class_id)
    if info is None or info.status != ClassStatus.PUBLISHED or not info.sessions:
        await stale_button(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    rows = [
        [button(f"{i}. {session_label(t, s.span)}", act("hs", s.id))]
        for i, s in enumerate(info.sessions, start=1)
    ]
    text = t(N_("Attendance for class {title}: which session?")).format(
        title=html.escape(info.title)
    )
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


async def open_sheet(update: Update, context: Context, session_id: int) -> None:
    t = tr(context)
    try:
        sheet = await context.runtime.attendance.sheet(session_id)
    except AttendanceError:
        await stale_button(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    info = await read_card(context.runtime.db, sheet.class_id)
    assert info is not None
    session = next(s for s in info.sessions if s.id == session_id)
    if not sheet.marks:
        await send_html(context, user_id(update), t(N_("Nobody is enrolled in this class.")))
        return
    text = "\n".join(
        [
            f"<b>{html.escape(info.title)}</b>",
            session_label(t, session.span),
            t(N_("Tap each woman who came, then tap Save.")),
        ]
    )
    await send_html(context, user_id(update), text, sheet_markup(t, sheet), personal=True)


async def toggle_mark(
    update: Update,
    context: Context,
    session_id: int,
    enrolment_id: int,
    present: int,
) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    if present not in (0, 1):
        await stale_button(update, context)
        return
    try:
        sheet = await context.runtime.attendance.mark(
            user_id(update), update.update_id, session_id, enrolment_id, bool(present)
        )
    except AttendanceError:
        await stale_button(update, context)
        return
    await query.answer()
    try:
        await query.edit_message_reply_markup(sheet_markup(t, sheet))
    except BadRequest as exc:
        if "not modified" not in exc.message:  # a double tap finds the sheet as it is
            raise


async def save_sheet(update: Update, context: Context, session_id: int) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    try:
        result = await context.runtime.attendance.save(
            user_id(update), update.update_id, session_id
        )
    except AttendanceError:
        await stale_button(update, context)
        return
    await query.answer()
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
    ("h", 1): choose_session,
    ("hs", 1): open_sheet,
    ("hm", 3): toggle_mark,
    ("hv", 1): save_sheet,
}
