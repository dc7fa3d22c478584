"""A woman without Telegram, registered by her companion (/daftarkan), owns a
placeholder account until she links her own (issue 11).

Why a placeholder ``users`` row and not a second kind of owner: every place,
reminder, check-in and notice of the bot is keyed on a user id (enrolments,
check-ins, the outbox, the forms). Giving her an id of her own keeps all of
that working unchanged (eligibility, capacity, the waitlist, reminders,
check-in rounds), and exactly two places learn about placeholders: the
dispatcher, which never sends to one (her rows go to her companion's daily
digest instead, services/digests.py), and ``/start <code>``, which moves
everything onto her real account in one transaction (services/placeholders.py).

Telegram user ids are positive, so the placeholder of registration ``n`` is
``-n``: no flag column to keep in step, and the sign alone says "no Telegram".
"""

from __future__ import annotations


def placeholder_id(registrant_id: int) -> int:
    """The account a woman without Telegram holds until she links her own."""
    if registrant_id <= 0:
        raise ValueError(f"not a registration id: {registrant_id}")
    return -registrant_id


def is_placeholder(user_id: int | None) -> bool:
    return user_id is not None and user_id < 0


def registrant_of(user_id: int) -> int:
    """The registration a placeholder account stands for."""
    if user_id >= 0:
        raise ValueError(f"not a placeholder: {user_id}")
    return -user_id
