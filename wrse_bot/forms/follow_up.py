"""A coordinator's note on a follow-up (/tindak_lanjut, "Tambah catatan") as a form.

One question: the note, typed. Its subject is the follow-up; the runner's facts
give its number (``_id``) for the prompt. Saving it (and refusing when the
follow-up was resolved or taken meanwhile) is services/follow_up.py.
"""

from __future__ import annotations

from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.limits import utf16_len
from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_
from wrse_bot.forms.model import TOO_LONG, Answers, Form, Question

NOTE_FORM = FormName.FOLLOW_UP_NOTE
NOTE_MAX = 500  # one note, as Telegram counts characters; a longer one is asked again
NOTE_EXAMPLE = N_("Please type the note in a few words, for example: called her, needs capital.")


def read_note(text: str, answers: Answers) -> str:
    if utf16_len(text) > NOTE_MAX:  # an emoji is two, as Telegram counts
        raise DomainError(TOO_LONG, {"max": NOTE_MAX})
    return text


FOLLOW_UP_NOTE = Form(
    NOTE_FORM,
    questions=(
        Question(
            "note",
            N_("Type the note for follow-up #{id} and send it."),
            params=lambda a: {"id": a.get("_id", "")},
            parse=read_note,
            example=NOTE_EXAMPLE,
            max_len=NOTE_MAX,
            back=False,
        ),
    ),
)
