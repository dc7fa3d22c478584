"""/undang without a role: an admin picks (or types) whom she invites, as a form.

One question; making the one-time link is services/access.py (``invite_spec``).
"""

from __future__ import annotations

from wrse_bot.domain.statuses import FormName
from wrse_bot.domain.text import N_
from wrse_bot.domain.vocabulary import INVITE_ROLE_WORDS
from wrse_bot.forms.model import Choice, Form, Question

INVITE = FormName.INVITE

INVITE_FORM = Form(
    INVITE,
    questions=(
        Question(
            "role",
            N_("Invite someone as what?"),
            choices=(
                Choice("staff", N_("Officer")),
                Choice("coordinator", N_("Coordinator")),
                Choice("companion", N_("Companion")),
            ),
            words=INVITE_ROLE_WORDS,
            example=N_("Please tap Officer, Coordinator or Companion."),
            back=False,
        ),
    ),
)
