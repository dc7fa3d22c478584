"""The /laporan charts as PNG bytes, drawn by matplotlib (Agg, no display).

Made to be read on a phone: 1080 px wide, large type, few words, every bar
labelled with its number. Labels come through the Translator, numbers and
money through Babel, so the charts speak the interface language. They draw
a PublishedReport: a bar over too few women has no length and reads "< 5".

Uses matplotlib's object API (Figure + FigureCanvasAgg) rather than pyplot:
no global state, so charts can be drawn in a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

from babel.numbers import format_decimal, format_percent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from wrse_bot.domain.disclosure import Withheld
from wrse_bot.domain.obstacles import BRACKET_RUPIAH, OBSTACLES
from wrse_bot.domain.text import N_
from wrse_bot.i18n import Translator
from wrse_bot.services.reports import PublishedReport, Shown

WIDTH_PX = 1080
DPI = 100
TITLE_SIZE = 30
LABEL_SIZE = 24
TICK_SIZE = 22
BEFORE_COLOUR = "#9aa5b1"
AFTER_COLOUR = "#2f7d4f"
BAR_COLOUR = "#2b6cb0"

FUNNEL_LABELS: dict[str, str] = {
    "registered": N_("Registered"),
    "eligible": N_("Eligible"),
    "enrolled": N_("Enrolled in a class"),
    "completed": N_("Completed a class"),
    "answered": N_("Answered a check-in"),
}


def numbers_locale(t: Translator) -> str:
    """Babel locale for numbers: Indonesian grouping in every interface language."""
    return "en_ID" if t.language == "en" else t.language


def number(t: Translator, value: float) -> str:
    return format_decimal(value, locale=numbers_locale(t))


def percent(t: Translator, share: float) -> str:
    return format_percent(share, locale=numbers_locale(t))


def bracket_money(t: Translator, bracket: float) -> str:
    """A median in Rp100.000 brackets as Rupiah: 3.5 -> Rp350.000."""
    return t.money(round(bracket * BRACKET_RUPIAH))


def shown(value: Any, render: Callable[[Any], str]) -> str:
    """A published figure as text: "< 5" when withheld, else ``render(value)``."""
    return str(value) if isinstance(value, Withheld) else render(value)


def _length(value: Any) -> float:
    """A bar's length: none for a withheld figure (its label says "< 5")."""
    return 0.0 if value is None or isinstance(value, Withheld) else float(value)


# ---- what each chart shows (pure data, so tests can read it without pixels) -----------


def income_data(report: PublishedReport, t: Translator) -> dict[str, list[Any]]:
    """Ticks, bar lengths (Rp) and bar labels before/after, for the rounds with answers."""
    rounds = [r for r in report.rounds if r.pairs]
    return {
        "ticks": [
            t(N_("{days} days\n(n={n})")).format(
                days=r.round_days, n=shown(r.pairs, lambda v: number(t, v))
            )
            for r in rounds
        ],
        "before": [_length(r.median_before) * BRACKET_RUPIAH for r in rounds],
        "after": [_length(r.median_after) * BRACKET_RUPIAH for r in rounds],
        "before_labels": [shown(r.median_before, lambda v: bracket_money(t, v)) for r in rounds],
        "after_labels": [shown(r.median_after, lambda v: bracket_money(t, v)) for r in rounds],
    }


def bars_data(values: list[Shown], t: Translator, *, total: Shown) -> tuple[list[float], list[str]]:
    """Bar lengths and labels ("12 (40%)"). Shares only when nothing is withheld:
    a share of a known total would give a withheld bar back."""
    exact = not any(isinstance(v, Withheld) for v in [*values, total])
    labels = [
        f"{number(t, v)} ({percent(t, v / total)})"
        if exact and total and isinstance(total, int)
        else shown(v, lambda x: number(t, x))
        for v in values
    ]
    return [_length(v) for v in values], labels


def obstacles_data(report: PublishedReport, t: Translator) -> tuple[list[str], list[Shown]]:
    codes = list(report.obstacles)  # most named first (the query's order)
    return [t(OBSTACLES.get(c, c)) for c in codes], [report.obstacles[c] for c in codes]


def funnel_data(report: PublishedReport, t: Translator) -> tuple[list[str], list[Shown]]:
    labels = [t(FUNNEL_LABELS[key]).replace(" ", "\n", 1) for key, _ in report.funnel]
    return labels, [n for _, n in report.funnel]


def _figure(height_px: int = 1080) -> Figure:
    return Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, layout="constrained")


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


def _empty(ax: Any, t: Translator) -> None:
    ax.text(0.5, 0.5, t(N_("No data yet")), ha="center", va="center", fontsize=LABEL_SIZE)
    ax.set_axis_off()


def income_chart(report: PublishedReport, t: Translator) -> bytes:
    """Median income at intake and at each check-in round, for the same women."""
    fig = _figure()
    ax = fig.add_subplot()
    ax.set_title(t(N_("Income before and after (median)")), fontsize=TITLE_SIZE, pad=20)
    data = income_data(report, t)
    if not data["ticks"]:
        _empty(ax, t)
        return _png(fig)
    xs = range(len(data["ticks"]))
    width = 0.38
    before, after = data["before"], data["after"]
    bars_before = ax.bar(
        [x - width / 2 for x in xs], before, width, color=BEFORE_COLOUR, label=t(N_("At intake"))
    )
    bars_after = ax.bar(
        [x + width / 2 for x in xs], after, width, color=AFTER_COLOUR, label=t(N_("At check-in"))
    )
    for bars, labels in ((bars_before, data["before_labels"]), (bars_after, data["after_labels"])):
        ax.bar_label(bars, labels=labels, fontsize=TICK_SIZE - 4, padding=6)
    ax.set_xticks(list(xs), data["ticks"], fontsize=TICK_SIZE)
    ax.set_ylabel(t(N_("Rp per month (± Rp100.000)")), fontsize=LABEL_SIZE)
    ax.yaxis.set_major_formatter(lambda v, _pos: t.money(round(v)))
    ax.tick_params(axis="y", labelsize=TICK_SIZE - 4)
    ax.set_ylim(0, max(max(before), max(after), BRACKET_RUPIAH) * 1.25)
    ax.legend(fontsize=LABEL_SIZE - 2, loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def _hbars(
    title: str, labels: list[str], values: list[Shown], t: Translator, *, total: Shown
) -> bytes:
    fig = _figure(max(720, 180 + 130 * len(labels)))
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=TITLE_SIZE, pad=20)
    if not any(isinstance(v, Withheld) or v for v in values):
        _empty(ax, t)
        return _png(fig)
    lengths, bar_labels = bars_data(values, t, total=total)
    ys = list(range(len(labels)))[::-1]  # first label on top
    bars = ax.barh(ys, lengths, color=BAR_COLOUR, height=0.6)
    ax.bar_label(bars, labels=bar_labels, fontsize=TICK_SIZE, padding=8)
    ax.set_yticks(ys, labels, fontsize=TICK_SIZE)
    ax.set_xlim(0, max(*lengths, 1.0) * 1.45)
    ax.xaxis.set_visible(False)
    ax.spines[["top", "right", "bottom"]].set_visible(False)
    return _png(fig)


def obstacles_chart(report: PublishedReport, t: Translator) -> bytes:
    labels, values = obstacles_data(report, t)
    total = sum(v for v in values if isinstance(v, int))
    return _hbars(t(N_("Biggest obstacles named")), labels, values, t, total=total)


def funnel_chart(report: PublishedReport, t: Translator) -> bytes:
    labels, values = funnel_data(report, t)
    return _hbars(t(N_("From registration to check-in")), labels, values, t, total=values[0])


def all_charts(report: PublishedReport, t: Translator) -> list[tuple[str, bytes]]:
    """The three /laporan charts as (name, PNG), in the order they are sent."""
    return [
        ("pendapatan", income_chart(report, t)),
        ("hambatan", obstacles_chart(report, t)),
        ("alur", funnel_chart(report, t)),
    ]
