"""The coordinators' review: /laporan (numbers and charts), /tindak_lanjut
(check-ins needing a person) and /ekspor (spreadsheets).

Callback data, each checked with a strict pattern and re-checked on the server:
- ``lp:<op>:<period>:<kec>:<target>``: the report's filters travel in the
  buttons themselves (op f = show filters, t = pick a class/skill, go = run);
- ``tl:<op>:<follow-up id>``: take (a), note (n), cancel note (x), resolve (r);
- ``ex:<op>:<fmt>[...]``: format, then masked or full; full data needs a
  confirmation whose button carries a signature only the confirm step issues.
Every command and button requires a coordinator (or admin) role, checked now.
"""

from __future__ import annotations

import asyncio
import html
import threading

from telegram import InlineKeyboardButton, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from conversations.auth import cached_role, requires
from conversations.common import TEXT_ROUTES, fallback, rt, tr, user_id
from conversations.my_data import VERDICTS
from wrse_bot.clock import now
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.disclosure import Withheld
from wrse_bot.domain.obstacles import (
    FOLLOW_UP_REASONS,
    HELP_KINDS,
    INCOME_CHANGES,
    OBSTACLE_OTHER,
    OBSTACLES,
)
from wrse_bot.domain.places import load_places
from wrse_bot.i18n import N_, Translator
from wrse_bot.services import charts
from wrse_bot.services import export as export_service
from wrse_bot.services.charts import bracket_money, number, percent, shown
from wrse_bot.services.follow_up import NOTE_MAX, ActionResult, FollowUpCard, FollowUpService
from wrse_bot.services.reports import (
    PERIODS,
    PublishedReport,
    ReportFilter,
    Shown,
    build_report,
    class_choices,
    class_title,
    publish,
)
from wrse_bot.services.roles import COORDINATORS, audit_now
from wrse_bot.telegram import callback_data as cbd
from wrse_bot.telegram.fit import fit_html
from wrse_bot.telegram.keyboards import button, in_rows, inline

LP = cbd.compile_pattern(r"lp:(f|t|go):(30|90|y|a):(all|0[1-9]):(all|c[0-9]{1,9}|s[a-z_]{1,20})")
TL = cbd.compile_pattern(r"tl:(a|n|x|r):([0-9]{1,12})")
EX = cbd.compile_pattern(
    r"ex:(?:(f|full):(xlsx|csv)"
    r"|(go):(xlsx|csv):(m|f(?::[0-9]{1,12}:[0-9a-f]{16})?)"
    r"|(no))"
)
NOTES_SHOWN = 2000  # characters of notes on a card; the rest of it stays far below 4,096
NOTE_CACHE = "follow_up_note"  # context.user_data: has an open follow-up note (bool)
KOTA_PREFIX = "35.79."
# matplotlib is not made for several threads drawing at once: one at a time.
_CHART_LOCK = threading.Lock()

BUSINESS_NONE = "-"


def invalid(t: Translator) -> str:
    return t(N_("This button is no longer valid."))


async def _edit(update: Update, text: str, markup: object = None) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,  # type: ignore[arg-type]
        )
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise


# =========================================================================================
# /laporan
# =========================================================================================


def _encode(f: ReportFilter) -> str:
    kec = f.kecamatan.removeprefix(KOTA_PREFIX) if f.kecamatan else "all"
    target = f"c{f.class_id}" if f.class_id else f"s{f.skill}" if f.skill else "all"
    return f"{f.period}:{kec}:{target}"


def _decode(period: str, kec: str, target: str) -> ReportFilter | None:
    kecamatan = None
    if kec != "all":
        kecamatan = KOTA_PREFIX + kec
        places = load_places()
        if kecamatan not in places or places.get(kecamatan).level != "kecamatan":
            return None
    class_id = cbd.number(target[1:]) if target.startswith("c") else None
    if target.startswith("c") and class_id is None:
        return None
    skill = target[1:] if target.startswith("s") else None
    if skill is not None and skill not in SKILLS:
        return None
    return ReportFilter(period=period, kecamatan=kecamatan, class_id=class_id, skill=skill)


def _kecamatan_name(code: str | None, t: Translator) -> str:
    if not code:
        return t(N_("Unknown"))
    places = load_places()
    return places.get(code).name if code in places else code


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
    def with_(**changes: object) -> str:
        values = {
            "period": f.period,
            "kecamatan": f.kecamatan,
            "class_id": f.class_id,
            "skill": f.skill,
            **changes,
        }
        return _encode(ReportFilter(**values))  # type: ignore[arg-type]

    periods = [
        button(_mark(f.period == p, t(label)), f"lp:f:{with_(period=p)}")
        for p, label in PERIODS.items()
    ]
    kecamatan = [
        button(_mark(f.kecamatan == k.code, k.name), f"lp:f:{with_(kecamatan=k.code)}")
        for k in load_places().kecamatan()
    ]
    kecamatan.append(
        button(_mark(f.kecamatan is None, t(N_("All kecamatan"))), f"lp:f:{with_(kecamatan=None)}")
    )
    text = "\n".join(
        [
            t(N_("<b>Report</b>\nChoose the filters, then tap Show report.")),
            _filter_line(f, t, title),
        ]
    )
    rows = [
        periods,
        kecamatan[:3],
        kecamatan[3:],
        [
            button(
                t(N_("Class or skill: {target}")).format(target=_target_label(f, t, title))[:60],
                f"lp:t:{_encode(f)}",
            )
        ],
        [button("📊 " + t(N_("Show report")), f"lp:go:{_encode(f)}")],
    ]
    return text, inline(rows)


async def _target_picker(f: ReportFilter, t: Translator, context: ContextTypes.DEFAULT_TYPE):  # type: ignore[no-untyped-def]
    def pick(class_id: int | None = None, skill: str | None = None) -> str:
        chosen = ReportFilter(
            period=f.period, kecamatan=f.kecamatan, class_id=class_id, skill=skill
        )
        return f"lp:f:{_encode(chosen)}"

    skills = [
        button(_mark(f.skill == code, t(label)), pick(skill=code)) for code, label in SKILLS.items()
    ]
    classes = [
        button(_mark(f.class_id == c.id, c.title[:40]), pick(class_id=c.id))
        for c in await class_choices(rt(context).db)
    ]
    rows: list[list[InlineKeyboardButton]] = [
        *in_rows(skills, 2),
        *in_rows(classes, 1),
        [button(_mark(not f.skill and not f.class_id, t(N_("All classes"))), pick())],
        [button("⬅️ " + t(N_("Back")), f"lp:f:{_encode(f)}")],
    ]
    return t(N_("Choose a skill or a class:")), inline(rows)


@requires(COORDINATORS)
async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, markup = _panel(ReportFilter(), tr(context))
    await context.bot.send_message(
        user_id(update),
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,  # type: ignore[arg-type]
    )


@requires(COORDINATORS)
async def report_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    match = cbd.match(LP, query.data)
    f = _decode(*match.groups()[1:]) if match else None
    title = None
    if f is not None and f.class_id is not None:
        title = await class_title(rt(context).db, f.class_id)
    if match is None or f is None or (f.class_id is not None and title is None):
        await query.answer(invalid(t))
        return
    op = match.group(1)
    if op == "f":
        await query.answer()
        await _edit(update, *_panel(f, t, title))
    elif op == "t":
        await query.answer()
        await _edit(update, *(await _target_picker(f, t, context)))
    else:
        await query.answer(t(N_("Preparing the report…")))
        await send_report(update, context, f)


def render_report(r: PublishedReport, t: Translator) -> str:
    """The numbers in one short Indonesian message (HTML); "< 5" where too few women."""
    n = lambda v: shown(v, lambda x: number(t, x))  # noqa: E731
    pct = lambda v: shown(v, lambda x: percent(t, x))  # noqa: E731
    money = lambda v: shown(v, lambda x: bracket_money(t, x))  # noqa: E731
    lines = [t(N_("<b>WRSE report</b>")), _filter_line(r.filter, t, r.class_title), ""]

    lines.append(t(N_("<b>Registrations:</b> {n}")).format(n=esc(n(r.registrations))))
    verdicts = [
        f"{t(VERDICTS[v])} {esc(n(r.by_verdict[v]))}"
        for v in ("eligible", "needs_review", "not_eligible")
        if r.by_verdict.get(v)
    ]
    other = [c for v, c in r.by_verdict.items() if v not in VERDICTS and c]
    if other:
        verdicts.append(f"{t(N_('Unknown'))} {esc(n(_sum(other, r.min_group)))}")
    if verdicts:
        lines.append("• " + " · ".join(verdicts))
    if r.by_kecamatan:
        by_place = sorted(r.by_kecamatan.items(), key=lambda kv: (kv[0] == "", kv[0]))
        lines.append(
            "• " + " · ".join(f"{_kecamatan_name(code, t)} {esc(n(c))}" for code, c in by_place)
        )

    e = r.enrolments
    lines.append(
        t(
            N_(
                "<b>Classes:</b> {enrolled} enrolled, {waitlisted} waiting, "
                "{offered} offered a seat, {cancelled} cancelled"
            )
        ).format(**{k: esc(n(v)) for k, v in e.items()})
    )
    if r.attendance_rate is None:
        lines.append(t(N_("• Attendance: not recorded yet")))
    else:
        lines.append(
            t(N_("• Attendance: {rate} ({present} of {marked})")).format(
                rate=esc(pct(r.attendance_rate)),
                present=esc(n(r.attendance_present)),
                marked=esc(n(r.attendance_marked)),
            )
        )
    lines.append(t(N_("• Completed a class: {n} women")).format(n=esc(n(r.women_completed))))

    lines.append(t(N_("<b>Check-in responses:</b>")))
    for rs in r.rounds:
        if rs.response_rate is None:
            lines.append(t(N_("• {days} days: not asked yet")).format(days=rs.round_days))
        else:
            lines.append(
                t(N_("• {days} days: {answered} of {asked} answered ({rate})")).format(
                    days=rs.round_days,
                    answered=esc(n(rs.answered)),
                    asked=esc(n(rs.asked)),
                    rate=esc(pct(rs.response_rate)),
                )
            )

    lines.append(t(N_("<b>Income (median, ± Rp100.000):</b>")))
    if r.intake_median is not None:
        lines.append(t(N_("• At intake: {amount}")).format(amount=esc(money(r.intake_median))))
    for rs in r.rounds:
        if not rs.pairs or rs.median_before is None or rs.median_after is None:
            lines.append(t(N_("• {days} days: no answers yet")).format(days=rs.round_days))
            continue
        lines.append(
            t(N_("• {days} days: {before} → {after} (n={n}); rose for {share}")).format(
                days=rs.round_days,
                before=esc(money(rs.median_before)),
                after=esc(money(rs.median_after)),
                n=esc(n(rs.pairs)),
                share=esc(pct(rs.rose_share)) if rs.rose_share is not None else "-",
            )
        )

    if r.business_share is None:
        lines.append(t(N_("<b>Started a business:</b> no answers yet")))
    else:
        lines.append(
            t(N_("<b>Started a business:</b> {n} of {total} women ({share})")).format(
                n=esc(n(r.women_business)),
                total=esc(n(r.women_answered)),
                share=esc(pct(r.business_share)),
            )
        )

    if r.obstacles:
        named = " · ".join(f"{t(OBSTACLES.get(k, k))} {esc(n(c))}" for k, c in r.obstacles.items())
        lines.append(t(N_("<b>Obstacles named:</b> {list}")).format(list=named))
    else:
        lines.append(t(N_("<b>Obstacles named:</b> none yet")))
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


async def send_report(update: Update, context: ContextTypes.DEFAULT_TYPE, f: ReportFilter) -> None:
    runtime = rt(context)
    t = tr(context)
    uid = user_id(update)
    await context.bot.send_chat_action(uid, ChatAction.UPLOAD_PHOTO)
    report = publish(await build_report(runtime.db, f), runtime.settings.report_min_group)
    await audit_now(runtime.db, uid, "view_report", detail=_encode(f))
    await context.bot.send_message(uid, render_report(report, t), parse_mode=ParseMode.HTML)
    pictures = await asyncio.to_thread(draw_charts, report, t)
    for name, png in pictures:
        await context.bot.send_photo(uid, photo=png, filename=f"{name}.png")


# =========================================================================================
# /tindak_lanjut
# =========================================================================================


def _fu_service(context: ContextTypes.DEFAULT_TYPE) -> FollowUpService:
    return FollowUpService(rt(context).db)


def _yes_no(value: bool | None, t: Translator) -> str:
    if value is None:
        return "-"
    return t(N_("Yes")) if value else t(N_("No"))


def latest_notes(notes: str, shown: int = NOTES_SHOWN) -> str:
    """Notes pile up, one per line: the card shows the newest that fit."""
    if len(notes) <= shown:
        return notes
    tail = notes[-shown:]
    return "…" + (tail.split("\n", 1)[1] if "\n" in tail else tail)


def render_card(c: FollowUpCard, t: Translator, me: int) -> str:
    esc = html.escape
    lines = [
        t(N_("<b>Follow-up #{id}</b> · {reason}")).format(
            id=c.id, reason=t(FOLLOW_UP_REASONS.get(c.reason, c.reason))
        ),
        " · ".join(
            [
                f"<b>{esc(c.name or '-')}</b>",
                esc(c.phone or "-"),
                esc(_kecamatan_name(c.kecamatan_code, t)),
            ]
        ),
        t(N_("Class: {title} · {days}-day check-in")).format(
            title=esc(c.class_title or "-"), days=c.round_days
        ),
        t(N_("Opened: {date}")).format(date=t.date(c.created_at.astimezone(t.tz).date())),
    ]
    if c.checkin_status != "answered":
        lines.append(t(N_("She has not answered this check-in.")))
    else:
        change = t(INCOME_CHANGES[c.income_change]) if c.income_change in INCOME_CHANGES else "-"
        income = t.money(c.income) if c.income is not None else "-"
        lines.append(
            t(N_("Income last month: {amount} ({change})")).format(amount=income, change=change)
        )
        business = _yes_no(c.business_started, t)
        if c.business_started and c.business_kind:
            business = f"{business}, {esc(c.business_kind)}"
        lines.append(t(N_("Started a business: {answer}")).format(answer=business))
        helped = ", ".join(t(HELP_KINDS.get(h, h)) for h in c.help_received) or "-"
        lines.append(t(N_("Help received: {help}")).format(help=esc(helped)))
        obstacle = t(OBSTACLES[c.obstacle]) if c.obstacle in OBSTACLES else "-"
        if c.obstacle == OBSTACLE_OTHER and c.obstacle_other:
            obstacle = f"{obstacle}: {esc(c.obstacle_other)}"
        lines.append(t(N_("Biggest obstacle: {obstacle}")).format(obstacle=obstacle))
        lines.append(
            t(N_("Wants to be contacted: {answer}")).format(answer=_yes_no(c.wants_contact, t))
        )
    if c.note:
        lines.append(t(N_("Note: {note}")).format(note=esc(latest_notes(c.note))))
    if c.resolved_at is not None:
        lines.append(t(N_("✅ Resolved")))
    elif c.assigned_to is None:
        lines.append(t(N_("Not taken yet")))
    elif c.assigned_to == me:
        lines.append(t(N_("Handled by: you")))
    else:
        lines.append(t(N_("Handled by: another coordinator")))
    return fit_html("\n".join(lines))


def card_buttons(c: FollowUpCard, t: Translator, me: int) -> object:
    if c.resolved_at is not None or c.assigned_to not in (None, me):
        return None
    rows = []
    if c.assigned_to is None:
        rows.append([button("🙋 " + t(N_("I'll handle it")), f"tl:a:{c.id}")])
    rows.append(
        [
            button("📝 " + t(N_("Add a note")), f"tl:n:{c.id}"),
            button("✅ " + t(N_("Done")), f"tl:r:{c.id}"),
        ]
    )
    return inline(rows)


@requires(COORDINATORS)
async def follow_up_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    t = tr(context)
    uid = user_id(update)
    queue = await _fu_service(context).queue(uid)
    if not queue.total:
        await context.bot.send_message(uid, t(N_("Nothing needs following up. 🎉")))
        return
    header = t(N_("<b>Follow-up queue:</b> {n} waiting, oldest first.")).format(
        n=number(t, queue.total)
    )
    if queue.total > len(queue.cards):
        header += "\n" + t(
            N_("Showing the first {n}. Run /tindak_lanjut again after handling these.")
        ).format(n=len(queue.cards))
    await context.bot.send_message(uid, header, parse_mode=ParseMode.HTML)
    for card in queue.cards:
        await context.bot.send_message(
            uid,
            render_card(card, t, uid),
            parse_mode=ParseMode.HTML,
            reply_markup=card_buttons(card, t, uid),  # type: ignore[arg-type]
            protect_content=True,  # her name, phone and answers
        )


_FU_REFUSALS = {
    "missing": N_("This follow-up no longer exists."),
    "resolved": N_("It is already resolved."),
    "taken": N_("Another coordinator already took it."),
    "mine": N_("It is already yours."),
    "other_form": N_("You have another form open. Finish it first, then tap Add a note again."),
}


async def _show_card(update: Update, result: ActionResult, t: Translator, me: int) -> None:
    if result.card is not None:
        await _edit(update, render_card(result.card, t, me), card_buttons(result.card, t, me))


@requires(COORDINATORS)
async def follow_up_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    uid = user_id(update)
    match = cbd.match(TL, query.data)
    follow_up_id = cbd.number(match.group(2)) if match else None
    if match is None or follow_up_id is None:
        await query.answer(invalid(t))
        return
    op = match.group(1)
    service = _fu_service(context)
    if op == "a":
        result = await service.assign(uid, follow_up_id, update.update_id)
        done = N_("It is yours now.")
    elif op == "r":
        result = await service.resolve(uid, follow_up_id, update.update_id)
        done = N_("Marked as resolved.")
        if result.outcome == "done":
            _set_note_cache(context, False)
    elif op == "x":
        await service.cancel_note(uid)
        _set_note_cache(context, False)
        await query.answer()
        await _edit(update, t(N_("Note cancelled.")))
        return
    else:
        result = await service.begin_note(uid, follow_up_id, update.update_id)
        if result.outcome == "done":
            _set_note_cache(context, True)
            await query.answer()
            await _ask_note(context, uid, follow_up_id)
            return
        done = ""
    if result.outcome == "duplicate":
        await query.answer()
        return
    if result.outcome == "done":
        await query.answer(t(done))
    else:
        await query.answer(t(_FU_REFUSALS.get(result.outcome, invalid(t))), show_alert=True)
    await _show_card(update, result, t, uid)


async def _ask_note(context: ContextTypes.DEFAULT_TYPE, uid: int, follow_up_id: int) -> None:
    t = tr(context)
    await context.bot.send_message(
        uid,
        t(N_("Type the note for follow-up #{id} and send it.")).format(id=follow_up_id),
        reply_markup=inline([[button(t(N_("Cancel")), f"tl:x:{follow_up_id}")]]),
    )


def _set_note_cache(context: ContextTypes.DEFAULT_TYPE, value: bool) -> None:
    if context.user_data is not None:
        context.user_data[NOTE_CACHE] = value


@requires(COORDINATORS)
async def typed_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    t = tr(context)
    uid = user_id(update)
    result = await _fu_service(context).save_note(uid, msg.text, update.update_id)
    if result.outcome == "empty":
        await context.bot.send_message(uid, t(N_("The note is empty. Please type a few words.")))
        return
    if result.outcome == "too_long" and result.follow_up_id is not None:
        text = N_("This note is a little long: at most {max} characters, please. Shorten it a bit.")
        await context.bot.send_message(uid, t(text).format(max=number(t, NOTE_MAX)))
        await _ask_note(context, uid, result.follow_up_id)  # the same question again
        return
    _set_note_cache(context, False)
    if result.outcome == "duplicate":
        return
    if result.outcome == "no_draft":  # closed meanwhile (resolved elsewhere): not a note
        await fallback(update, context)
        return
    if result.outcome == "done":
        await context.bot.send_message(uid, t(N_("Note saved.")))
    elif result.outcome in _FU_REFUSALS:
        await context.bot.send_message(uid, t(_FU_REFUSALS[result.outcome]))
    if result.card is not None:
        await context.bot.send_message(
            uid,
            render_card(result.card, t, uid),
            parse_mode=ParseMode.HTML,
            reply_markup=card_buttons(result.card, t, uid),  # type: ignore[arg-type]
            protect_content=True,
        )


async def note_route(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A typed follow-up note, when this coordinator has one open. Cheap for
    women: the role is looked up once and cached (a negative too)."""
    msg = update.effective_message
    if msg is None or msg.text is None or msg.text.startswith("/") or update.effective_user is None:
        return False
    cache = context.user_data if context.user_data is not None else {}
    if await cached_role(update, context) not in COORDINATORS:
        return False
    has_note = cache.get(NOTE_CACHE)
    if has_note is None:
        has_note = await _fu_service(context).has_note_draft(update.effective_user.id)
        cache[NOTE_CACHE] = has_note
    if not has_note:
        return False
    await typed_note(update, context)
    return True


# =========================================================================================
# /ekspor
# =========================================================================================


@requires(COORDINATORS)
async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    t = tr(context)
    markup = inline([[button("Excel (XLSX)", "ex:f:xlsx"), button("CSV (ZIP)", "ex:f:csv")]])
    await context.bot.send_message(
        user_id(update),
        t(N_("<b>Export data</b>\nWhich format?")),
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )


def _secret(context: ContextTypes.DEFAULT_TYPE) -> str:
    key = rt(context).settings.secret_key
    assert key is not None
    return key.get_secret_value()


@requires(COORDINATORS)
async def export_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    t = tr(context)
    uid = user_id(update)
    match = cbd.match(EX, query.data)
    if match is None:
        await query.answer(invalid(t))
        return
    op, fmt, go, go_fmt, mode, cancel = match.groups()
    if cancel:
        await query.answer()
        await _edit(update, t(N_("Export cancelled.")))
    elif op == "f":
        await query.answer()
        markup = inline(
            [
                [button(t(N_("Masked data")), f"ex:go:{fmt}:m")],
                [button(t(N_("Full data")), f"ex:full:{fmt}")],
            ]
        )
        question = N_(
            "Masked data or full data?\n"
            "Masked: no NIK and no address, initials instead of the name, age group "
            "instead of the birth date, phone as 0852****890 and income as a range."
        )
        await _edit(update, t(question), markup)
    elif op == "full":
        await query.answer()
        issued = int(now().timestamp())
        token = export_service.full_data_token(_secret(context), uid, fmt, issued)
        markup = inline(
            [
                [button(t(N_("Yes, full data")), f"ex:go:{fmt}:f:{issued}:{token}")],
                [button(t(N_("Cancel")), "ex:no")],
            ]
        )
        text = N_(
            "Full data shows every NIK, name, phone number, exact income, address and "
            "birth date in full. Export it only if you need it, keep the file safe and "
            "delete it when done. This export is recorded. Continue?"
        )
        await _edit(update, t(text), markup)
    elif go:
        masked = mode == "m"
        if not masked:
            parts = mode.split(":")
            issued_at = cbd.number(parts[1], cbd.INT8_MAX) if len(parts) == 3 else None
            if issued_at is None or not export_service.check_full_data_token(
                _secret(context), uid, go_fmt, issued_at, parts[2]
            ):
                await query.answer(
                    t(N_("This confirmation has expired. Please start /ekspor again.")),
                    show_alert=True,
                )
                return
        await query.answer(t(N_("Preparing the file…")))
        await _edit(update, t(N_("Preparing the file…")))
        await send_export(update, context, go_fmt, masked=masked)


async def send_export(
    update: Update, context: ContextTypes.DEFAULT_TYPE, fmt: str, *, masked: bool
) -> None:
    t = tr(context)
    uid = user_id(update)
    await context.bot.send_chat_action(uid, ChatAction.UPLOAD_DOCUMENT)
    runtime = rt(context)
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
            "{attendance} attendance marks, {checkins} check-ins. Data: {mode}."
        )
    ).format(**c, mode=t(N_("masked")) if masked else t(N_("full")))
    # protect_content: Telegram will not let it be forwarded or saved from the chat.
    await context.bot.send_document(
        uid,
        document=result.data,
        filename=result.filename,
        caption=caption,
        protect_content=True,
    )


# =========================================================================================


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Add this feature's handlers (called before the core handlers)."""
    private = filters.ChatType.PRIVATE
    app.add_handlers(
        [
            CommandHandler("laporan", report_command, filters=private),
            CommandHandler("tindak_lanjut", follow_up_command, filters=private),
            CommandHandler("ekspor", export_command, filters=private),
            CallbackQueryHandler(report_callback, pattern=r"^lp:"),
            CallbackQueryHandler(follow_up_callback, pattern=r"^tl:"),
            CallbackQueryHandler(export_callback, pattern=r"^ex:"),
        ]
    )
    if note_route not in TEXT_ROUTES:  # one route even when several apps are built
        TEXT_ROUTES.append(note_route)
