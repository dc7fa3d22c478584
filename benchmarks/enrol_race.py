"""Enrolment race benchmark: many women enrol in one class at the same moment.

    .venv/bin/python -m benchmarks.enrol_race [--women 500] [--seats 100] [--rounds 3]
                                              [--db sqlite|postgresql|both]

Each round uses a fresh, migrated database with one published class of
``--seats`` seats and ``--women`` eligible women, then starts every woman's
enrolment at once (``asyncio.gather`` over the service layer,
``wrse_bot.services.classes.enrol``, one transaction each, as the bot's
"Ya, daftar" handler calls it). Measured: enrolments/s from the first start to
the last commit, under contention for the one class row.

Capacity is exact when, in every round: exactly ``seats`` women are enrolled and
the rest waitlisted, ``classes.taken`` equals the seats, nobody has two rows, and
the waitlist positions the women were told are 1..N in Enrolment.id order.

PostgreSQL comes from ``WRSE_TEST_POSTGRES_URL`` (default: the local ``test``
database); each round gets a new database, dropped afterwards. One summary line
per database on stdout; notes on stderr. Exit code 1 when capacity was not exact
or a run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import statistics
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from time import perf_counter

from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from benchmarks.common import (
    pg_base_url,
    pg_database,
    pg_unreachable,
    sqlite_database,
    verdict,
)
from wrse_bot import crypto
from wrse_bot.db.engine import Database
from wrse_bot.db.migrate import upgrade_async
from wrse_bot.db.models import Enrolment, Registrant, TrainingClass, User
from wrse_bot.services.classes import EnrolResult, enrol

FIRST_USER = 700_000


@dataclass
class Round:
    seconds: float
    exact: bool
    enrolled: int
    waitlisted: int
    problem: str = ""


@contextlib.asynccontextmanager
async def database(db: str) -> AsyncIterator[str]:
    if db == "sqlite":
        async with sqlite_database() as url:
            yield url
    else:
        async with pg_database(pg_base_url()) as url:
            yield url


async def seed(db: Database, women: int, seats: int) -> int:
    """One class with ``seats`` seats and ``women`` eligible women, in bulk."""
    from tests.factories import make_class  # the same rows the tests use

    class_id = await make_class(db, capacity=seats)
    ids = range(FIRST_USER, FIRST_USER + women)
    async with db.transaction() as s:
        await s.execute(insert(User), [{"id": uid, "language": "id"} for uid in ids])
        await s.execute(
            insert(Registrant),
            [
                {
                    "user_id": uid,
                    "status": "active",
                    "verdict": "eligible",
                    "kecamatan_code": "35.79.03",
                    "interests": ["menjahit"],
                }
                for uid in ids
            ],
        )
    return class_id


async def check(db: Database, class_id: int, results: list[EnrolResult], seats: int) -> Round:
    women = len(results)
    outcomes = [r.outcome for r in results]
    enrolled, waitlisted = outcomes.count("enrolled"), outcomes.count("waitlisted")
    async with db.sessions() as s:
        taken = await s.scalar(select(TrainingClass.taken).where(TrainingClass.id == class_id))
        rows = (
            await s.execute(
                select(Enrolment.id, Enrolment.user_id, Enrolment.status)
                .where(Enrolment.class_id == class_id)
                .order_by(Enrolment.id)
            )
        ).all()
    told = {r.enrolment_id: r.position for r in results if r.outcome == "waitlisted"}
    waiting = [row.id for row in rows if row.status == "waitlisted"]
    problems = []
    if enrolled != min(seats, women) or waitlisted != women - enrolled:
        problems.append(f"outcomes {dict((o, outcomes.count(o)) for o in set(outcomes))}")
    if taken != enrolled:
        problems.append(f"taken={taken} but {enrolled} enrolled")
    if sum(row.status == "enrolled" for row in rows) != enrolled:
        problems.append("enrolled rows differ from the replies")
    if len({row.user_id for row in rows}) != len(rows) or len(rows) != women:
        problems.append(f"{len(rows)} rows for {women} women")
    if [told.get(eid) for eid in waiting] != list(range(1, len(waiting) + 1)):
        problems.append("waitlist positions are not 1..N in id order")
    return Round(0.0, not problems, enrolled, waitlisted, "; ".join(problems))


async def one_round(db_kind: str, women: int, seats: int) -> Round:
    async with database(db_kind) as url:
        await upgrade_async(url)
        db = Database(url)
        try:
            class_id = await seed(db, women, seats)
            ids = range(FIRST_USER, FIRST_USER + women)
            start = perf_counter()
            results = await asyncio.gather(*(enrol(db, uid, class_id) for uid in ids))
            seconds = perf_counter() - start
            outcome = await check(db, class_id, list(results), seats)
            outcome.seconds = seconds
            return outcome
        finally:
            await db.dispose()


async def run(args: argparse.Namespace) -> int:
    crypto.configure(secrets.token_urlsafe(32))
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    ok = True
    for db_kind in dbs:
        if db_kind == "postgresql":
            reason = await pg_unreachable(pg_base_url())
            if reason is not None:
                shown = make_url(pg_base_url()).render_as_string(hide_password=True)
                print(f"enrol_race {db_kind}: skipped, PostgreSQL at {shown} is unreachable")
                print(f"note: {reason}", file=sys.stderr)
                continue
        rounds: list[Round] = []
        try:
            for _ in range(args.rounds):
                rounds.append(await one_round(db_kind, args.women, args.seats))
        except Exception as exc:  # a failed run is a result too: say so and go on
            print(f"enrol_race {db_kind}: RUN FAILED: {type(exc).__name__}: {exc}", flush=True)
            ok = False
            continue
        exact = all(r.exact for r in rounds)
        ok &= exact
        for r in rounds:
            if r.problem:
                print(f"note: {db_kind}: {r.problem}", file=sys.stderr)
        rates = [args.women / r.seconds for r in rounds]
        last = rounds[-1]
        print(
            f"enrol_race {db_kind}: {args.women} women at once on {args.seats} seats, "
            f"{args.rounds} rounds: {statistics.median(rates):,.0f} enrolments/s median "
            f"(min {min(rates):,.0f}, max {max(rates):,.0f}); "
            f"enrolled {last.enrolled}, waitlisted {last.waitlisted} in order; "
            f"capacity exact: {verdict(exact)}",
            flush=True,
        )
    return 0 if ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks.enrol_race", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--women", type=int, default=500)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
