"""The staff's class forms in the chat: /kelas_baru and "Ubah" on a published
class. Their questions are the tables of ``wrse_bot.forms.class_form``, run and
drawn like every form's (``conversations.forms``); what is theirs alone is
here: the class as the staff see it, the preview of a new class and the
confirmation of a change (each form's review screen).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from conversations import forms
from wrse_bot.domain.catalog import SKILLS
from wrse_bot.domain.places import load_places
from wrse_bot.domain.statuses import ClassStatus
from wrse_bot.forms.class_form import CLASS, CLASS_EDIT, FIELDS, NOW, span_of, spans_of
from wrse_bot.forms.engine import FormState
from wrse_bot.i18n import N_, Translator
from wrse_bot.services.class_labels import session_label, when
from wrse_bot.services.class_views import ClassCard
from wrse_bot.telegram.context import Context
from wrse_bot.telegram.forms import BACK
from wrse_bot.telegram.keyboards import button, inline

# The preview's buttons: which answer to change (the engine's ``edit_<question>``).
PREVIEW_FIELDS = {"skill": N_("Skill"), **FIELDS, "sessions": N_("Schedule")}
PREVIEW_FIELDS["deadline"] = N_("Enrolment deadline")


def class_text(t: Translator, info: ClassCard) -> str:
    esc = html.escape
    sessions = [f"  {i}. {session_label(t, s.span)}" for i, s in enumerate(info.sessions, start=1)]
    kecamatan = load_places().name(info.kecamatan_code)
    lines = [
        f"<b>{esc(info.title)}</b> ({esc(t(SKILLS.get(info.skill, info.skill)))})",
        esc(info.description),
        f"• {t(N_('Place'))}: {esc(info.place)}, Kec. {esc(kecamatan)}",
        f"• {t(N_('Trainer'))}: {esc(info.trainer)}",
        f"• {t(N_('Seats'))}: {info.taken}/{info.capacity}",
        f"• {t(N_('Enrolment deadline'))}: {when(t, info.enrol_deadline)}",
        f"• {t(N_('Schedule'))}:",
        *sessions,
    ]
    if info.status != ClassStatus.PUBLISHED:
        lines.insert(0, "❌ " + t(N_("Cancelled")))
    return "\n".join(lines)


def preview(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The new class as women will see it, "Terbitkan", and a button per answer to change."""
    esc, a = html.escape, state.answers
    rows = [
        (N_("Skill"), t(SKILLS.get(a.get("skill") or "", "-"))),
        (N_("Title"), a.get("title")),
        (N_("Description"), a.get("description")),
        (N_("Place"), f"{a.get('place')}, Kec. {load_places().name(a.get('kecamatan_code'))}"),
        (N_("Trainer"), a.get("trainer")),
        (N_("Seats"), a.get("capacity")),
        (N_("Enrolment deadline"), when(t, datetime.fromisoformat(a["deadline"]))),
    ]
    text = [
        t(N_("<b>Preview of the new class</b> (not published yet):")),
        "",
        *(f"• {t(label)}: <b>{esc(str(value))}</b>" for label, value in rows),
        f"• {t(N_('Schedule'))}:",
        *(f"  {i}. {session_label(t, s)}" for i, s in enumerate(spans_of(a), start=1)),
        "",
        t(N_("Tap Publish to show it to the women, or what you would like to change.")),
    ]
    return "\n".join(text), forms.review_keyboard(t, PREVIEW_FIELDS, submit=N_("Publish"), mark="")


def confirmation(state: FormState, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The change to a published class, and who will hear of it."""
    esc, a = html.escape, state.answers
    now, what = a[NOW], str(a["what"])
    told, to_offer = what.startswith("s") or what == "place", 0
    if what.startswith("s"):
        old, new = span_of(now["sessions"][what[1:]]), span_of(a["value"])
        change = f"{session_label(t, old)}\n→ <b>{session_label(t, new)}</b>"
    elif what == "place":
        place = f"{a['value']}, Kec. {load_places().name(a.get('kecamatan_code'))}"
        change = f"{esc(now['place_label'])}\n→ <b>{esc(place)}</b>"
    else:
        change = f"{esc(str(now[what]))}\n→ <b>{esc(str(a['value']))}</b>"
    if what == "capacity":  # the waiting women the new seats go to, as edit_class offers them
        to_offer = max(0, min(int(a["value"]) - int(now["taken"]), int(now["waiting"])))
    if told:
        who = t(N_("{count} women (enrolled and waiting) will be told.")).format(
            count=now["affected"]
        )
    elif to_offer:
        who = t(
            N_("{count} women waiting will be offered a seat, in the order they joined.")
        ).format(count=to_offer)
    else:
        who = t(N_("Nobody is notified of this change."))
    title = t(N_("Change to class {title}:")).format(title=esc(now["title"]))
    keys = [[button(t(N_("Save")), "submit"), button("⬅️ " + t(BACK), "back")]]
    return "\n".join([title, change, "", who]), inline(keys)


SCREENS = {
    CLASS: forms.Screen(N_("the new class"), review=preview),
    CLASS_EDIT: forms.Screen(
        N_("the change to a class"),
        review=confirmation,
        closed=N_("This class can no longer be changed."),
    ),
}


async def open_new(update: Update, context: Context) -> None:
    """/kelas_baru: start, or return to where she was."""
    await forms.open_form(update, context, CLASS)


async def open_change(update: Update, context: Context, class_id: int) -> Any:
    """ "Ubah" on a published class: what to change, then its new value."""
    query = update.callback_query
    assert query is not None
    await forms.open_form(update, context, CLASS_EDIT, class_id, tapped=query.answer)
