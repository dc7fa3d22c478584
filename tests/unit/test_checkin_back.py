""" "Kembali" in a check-in returns to the question she came from."""

from __future__ import annotations

import pytest

from wrse_bot.db.models import CheckIn
from wrse_bot.services.checkins import Step, _previous


@pytest.mark.parametrize(
    ("open_step", "business_started", "back_to"),
    [
        (Step.INCOME_CONFIRM, None, Step.INCOME),
        (Step.BUSINESS, None, Step.INCOME),  # not to the confirmation: the amount again
        (Step.BUSINESS_KIND, True, Step.BUSINESS),
        (Step.BUSINESS_OTHER, True, Step.BUSINESS_KIND),
        (Step.HELP, True, Step.BUSINESS_KIND),
        (Step.HELP, False, Step.BUSINESS),  # "Belum" skipped the kind of business
        (Step.OBSTACLE, False, Step.HELP),
        (Step.OBSTACLE_OTHER, False, Step.OBSTACLE),
        (Step.CONTACT, False, Step.OBSTACLE),
        (Step.INCOME, None, Step.INCOME),  # the first question has nothing before it
    ],
)
def test_back_follows_the_path_her_answers_took(
    open_step: Step, business_started: bool | None, back_to: Step
) -> None:
    ci = CheckIn(step=open_step.value, business_started=business_started)
    assert _previous(ci) == back_to
