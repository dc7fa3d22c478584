"""The retention job is wired into the running bot (issue 8 §7): a daily
repeating job on PTB's job queue, which erases a registration past its period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from telegram.ext import Application

from bot import RETENTION_JOB
from tests.factories import make_woman
from wrse_bot import clock
from wrse_bot.db.models import Registrant
from wrse_bot.services.retention import years_before


async def test_the_bot_runs_the_retention_job_daily(wrse: Application) -> None:  # type: ignore[type-arg]
    assert wrse.job_queue is not None
    (job,) = wrse.job_queue.get_jobs_by_name(RETENTION_JOB)
    assert job.job.trigger.interval == timedelta(days=1)

    db = wrse.bot_data.runtime.db
    reg_id = await make_woman(db, 7401)
    async with db.transaction() as s:
        reg = await s.get(Registrant, reg_id)
        reg.consent_at = years_before(clock.now(), 6)  # agreed six years ago
    await job.run(wrse)
    async with db.sessions() as s:
        status = await s.scalar(select(Registrant.status).where(Registrant.id == reg_id))
    assert status == "deleted"
