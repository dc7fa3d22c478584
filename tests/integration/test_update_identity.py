"""Updates are de-duplicated by identity within Telegram's redelivery window,
never by the order of their ids (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tests.conftest import make_settings
from wrse_bot.clock import now
from wrse_bot.db.engine import Database
from wrse_bot.db.models import ProcessedUpdate
from wrse_bot.forms.engine import Answer
from wrse_bot.services import intake
from wrse_bot.services.forms import FormRunner, Status
from wrse_bot.services.updates import claim_update, receiving


async def test_a_new_update_with_a_lower_id_than_one_already_handled_is_applied(
    db_url: str,
) -> None:
    # After a week without updates Telegram picks the next id at random.
    db = Database(db_url)
    runner = FormRunner(db, [intake.spec(make_settings(db_url))])
    try:
        await intake.greet(db, 5, "id")
        consent = await runner.open(5, intake.INTAKE, update_id=900_000)
        name = await runner.handle(5, 900_001, Answer("choice", "yes", consent.rev))
        assert name.step == "name"
        nik = await runner.handle(5, 12, Answer("text", "Siti Aminah"))
        assert nik.status == Status.ASK and nik.step == "nik"
        assert nik.state.answers["full_name"] == "Siti Aminah"
    finally:
        await db.dispose()


async def test_an_update_is_known_by_its_identity_within_the_redelivery_window(
    db_url: str,
) -> None:
    db = Database(db_url)
    try:
        async with db.transaction() as s:
            with receiving(7, identity=-111):
                assert await claim_update(s, 7)
        async with db.transaction() as s:
            with receiving(7, identity=-111):  # Telegram's copy of that update
                assert not await claim_update(s, 7)
            with receiving(7, identity=-222):  # another update reusing id 7
                assert await claim_update(s, 7)
        async with db.transaction() as s:
            await s.execute(
                update(ProcessedUpdate)
                .where(ProcessedUpdate.update_id == -111)
                .values(processed_at=now() - timedelta(hours=25))
            )
        async with db.transaction() as s:
            with receiving(7, identity=-111):  # older than Telegram ever redelivers
                assert await claim_update(s, 7)
    finally:
        await db.dispose()
