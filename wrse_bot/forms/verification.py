"""An officer's own reason for rejecting a registration (/verifikasi, "Tulis alasan").

One question: the reason, typed, 3 to 200 letters. Its subject is the flag
being decided; the decision itself (whoever resolves the flag first decides)
is services/verification.py.
"""

from __future__ import annotations

from wrse_bot.domain.errors import DomainError
from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_
from wrse_bot.forms.model import Answers, Form, Question

REASON_FORM = FormName.VERIFY_REASON
REASON_MIN, REASON_MAX = 3, 200
REASON_EXAMPLE = N_("Please write a reason of 3 to 200 characters, or tap Cancel.")


def read_reason(text: str, answers: Answers) -> str:
    if len(text) < REASON_MIN:
        raise DomainError(REASON_EXAMPLE)
    return text


VERIFY_REASON = Form(
    REASON_FORM,
    questions=(
        Question(
            "reason",
            N_("Please type the reason for rejecting, in one short sentence."),
            parse=read_reason,
            example=REASON_EXAMPLE,
            max_len=REASON_MAX,
            back=False,
        ),
    ),
)
