"""/laporan benchmark: the coordinators' report on a large programme.

    .venv/bin/python -m benchmarks.report [--women 50000] [--db sqlite|postgresql|both]

Loads 50,000 registrants (each enrolled once, 3 attendance marks), 150,000
check-ins (30/90/180 days), 10,000 aid records, one companion per desa with
30,000 home visits and 5,000 follow-ups they hold, with bulk core INSERTs
(executemany in chunks) into a fresh, migrated database, runs ANALYZE (as
autovacuum would have), then times
the whole /laporan computation as the bot does it: every SQL aggregation of
``build_report``, the small-group rule (``publish``) and drawing the three PNG
charts. Three runs; the WORST one counts (the first includes matplotlib's
first-draw warm-up).

PostgreSQL comes from ``WRSE_TEST_POSTGRES_URL`` (default: the local ``test``
database) and gets a new database, dropped afterwards; it is skipped with a
note when unreachable. One summary line per database on stdout.
Target: under 3 s including charts.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
from time import perf_counter

from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.common import pg_base_url, pg_database, pg_unreachable, verdict
from tests.factories_reports import seed_bulk
from wrse_bot import crypto
from wrse_bot.db.engine import Database
from wrse_bot.db.migrate import upgrade_async
from wrse_bot.i18n import translator
from wrse_bot.services.charts import all_charts
from wrse_bot.services.reports import ReportFilter, build_report, publish

TARGET_SECONDS = 3.0
RUNS = 3


async def measure(db_kind: str, url: str, women: int) -> str:
    await upgrade_async(url)
    db = Database(url)
    try:
        t0 = perf_counter()
        counts = await seed_bulk(db, women=women)
        load_s = perf_counter() - t0
        async with db.transaction() as s:
            await s.execute(text("ANALYZE"))
        t = translator("id")
        timings = []
        for _ in range(RUNS):
            start = perf_counter()
            report = await build_report(db, ReportFilter())
            queries = perf_counter() - start
            shown = publish(report, min_group=5)  # the small-group rule, as the bot applies it
            pictures = await asyncio.to_thread(all_charts, shown, t)
            total = perf_counter() - start
            assert len(pictures) == 3 and all(p.startswith(b"\x89PNG") for _, p in pictures)
            timings.append((total, queries, total - queries))
        assert report.registrations == counts["registrants"]
        assert sum(c.caseload for c in report.visits.companions) == counts["registrants"]
        worst, queries, charts = max(timings)
        best = min(timings)[0]
        return (
            f"report {db_kind}: {counts['registrants']:,} registrants, "
            f"{counts['checkins']:,} check-ins, {counts['aids']:,} aids, "
            f"{counts['visits']:,} visits by {counts['companions']} companions "
            f"(loaded in {load_s:.0f} s): "
            f"/laporan worst of {RUNS} {worst:.2f} s (SQL {queries:.2f} s + 3 charts "
            f"{charts:.2f} s; best {best:.2f} s); target under {TARGET_SECONDS:.0f} s "
            f"including charts: {verdict(worst < TARGET_SECONDS)}"
        )
    finally:
        await db.dispose()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--women", type=int, default=50_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    crypto.configure(secrets.token_urlsafe(32))
    lines = []
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="wrse-bench-report-") as tmp:
            lines.append(await measure("sqlite", f"sqlite+aiosqlite:///{tmp}/wrse.db", args.women))
            print(lines[-1], flush=True)
    if args.db in ("postgresql", "both"):
        base = pg_base_url()
        reason = await pg_unreachable(base)
        if reason:
            shown = make_url(base).render_as_string(hide_password=True)
            print(f"report postgresql: skipped, {shown} unreachable ({reason})", file=sys.stderr)
        else:
            async with pg_database(base) as url:
                lines.append(await measure("postgresql", url, args.women))
                print(lines[-1], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
