"""What a companion's daily digest says (issue 11): pure composition, no
database. ``services/digests.py`` gathers what is due for each woman without
Telegram; this turns it into the message text and its buttons, in the
companion's language (dates and times through Babel, WIB)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from wrse_bot.buttons import DigestTap, OpenForm
from wrse_bot.domain.schedule import Span
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.class_labels import session_label, when
from wrse_bot.services.notices import Tap

# At most this many women in one message (Telegram: 4096 characters, and a
# keyboard she can still read); more women make more messages.
WOMEN_PER_MESSAGE = 6
MESSAGE_CLIP = 300  # characters of a notice quoted for her

HEAD = N_("<b>For the women you accompany</b>, {date}")
WHY = N_("They have no Telegram: please pass these on to them.")
PART = N_("(part {n} of {total})")
WOMAN = N_("<b>{name}</b> (No. {number}):")
REMINDER = N_("• class reminder <b>{title}</b>: {when}, at {place}")
OFFER = N_("• a seat is free for her in the class <b>{title}</b>, held until {until}")
CHECKIN = N_("• her {days}-day check-in is due (class {title})")
MESSAGE = N_("• a message for her: {text}")
FOOT = N_("When you have told her, tap ✅ with her name.")
TOLD = N_("Told: {name}")
TAKE = N_("Take the seat: {name}")
LET_GO = N_("Decline")
CHECK_IN = N_("Check-in with her: {name}")


@dataclass(frozen=True)
class Reminder:
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str


@dataclass(frozen=True)
class Offer:
    enrolment_id: int
    title: str
    until: datetime


@dataclass(frozen=True)
class DueCheckIn:
    checkin_id: int
    round_days: int
    title: str


@dataclass(frozen=True)
class WomanDue:
    """What is due for one woman: each kind in the order it falls due."""

    registrant_id: int
    name: str
    reminders: tuple[Reminder, ...] = ()
    offers: tuple[Offer, ...] = ()
    checkins: tuple[DueCheckIn, ...] = ()
    messages: tuple[str, ...] = field(default=())  # notices for her, as plain text

    def __bool__(self) -> bool:
        return bool(self.reminders or self.offers or self.checkins or self.messages)


def plain(text: str, limit: int = MESSAGE_CLIP) -> str:
    """A stored notice (maybe HTML) as plain text, clipped."""
    flat = " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def parts(women: Sequence[WomanDue]) -> list[tuple[WomanDue, ...]]:
    """The women of one digest, split into messages."""
    shown = [w for w in women if w]
    return [
        tuple(shown[i : i + WOMEN_PER_MESSAGE]) for i in range(0, len(shown), WOMEN_PER_MESSAGE)
    ]


def digest_text(
    t: Translator, day: date, women: Sequence[WomanDue], *, part: int = 1, total: int = 1
) -> str:
    esc = html.escape
    head = t(HEAD).format(date=t.weekday_date(day))
    if total > 1:
        head += " " + t(PART).format(n=part, total=total)
    lines = [head, t(WHY)]
    for w in women:
        lines += ["", t(WOMAN).format(name=esc(w.name), number=w.registrant_id)]
        for r in w.reminders:
            lines.append(
                t(REMINDER).format(
                    title=esc(r.title),
                    when=session_label(t, Span(r.starts_at, r.ends_at)),
                    place=esc(r.place),
                )
            )
        for o in w.offers:
            lines.append(t(OFFER).format(title=esc(o.title), until=when(t, o.until)))
        for c in w.checkins:
            lines.append(t(CHECKIN).format(days=c.round_days, title=esc(c.title)))
        for m in w.messages:
            lines.append(t(MESSAGE).format(text=esc(m)))
    lines += ["", t(FOOT)]
    return "\n".join(lines)


def digest_rows(
    women: Sequence[WomanDue], digest_id: int, check_in_form: str
) -> tuple[tuple[Tap, ...], ...]:
    """Per woman: "told", a seat taken or declined for her, her check-in with her."""
    rows: list[tuple[Tap, ...]] = []
    for w in women:
        params = {"name": w.name}
        rows.append((Tap(TOLD, DigestTap("t", w.registrant_id, digest_id), params, "✅ "),))
        for o in w.offers:
            rows.append(
                (
                    Tap(TAKE, DigestTap("a", o.enrolment_id), params, "🪑 "),
                    Tap(LET_GO, DigestTap("l", o.enrolment_id)),
                )
            )
        for c in w.checkins:
            rows.append((Tap(CHECK_IN, OpenForm(check_in_form, c.checkin_id), params, "📋 "),))
    return tuple(rows)
