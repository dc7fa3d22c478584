"""The coordinators' report, /laporan (numbers and charts), and spreadsheets,
/ekspor. The follow-up queue is ``conversations.follow_ups``. Every command and
button requires a coordinator (or admin) role, checked now.

/laporan's callback data ``lp:<op>:<period>:<kec>:<target>``, checked with a
strict pattern: the report's filters travel in the buttons themselves (op f =
show filters, t = pick a class/skill, go = run).

/ekspor: ``ex:f:<fmt>`` picks the format, then masked (``ex:go:<fmt>:m``) or
full data; full data needs a confirmation whose button carries a signature only
the confirm step issues (``ex:go:<fmt>:f:<at>:<sig>``).
"""

from __future__ import annotations

import asyncio
import html
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from conversations.auth import requires
from conversations.common import edit_html, send_html, stale_button, tapped, tr, user_id
from conversations.my_data import VERDICTS
from wrse_bot.buttons import ExportButton, ReportButton
from wrse_bot.clock import now
from wrse_bot.domain.aid import AID_KINDS
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.domain.obstacles import OBSTACLES
from wrse_bot.domain.places import load_places
from wrse_bot.domain.visits import OBSTACLE_KINDS, VISIT_OBSTACLES
from wrse_bot.i18n import N_, Translator
from wrse_bot.services import charts
from wrse_bot.services import export as export_service
from wrse_bot.services.charts import bracket_money, number, percent, shown
from wrse_bot.services.reports import (
    PERIODS,
    PublishedReport,
    ReportFilter,
    Shown,
    ShownCell,
    build_report,
    class_choices,
    class_title,
    publish,
)
from wrse_bot.services.roles import COORDINATORS, audit_now
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.keyboards import button, in_rows, inline

KOTA_PREFIX = "35.79."
# matplotlib is not made for several threads drawing at once: one at a time.
_CHART_LOCK = threading.Lock()


def _encode(f: ReportFilter, op: str = "f") -> str:
    """A panel button: ``op`` (f filters, t pick a target, go show) with filter ``f``."""
    kec = f.kecamatan.removeprefix(KOTA_PREFIX).replace(".", "_") if f.kecamatan else "all"
    target = f"c{f.class_id}" if f.class_id else f"s{f.skill}" if f.skill else "all"
    return ReportButton(op, f.period, kec, target).encode()


def _decode(period: str, kec: str, target: str) -> ReportFilter | None:
    """The filter a panel button carries; None for one this module did not draw."""
    kecamatan = None if kec == "all" else KOTA_PREFIX + kec.replace("_", ".")
    places = load_places()
    if kecamatan is not None and (
        kecamatan not in places or places.get(kecamatan).level != "kecamatan"
    ):
        return None
    class_id = cbd.number(target[1:]) if target.startswith("c") else None
    if target.startswith("c") and class_id is None:
        return None
    skill = target[1:] if target.startswith("s") else None
    try:  # an unknown period or skill
        return ReportFilter(period=period, kecamatan=kecamatan, class_id=class_id, skill=skill)
    except ValueError:
        return None


def _kecamatan_name(code: str | None, t: Translator) -> str:
    return load_places().name(code, code or t(N_("Unknown")))


def _target_label(f: ReportFilter, t: Translator, class_title: str | None = None) -> str:
    if f.skill:
        return t(SKILLS[f.skill])
    if f.class_id:
        return class_title or f"#{f.class_id}"
    return t(N_("all"))


def _filter_line(f: ReportFilter, t: Translator, class_title: str | None = None) -> str:
    return t(N_("Period: {period} · Kecamatan: {kecamatan} · Class: {target}")).format(
        period=t(PERIODS[f.period]),
        kecamatan=_kecamatan_name(f.kecamatan, t) if f.kecamatan else t(N_("all")),
        target=html.escape(_target_label(f, t, class_title)),
    )


def _mark(selected: bool, label: str) -> str:
    return f"✓ {label}" if selected else label


def _panel(f: ReportFilter, t: Translator, title: str | None = None) -> tuple[str, object]:
    def with_(**changes: Any) -> str:
        return _encode(replace(f, **changes))  # op f

    periods = [
        button(_mark(f.period == p, t(label)), with_(period=p)) for p, label in PERIODS.items()
    ]
    kecamatan = [
        button(_mark(f.kecamatan == k.code, k.name), with_(kecamatan=k.code))
        for k in load_places().kecamatan()
    ]
    kecamatan.append(
        button(_mark(f.kecamatan is None, t(N_("All kecamatan"))), with_(kecamatan=None))
    )
    text = t(N_("<b>Report</b>\nChoose the filters, then tap Show report.")) + "\n"
    text += _filter_line(f, t, title)
    target = t(N_("Class or skill: {target}")).format(target=_target_label(f, t, title))
    rows = [
        periods,
        kecamatan[:3],
        kecamatan[3:],
        [button(target[:60], _encode(f, "t"))],
        [button("📊 " + t(N_("Show report")), _encode(f, "go"))],
    ]
    return text, inline(rows)


async def _target_picker(f: ReportFilter, t: Translator, context: Context):  # type: ignore[no-untyped-def]
    def pick(class_id: int | None = None, skill: str | None = None) -> str:
        return _encode(replace(f, class_id=class_id, skill=skill))

    skills = [
        button(_mark(f.skill == code, t(label)), pick(skill=code)) for code, label in SKILLS.items()
    ]
    classes = [
        button(_mark(f.class_id == c.id, c.title[:40]), pick(class_id=c.id))
        for c in await class_choices(context.runtime.db)
    ]
    rows: list[list[InlineKeyboardButton]] = [
        *in_rows(skills, 2),
        *in_rows(classes, 1),
        [button(_mark(not f.skill and not f.class_id, t(N_("All classes"))), pick())],
        [button("⬅️ " + t(N_("Back")), _encode(f))],
    ]
    return t(N_("Choose a skill or a class:")), inline(rows)


@requires(COORDINATORS)
async def report_command(update: Update, context: Context) -> None:
    await send_html(context, user_id(update), *_panel(ReportFilter(), tr(context)))


@requires(COORDINATORS)
async def report_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    tap = await tapped(update, context, ReportButton, lambda tap: tap.op in ("f", "t", "go"))
    if tap is None:
        return
    f = _decode(tap.period, tap.kec, tap.target)
    title = None
    if f is not None and f.class_id is not None:
        title = await class_title(context.runtime.db, f.class_id)
    if f is None or (f.class_id is not None and title is None):
        await stale_button(update, context)
        return
    op = tap.op
    if op != "go":
        await query.answer()
    if op == "f":
        await edit_html(update, *_panel(f, t, title))
    elif op == "t":
        await edit_html(update, *(await _target_picker(f, t, context)))
    else:
        await query.answer(t(N_("Preparing the report…")))
        await send_report(update, context, f)


def render_report(r: PublishedReport, t: Translator) -> str:
    """The numbers in one short Indonesian message (HTML); "< 5" where too few women."""
    n, pct, money = _formats(t)
    lines = [t(N_("<b>WRSE report</b>")), _filter_line(r.filter, t, r.class_title), ""]

    lines.append(t(N_("<b>Registrations:</b> {n}")).format(n=n(r.registrations)))
    verdicts = [
        f"{t(VERDICTS[v])} {n(r.by_verdict[v])}"
        for v in ("eligible", "needs_review", "not_eligible")
        if r.by_verdict.get(v)
    ]
    other = [c for v, c in r.by_verdict.items() if v not in VERDICTS and c]
    if other:
        verdicts.append(f"{t(N_('Unknown'))} {n(_sum(other, r.min_group))}")
    if verdicts:
        lines.append("• " + " · ".join(verdicts))
    if r.by_kecamatan:
        by_place = sorted(r.by_kecamatan.items(), key=lambda kv: (kv[0] == "", kv[0]))
        lines.append("• " + " · ".join(f"{_kecamatan_name(k, t)} {n(c)}" for k, c in by_place))

    lines.append(
        t(
            N_(
                "<b>Classes:</b> {enrolled} enrolled, {waitlisted} waiting, "
                "{offered} offered a seat, {cancelled} cancelled"
            )
        ).format(**{k: n(v) for k, v in r.enrolments.items()})
    )
    lines.append(
        t(N_("• Attendance: not recorded yet"))
        if r.attendance_rate is None
        else t(N_("• Attendance: {rate} ({present} of {marked})")).format(
            rate=pct(r.attendance_rate),
            present=n(r.attendance_present),
            marked=n(r.attendance_marked),
        )
    )
    lines.append(t(N_("• Completed a class: {n} women")).format(n=n(r.women_completed)))

    lines.append(t(N_("<b>Check-in responses:</b>")))
    for rs in r.rounds:
        lines.append(
            t(N_("• {days} days: not asked yet")).format(days=rs.round_days)
            if rs.response_rate is None
            else t(N_("• {days} days: {answered} of {asked} answered ({rate})")).format(
                days=rs.round_days,
                answered=n(rs.answered),
                asked=n(rs.asked),
                rate=pct(rs.response_rate),
            )
        )

    lines.append(t(N_("<b>Income (median, ± Rp100.000):</b>")))
    if r.intake_median is not None:
        lines.append(t(N_("• At intake: {amount}")).format(amount=money(r.intake_median)))
    for rs in r.rounds:
        lines.append(
            t(N_("• {days} days: no answers yet")).format(days=rs.round_days)
            if not rs.pairs or rs.median_before is None or rs.median_after is None
            else t(N_("• {days} days: {before} → {after} (n={n}); rose for {share}")).format(
                days=rs.round_days,
                before=money(rs.median_before),
                after=money(rs.median_after),
                n=n(rs.pairs),
                share=pct(rs.rose_share),
            )
        )

    lines.append(
        t(N_("<b>Started a business:</b> no answers yet"))
        if r.business_share is None
        else t(N_("<b>Started a business:</b> {n} of {total} women ({share})")).format(
            n=n(r.women_business), total=n(r.women_answered), share=pct(r.business_share)
        )
    )

    if r.obstacles:
        named = " · ".join(f"{t(OBSTACLES.get(k, k))} {n(c)}" for k, c in r.obstacles.items())
        lines.append(t(N_("<b>Obstacles named:</b> {list}")).format(list=named))
    else:
        lines.append(t(N_("<b>Obstacles named:</b> none yet")))
    return "\n".join([*lines, *aid_lines(r, t), *visit_lines(r, t)])


Format = Callable[[Any], str]


def _formats(t: Translator) -> tuple[Format, Format, Format]:
    """A published count, share and median as HTML text: "&lt; 5" when withheld, "-" for none."""

    def fmt(render: Format) -> Format:
        return lambda v: "-" if v is None else esc(shown(v, render))

    return (
        fmt(lambda x: number(t, x)),
        fmt(lambda x: percent(t, x)),
        fmt(lambda x: bracket_money(t, x)),
    )


def _month(t: Translator, month: str) -> str:
    """ "2026-12" as "Des 2026"."""
    return esc(t.month(date.fromisoformat(month + "-01")))


def aid_lines(r: PublishedReport, t: Translator) -> list[str]:
    """Business aid by kind, kecamatan and month: how many, and the total in Rupiah."""
    if not r.aid.by_kind:
        return [t(N_("<b>Business aid:</b> none recorded yet"))]
    n, pct, _ = _formats(t)

    def cell(c: ShownCell) -> str:
        return t(N_("{n} ({total})")).format(n=n(c.aids), total=esc(shown(c.total, t.money)))

    kinds = " · ".join(f"{t(AID_KINDS.get(k, k))} {cell(c)}" for k, c in r.aid.by_kind.items())
    places = " · ".join(f"{_kecamatan_name(k, t)} {cell(c)}" for k, c in r.aid.by_kecamatan.items())
    months = " · ".join(f"{_month(t, m)} {cell(c)}" for m, c in r.aid.by_month.items())
    lines = [
        t(N_("<b>Business aid</b> (count, total):")),
        t(N_("• By kind: {list}")).format(list=kinds),
        t(N_("• By kecamatan: {list}")).format(list=places),
        t(N_("• By month: {list}")).format(list=months),
    ]
    rounds: dict[int, list[str]] = {}
    for e in r.aid.effects:
        group = t(AID_KINDS.get(e.kind, e.kind)) if e.kind else t(N_("no aid"))
        rounds.setdefault(e.round_days, []).append(
            t(N_("{group}: rose {rose}, fell {fell} (n={n})")).format(
                group=group, rose=pct(e.rose_share), fell=pct(e.fell_share), n=n(e.women)
            )
        )
    if rounds:
        lines.append(t(N_("<b>Income at check-in, with aid and without:</b>")))
        lines += [
            t(N_("• {days} days: {list}")).format(days=days, list=" · ".join(groups))
            for days, groups in rounds.items()
        ]
    return lines


def visit_lines(r: PublishedReport, t: Translator) -> list[str]:
    """Accompaniment: obstacles seen on visits (inside, outside)."""
    v, n = r.visits, _formats(t)[0]
    if not v.kinds:
        return [t(N_("<b>Obstacles seen on visits:</b> no visit noted yet"))]
    kinds = " · ".join(f"{t(OBSTACLE_KINDS[k])} {n(c)}" for k, c in v.kinds.items())
    named = " · ".join(f"{t(VISIT_OBSTACLES[o][0])} {n(c)}" for o, c in v.obstacles.items())
    return [
        t(N_("<b>Obstacles seen on visits</b> (visits): {list}")).format(list=kinds),
        t(N_("• In detail: {list}")).format(list=named),
    ]


def companion_report(r: PublishedReport, t: Translator) -> str | None:
    """Each companion's work, as a message of its own (there may be many); None without any."""
    if not r.visits.companions:
        return None
    n = _formats(t)[0]
    lines = [t(N_("<b>Companions</b> (women of her desa; visits per month; follow-ups):"))]
    places = load_places()
    for c in r.visits.companions:
        months = " · ".join(f"{_month(t, m)} {n(x)}" for m, x in c.visits_by_month.items())
        lines.append(
            t(
                N_(
                    "• {who} ({villages}): {caseload} women, {quiet} not contacted for 30 days; "
                    "visits {months}; follow-ups {open} open, {resolved} resolved"
                )
            ).format(
                who=c.companion_id,
                villages=esc(", ".join(places.name(v) for v in c.villages)),
                caseload=n(c.caseload),
                quiet=n(c.not_contacted),
                months=months or "-",
                open=n(c.open),
                resolved=n(c.resolved),
            )
        )
    return "\n".join(lines)


def esc(text: str) -> str:
    """Figures go into HTML: "< 5" must arrive as text, not as a tag."""
    return html.escape(text, quote=False)


def _sum(cells: list[Shown], min_group: int) -> Shown:
    """Cells added up: withheld if any of them is (their sum would give it back)."""
    if any(isinstance(c, Withheld) for c in cells):
        return Withheld(min_group)
    return sum(c for c in cells if isinstance(c, int))


def draw_charts(r: PublishedReport, t: Translator) -> list[tuple[str, bytes]]:
    with _CHART_LOCK:
        return charts.all_charts(r, t)


async def send_report(update: Update, context: Context, f: ReportFilter) -> None:
    runtime = context.runtime
    t = tr(context)
    uid = user_id(update)
    await context.bot.send_chat_action(uid, ChatAction.UPLOAD_PHOTO)
    report = publish(await build_report(runtime.db, f), runtime.settings.report_min_group)
    await audit_now(runtime.db, uid, "view_report", detail=_encode(f))
    await context.bot.send_message(uid, render_report(report, t), parse_mode=ParseMode.HTML)
    companions = companion_report(report, t)
    if companions is not None:
        await send_html(context, uid, companions)  # fitted: there may be many companions
    pictures = await asyncio.to_thread(draw_charts, report, t)
    for name, png in pictures:
        await context.bot.send_photo(uid, photo=png, filename=f"{name}.png")


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
            CommandHandler("laporan", report_command, filters=private),
            CallbackQueryHandler(report_callback, pattern=ReportButton.pattern()),
            CommandHandler("ekspor", export_command, filters=private),
            CallbackQueryHandler(export_callback, pattern=ExportButton.pattern()),
        ]
    )
