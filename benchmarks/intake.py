"""Intake benchmark: many women register at once, through the real bot in a subprocess.

    .venv/bin/python -m benchmarks.intake [--women 200] [--db sqlite|postgresql|both]
                                          [--load throughput|latency|both]

The Bot API emulator (rate limits off) and the simulated women run in this process; the
bot runs as ``python bot.py run`` in a subprocess, on a fresh database it migrates
itself, so its peak RSS can be measured. Each woman is one asyncio task that answers the
whole form as ``tests/e2e/flows.py`` does (Indonesian button labels, a distinct user id
and a distinct female NIK) and ends with "✅ Kirim" and the verdict.

* throughput: the women answer as fast as replies come. Compared with a bare PTB echo bot
  (``benchmarks.echo_bot``, also a subprocess, run just before and just after the intake;
  the baseline is their mean) under the same load shape: as many users, each sending as
  many messages as one intake takes, each waiting for the echo before the next.
  Target: >= 70% of the echo bot's updates/s (issue 10).
* latency: the same women think 2-5 s (uniform) before each answer. Reply latency is the
  time from sending an update to the bot's answer event in her chat. Targets: p95 <= 100
  ms, bot peak RSS <= 200 MB.

PostgreSQL comes from ``WRSE_TEST_POSTGRES_URL`` (default: local ``test`` database); each
measurement gets a new database, dropped afterwards. One summary line per configuration
on stdout; notes and diagnostics on stderr. The exit code is 0 whatever the targets say,
and 1 when the run itself failed (a woman got no verdict, a bot did not start or died).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter, process_time

from sqlalchemy.engine import make_url

from benchmarks.common import (
    PYTHON,
    BotError,
    BotProcess,
    Emulator,
    percentile,
    pg_base_url,
    pg_database,
    pg_unreachable,
    sqlite_database,
    verdict,
)
from tests.e2e.flows import HAPPY_PATH
from wrse_bot.devtools.emulator import BotMessage, FakeUser

WRSE_ARGV = (PYTHON, "bot.py", "run")
ECHO_ARGV = (PYTHON, "-m", "benchmarks.echo_bot")

THROUGHPUT_TARGET = 0.70  # of the echo bot's updates/s (issue 10)
P95_TARGET_MS = 100.0
RSS_TARGET_MB = 200.0

WOMAN_ID0 = 7_000_001
ECHO_ID0 = 8_000_001
NAMES = ("Siti Aminah", "Sri Wahyuni", "Dewi Lestari", "Nur Hidayah", "Tri Handayani")
SUBMIT = "✅ Kirim"
# The English message ids behind the Indonesian labels of the path: pressed instead when
# the Indonesian catalog (locales/id) is missing or incomplete, and reported on stderr.
ENGLISH = {
    "Setuju": "I agree",
    "Ya, benar": "Yes, right",
    "Cerai mati": "Widowed",
    "Ya": "Yes",
    "Tamat SD": "Primary school (SD)",
    "Buruh tani": "Farm labourer",
    "▫️ Menjahit": "▫️ Sewing",
    "Selesai": "Done",
    SUBMIT: "✅ Send",
}

Step = tuple[str, str]  # (action, value): type / tap / contact


def female_nik(serial: int) -> str:
    """Born 12 March 1980 (day + 40 for women), issued in Junrejo, Kota Batu."""
    if not 1 <= serial <= 9999:
        raise ValueError("NIK serials run from 0001 to 9999")
    return f"357903520380{serial:04d}"


def intake_steps(index: int) -> list[Step]:
    """Every update one woman sends: /daftar, the happy path, then "✅ Kirim"."""
    values = {
        "name": NAMES[index % len(NAMES)],
        "nik": female_nik(index + 1),
        "income": "500rb",
    }
    steps: list[Step] = [("type", "/daftar")]
    for _marker, action, value in HAPPY_PATH:
        if action == "toggle":
            steps.append(("tap", f"▫️ {value}"))
        else:
            steps.append((action, value.format(**values)))
    steps.append(("tap", SUBMIT))
    return steps


def is_eligible_verdict(message: BotMessage) -> bool:
    text = (message.plain_text or message.text or "").casefold()
    if "you meet the requirements" in text:
        return True
    return "memenuhi syarat" in text and not any(
        no in text for no in ("belum memenuhi", "tidak memenuhi")
    )


# ---- the simulated people ------------------------------------------------------------------


@dataclass
class Person:
    user_id: int
    updates: int = 0  # messages and callbacks she sent
    latencies: list[float] = field(default_factory=list)  # seconds, one per reply
    error: str | None = None


async def _send(user: FakeUser, action: str, value: str, english_used: set[str]) -> None:
    if action == "type":
        await user.send(value)
    elif action == "contact":
        await user.send_contact(user.phone)
    elif action == "tap":
        try:
            await user.press(value)
        except AssertionError:
            if value not in ENGLISH:
                raise
            await user.press(ENGLISH[value])  # raises with its own message if absent too
            english_used.add(value)
    else:
        raise ValueError(f"unknown action {action!r}")


async def woman(
    user: FakeUser,
    steps: list[Step],
    *,
    think: tuple[float, float] | None,
    rng: random.Random,
    reply_timeout: float,
    english_used: set[str],
) -> Person:
    person = Person(user.id)
    last: BotMessage | None = None
    try:
        for action, value in steps:
            if think is not None:
                await asyncio.sleep(rng.uniform(*think))  # a human reading and typing
            started = perf_counter()
            await _send(user, action, value, english_used)
            person.updates += 1
            last = await user.reply(reply_timeout)
            person.latencies.append(perf_counter() - started)
        assert last is not None
        if not is_eligible_verdict(last):
            person.error = f"user {user.id}: expected the eligible verdict, got {last}"
    except AssertionError as exc:  # FakeUser's way to say: no reply, no such button
        person.error = str(exc)
    except Exception as exc:
        person.error = f"user {user.id}: {type(exc).__name__}: {exc}"
    return person


async def echo_user(user: FakeUser, messages: int, *, reply_timeout: float) -> Person:
    person = Person(user.id)
    try:
        for n in range(1, messages + 1):
            text = f"pesan {n} dari {user.id}"
            started = perf_counter()
            await user.send(text)
            person.updates += 1
            reply = await user.reply(reply_timeout)
            person.latencies.append(perf_counter() - started)
            if reply.text != text:
                person.error = f"user {user.id}: sent {text!r}, echo was {reply}"
                break
    except AssertionError as exc:
        person.error = str(exc)
    return person


async def drive(bot: BotProcess, people: Iterable[Awaitable[Person]]) -> tuple[list[Person], float]:
    """Run everyone at once; returns their results and the wall time until the last one.

    Fails fast (BotError) when the bot process dies instead of letting everyone time out.
    """
    assert bot.proc is not None
    started = perf_counter()
    bot_cpu, own_cpu = bot.cpu_seconds(), process_time()
    everyone = asyncio.gather(*people)
    died = asyncio.ensure_future(bot.proc.wait())
    await asyncio.wait({everyone, died}, return_when=asyncio.FIRST_COMPLETED)
    elapsed = perf_counter() - started
    # Which side was the bottleneck: a process near 100% of a core is.
    print(
        f"note: {bot.name}: bot CPU {(bot.cpu_seconds() - bot_cpu) / elapsed:.0%} of a core, "
        f"emulator and users {(process_time() - own_cpu) / elapsed:.0%}, over {elapsed:.1f} s",
        file=sys.stderr,
    )
    died.cancel()
    if not everyone.done():
        everyone.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await everyone
        bot.check_alive()
    return everyone.result(), elapsed


# ---- one configuration ---------------------------------------------------------------------


@dataclass
class Outcome:
    people: list[Person]
    elapsed: float
    peak_rss_mb: float

    @property
    def failures(self) -> list[str]:
        return [p.error for p in self.people if p.error is not None]

    @property
    def updates(self) -> int:
        return sum(p.updates for p in self.people)

    @property
    def completed(self) -> int:
        return sum(p.error is None for p in self.people)

    @property
    def latencies_ms(self) -> list[float]:
        return [s * 1000 for p in self.people for s in p.latencies]


@dataclass
class Options:
    women: int
    think: tuple[float, float]
    timeout: float
    seed: int
    profile_dir: Path | None
    # Messages/s the bot allows itself (WRSE_SEND_RATE); 0 = off, as the issue asks.
    send_rate: int = 0
    # More WRSE_* settings for the bot (--bot-env), e.g. to switch a speed-up off.
    bot_env: dict[str, str] = field(default_factory=dict)

    def label(self, load: str, db: str) -> str:
        extra = [f"bot send rate {self.send_rate}/s"] if self.send_rate else []
        extra += [f"{k}={v}" for k, v in sorted(self.bot_env.items())]
        return f"intake {load} {db}" + (f" ({', '.join(extra)})" if extra else "")


def _report_bot(name: str, bot: BotProcess, emu: Emulator, failed: bool) -> None:
    """Everything worth a look on stderr: the bot's own warnings, refused API calls."""
    problems = bot.problems()
    if emu.refused:
        total = emu.refused.total()
        print(f"note: {name}: the emulator refused {total} request(s):", file=sys.stderr)
        for what, count in emu.refused.most_common(8):
            print(f"    {count} x {what}", file=sys.stderr)
    if problems or failed:
        kinds = Counter(
            "Traceback" if "Traceback" in line else line.split(" ", 3)[2] for line in problems
        )
        print(
            f"note: {name}: bot log has {dict(kinds) or 'no errors'}; kept at {bot.log_path}; "
            f"its tail:\n{bot.tail(30)}",
            file=sys.stderr,
        )
    else:
        bot.remove_log()


async def measure_echo(opts: Options, messages: int) -> Outcome:
    name = "echo"
    async with Emulator(rate_limits=False) as emu:
        users = [emu.user(ECHO_ID0 + i, "Echo") for i in range(opts.women)]
        bot = BotProcess(name, ECHO_ARGV, emu, profile_to=_profile_path(opts, name))
        try:
            async with bot:
                people, elapsed = await drive(
                    bot, (echo_user(u, messages, reply_timeout=opts.timeout) for u in users)
                )
        except BotError:
            bot.remove_log()
            raise
        outcome = Outcome(people, elapsed, bot.peak_rss_mb)
        _report_bot(name, bot, emu, bool(outcome.failures))
    return outcome


async def measure_intake(
    load: str, db: str, database_url: str, opts: Options, english_used: set[str]
) -> Outcome:
    name = f"wrse-{load}-{db}"
    think = opts.think if load == "latency" else None
    async with Emulator(rate_limits=False) as emu:
        users = [
            emu.user(WOMAN_ID0 + i, NAMES[i % len(NAMES)].split()[0]) for i in range(opts.women)
        ]
        bot = BotProcess(
            name,
            WRSE_ARGV,
            emu,
            env={
                "WRSE_DATABASE_URL": database_url,
                "WRSE_SEND_RATE": str(opts.send_rate),
                **opts.bot_env,
            },
            profile_to=_profile_path(opts, name),
        )
        async with bot:
            people, elapsed = await drive(
                bot,
                (
                    woman(
                        user,
                        intake_steps(i),
                        think=think,
                        rng=random.Random(opts.seed * 100_003 + i),
                        reply_timeout=opts.timeout,
                        english_used=english_used,
                    )
                    for i, user in enumerate(users)
                ),
            )
        outcome = Outcome(people, elapsed, bot.peak_rss_mb)
        _report_bot(name, bot, emu, bool(outcome.failures))
    return outcome


def _profile_path(opts: Options, name: str) -> Path | None:
    if opts.profile_dir is None:
        return None
    opts.profile_dir.mkdir(parents=True, exist_ok=True)
    return opts.profile_dir / f"{name}.txt"


def _failures_suffix(outcome: Outcome) -> str:
    failures = outcome.failures
    if not failures:
        return ""
    shown = "\n".join(f"    {f}" for f in failures[:5])
    print(f"note: {len(failures)} run(s) failed; the first ones:\n{shown}", file=sys.stderr)
    return f" [RUN FAILED: {len(failures)} of {len(outcome.people)} got no verdict]"


# ---- the command ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def database(db: str) -> AsyncIterator[str]:
    if db == "sqlite":
        async with sqlite_database() as url:
            yield url
    else:
        async with pg_database(pg_base_url()) as url:
            yield url


async def run(args: argparse.Namespace) -> int:
    opts = Options(
        women=args.women,
        think=(args.think_min, args.think_max),
        timeout=args.timeout,
        seed=args.seed,
        profile_dir=args.py_spy,
        send_rate=args.send_rate,
        bot_env=dict(kv.split("=", 1) for kv in args.bot_env),
    )
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    loads = ["throughput", "latency"] if args.load == "both" else [args.load]
    per_intake = len(intake_steps(0))
    english_used: set[str] = set()
    ok = True

    for db in dbs:
        if db == "postgresql":
            reason = await pg_unreachable(pg_base_url())
            if reason is not None:
                shown = make_url(pg_base_url()).render_as_string(hide_password=True)
                print(f"intake {db}: skipped, PostgreSQL at {shown} is unreachable ({reason})")
                continue
        for load in loads:
            try:
                if load == "throughput":
                    ok &= await _throughput(db, opts, per_intake, english_used)
                else:
                    ok &= await _latency(db, opts, english_used)
            except BotError as exc:
                print(f"{opts.label(load, db)}: RUN FAILED: {exc}", flush=True)
                ok = False
    if english_used:
        print(
            "note: Indonesian labels missing, pressed the English ones instead for: "
            + ", ".join(sorted(english_used)),
            file=sys.stderr,
        )
    return 0 if ok else 1


async def _throughput(db: str, opts: Options, per_intake: int, english_used: set[str]) -> bool:
    # The echo bot runs just before and just after the intake; their mean is the
    # baseline, so a machine that speeds up or slows down mid-run favours neither.
    before = await measure_echo(opts, per_intake)
    async with database(db) as url:
        outcome = await measure_intake("throughput", db, url, opts, english_used)
    after = await measure_echo(opts, per_intake)
    for echo in (before, after):
        if echo.failures:
            _failures_suffix(echo)
            print(f"{opts.label('throughput', db)}: RUN FAILED: the echo baseline failed")
            return False
    echo_rates = [echo.updates / echo.elapsed for echo in (before, after)]
    echo_rate = sum(echo_rates) / len(echo_rates)
    rate = outcome.updates / outcome.elapsed
    ratio = rate / echo_rate
    print(
        f"{opts.label('throughput', db)}: {opts.women} women, {outcome.updates} updates in "
        f"{outcome.elapsed:.1f} s: {outcome.completed / outcome.elapsed:.1f} intakes/s, "
        f"{rate:.0f} updates/s = {ratio:.0%} of echo ({echo_rate:.0f} updates/s, mean of "
        f"{echo_rates[0]:.0f} before and {echo_rates[1]:.0f} after) "
        f"[target >= {THROUGHPUT_TARGET:.0%}: {verdict(ratio >= THROUGHPUT_TARGET)}]"
        + _failures_suffix(outcome),
        flush=True,
    )
    return not outcome.failures


async def _latency(db: str, opts: Options, english_used: set[str]) -> bool:
    async with database(db) as url:
        outcome = await measure_intake("latency", db, url, opts, english_used)
    latencies = outcome.latencies_ms
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    rss = outcome.peak_rss_mb
    passed = p95 <= P95_TARGET_MS and rss <= RSS_TARGET_MB
    lo, hi = opts.think
    print(
        f"{opts.label('latency', db)}: {opts.women} women, think {lo:g}-{hi:g} s: "
        f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, bot peak RSS {rss:.0f} MB "
        f"[target p95 <= {P95_TARGET_MS:.0f} ms, RSS <= {RSS_TARGET_MB:.0f} MB: "
        f"{verdict(passed)}]" + _failures_suffix(outcome),
        flush=True,
    )
    return not outcome.failures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.intake", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--women", type=int, default=200, help="simulated women (1-9999)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--load", choices=["throughput", "latency", "both"], default="both")
    parser.add_argument("--think-min", type=float, default=2.0, help="seconds (latency load)")
    parser.add_argument("--think-max", type=float, default=5.0, help="seconds (latency load)")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a woman waits for one reply"
    )
    parser.add_argument("--seed", type=int, default=1, help="for the think times")
    parser.add_argument(
        "--send-rate",
        type=int,
        default=0,
        help="the bot's own overall send limit (WRSE_SEND_RATE); 0 = off, like the emulator's",
    )
    parser.add_argument(
        "--bot-env",
        action="append",
        default=[],
        metavar="WRSE_NAME=VALUE",
        help="a setting for the bot (repeatable), e.g. WRSE_SQLITE_INLINE_WRITER=false",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="profile each bot process with py-spy (raw collapsed stacks into DIR)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.women <= 9999:
        parser.error("--women must be 1-9999 (one NIK serial each)")
    if any(not kv.startswith("WRSE_") or "=" not in kv for kv in args.bot_env):
        parser.error("--bot-env takes WRSE_NAME=VALUE")
    if not 0 <= args.think_min <= args.think_max:
        parser.error("need 0 <= --think-min <= --think-max")
    return args


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
