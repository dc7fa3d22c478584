"""A woman without Telegram, registered by her companion (/daftarkan), owns a
placeholder account until she links her own (issue 11).

Everything (enrolments, check-ins, the outbox, the forms) is keyed on a user id,
so an id of her own keeps it all working; only the dispatcher (her rows go to her
companion's digest, services/digests.py) and ``/start <code>`` (services/
placeholders.py) know placeholders. Telegram ids are positive, so registration
``n``'s placeholder is ``-n``: the sign alone says "no Telegram".
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
