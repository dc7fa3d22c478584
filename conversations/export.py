"""Coordinators' spreadsheets (/ekspor): ``ex:f:<fmt>`` picks the format, then
masked (``ex:go:<fmt>:m``) or full data; full data needs a confirmation whose
button carries a signature only the confirm step issues (``ex:go:<fmt>:f:<at>:<sig>``).
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations.auth import requires
from conversations.common import edit_html, send_html, tapped, tr, user_id
from wrse_bot.buttons import ExportButton
from wrse_bot.clock import now
from wrse_bot.i18n import N_
from wrse_bot.services import export as export_service
from wrse_bot.services.charts import number
from wrse_bot.services.roles import COORDINATORS
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, inline


def _drawn(tap: ExportButton) -> bool:
    """An export button this module draws."""
    if tap.op == "no":
        return True
    drawn = tap.op in ("f", "full", "go") and tap.fmt in export_service.FORMATS
    return drawn and (tap.op != "go" or tap.mode in ("m", "f"))


@requires(COORDINATORS)
async def export_command(update: Update, context: Context) -> None:
    t = tr(context)
    markup = inline(
        [
            [
                button("Excel (XLSX)", ExportButton("f", "xlsx").encode()),
                button("CSV (ZIP)", ExportButton("f", "csv").encode()),
            ]
        ]
    )
    await send_html(context, user_id(update), t(N_("<b>Export data</b>\nWhich format?")), markup)


def _secret(context: Context) -> str:
    key = context.runtime.settings.secret_key
    assert key is not None
    return key.get_secret_value()


@requires(COORDINATORS)
async def export_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    uid = user_id(update)
    tap = await tapped(update, context, ExportButton, _drawn)
    if tap is None:
        return
    op, fmt = tap.op, tap.fmt
    if op != "go":
        await query.answer()
    if op == "no":
        await edit_html(update, t(N_("Export cancelled.")))
    elif op == "f":
        markup = inline(
            [
                [button(t(N_("Masked data")), ExportButton("go", fmt, "m").encode())],
                [button(t(N_("Full data")), ExportButton("full", fmt).encode())],
            ]
        )
        question = N_(
            "Masked data or full data?\n"
            "Masked: no NIK and no address, initials instead of the name, age group "
            "instead of the birth date, phone as 0852****890 and income as a range."
        )
        await edit_html(update, t(question), markup)
    elif op == "full":
        issued = int(now().timestamp())
        token = export_service.full_data_token(_secret(context), uid, fmt, issued)
        go = ExportButton("go", fmt, "f", issued, token).encode()
        markup = inline(
            [
                [button(t(N_("Yes, full data")), go)],
                [button(t(N_("Cancel")), ExportButton("no").encode())],
            ]
        )
        text = N_(
            "Full data shows every NIK, name, phone number, exact income, address and "
            "birth date in full. Export it only if you need it, keep the file safe and "
            "delete it when done. This export is recorded. Continue?"
        )
        await edit_html(update, t(text), markup)
    else:
        masked = tap.mode == "m"
        if not masked and not (
            len(tap.token) == 16
            and export_service.check_full_data_token(
                _secret(context), uid, fmt, tap.issued, tap.token
            )
        ):
            await query.answer(
                t(N_("This confirmation has expired. Please start /ekspor again.")),
                show_alert=True,
            )
            return
        await query.answer(t(N_("Preparing the file…")))
        await edit_html(update, t(N_("Preparing the file…")))
        await send_export(update, context, fmt, masked=masked)


async def send_export(update: Update, context: Context, fmt: str, *, masked: bool) -> None:
    t = tr(context)
    uid = user_id(update)
    await context.bot.send_chat_action(uid, ChatAction.UPLOAD_DOCUMENT)
    runtime = context.runtime
    result = await export_service.export(
        runtime.db,
        uid,
        fmt,
        masked=masked,
        update_id=update.update_id,
        min_group=runtime.settings.report_min_group,
    )
    if result is None:  # a redelivered update: already sent
        return
    c = {k: number(t, v) for k, v in result.counts.items()}
    caption = t(
        N_(
            "{registrants} registrants, {decisions} decisions, {enrolments} enrolments, "
            "{attendance} attendance marks, {checkins} check-ins, {aid} aid records, "
            "{visits} visit notes. Data: {mode}."
        )
    ).format(**c, mode=t(N_("masked")) if masked else t(N_("full")))
    # protect_content: Telegram will not let it be forwarded or saved from the chat.
    await context.bot.send_document(
        uid, document=result.data, filename=result.filename, caption=caption, protect_content=True
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("ekspor", export_command, filters=private),
            CallbackQueryHandler(export_callback, pattern=ExportButton.pattern()),
        ]
    )
