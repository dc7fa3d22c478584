"""WRSE Bot entry point: ``python bot.py [run|demo|migrate|rekey]``.

The only module that sees both the core (``wrse_bot``) and the Telegram
handlers (``conversations``): it builds the Application and wires them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import timedelta

import uvloop
from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.error import InvalidToken
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

import conversations
from wrse_bot.config import ConfigError, Settings, load_settings, require
from wrse_bot.db.checks import DatabaseUnavailableError, check_connection
from wrse_bot.db.migrate import upgrade
from wrse_bot.i18n import N_, translator
from wrse_bot.runtime import Runtime
from wrse_bot.safe_logging import SafeFormatter
from wrse_bot.scheduler import install_dispatcher
from wrse_bot.services.keys import check_keys, configure_keys
from wrse_bot.services.rekey import rekey_all
from wrse_bot.services.retention import enforce_retention
from wrse_bot.services.updates import forget_old_updates
from wrse_bot.telegram.bot import WrseBot
from wrse_bot.telegram.context import CONTEXT_TYPES, Context, install_runtime, runtime_of
from wrse_bot.telegram.processor import PerUserUpdateProcessor
from wrse_bot.telegram.ratelimit import RateLimiter
from wrse_bot.telegram.startup import TOKEN_REFUSED, wait_for_telegram
from wrse_bot.telegram.transport import AiohttpRequest

log = logging.getLogger("wrse_bot")

COMMANDS = [
    ("start", N_("Start")),
    ("daftar", N_("Register")),
    ("kelas", N_("Classes")),
    ("kelas_saya", N_("My classes")),
    ("data_saya", N_("My data")),
    ("batal", N_("Pause registration")),
    ("hapus_data", N_("Delete my data")),
    ("berhenti", N_("Stop announcements")),
    ("langganan", N_("Get announcements again")),
    ("bantuan", N_("Help")),
]


def _transport(settings: Settings) -> dict[str, BaseRequest]:
    pool = max(8, settings.concurrent_updates * 2)
    if settings.aiohttp_transport:
        return {"request": AiohttpRequest(pool_size=pool), "get_updates_request": AiohttpRequest()}
    return {
        "request": HTTPXRequest(connection_pool_size=pool),
        "get_updates_request": HTTPXRequest(),
    }


def build_application(runtime: Runtime) -> Application:  # type: ignore[type-arg]
    settings = runtime.settings
    assert settings.bot_token is not None and settings.secret_key is not None
    bot = WrseBot(
        settings.bot_token.get_secret_value(),
        base_url=settings.api_base_url,
        base_file_url=settings.api_file_url,
        # The one send-rate limiter: Telegram's 30 msg/s overall, 1/s per chat
        # for outbox rows; 429s are waited out and retried.
        rate_limiter=RateLimiter(overall_max_rate=settings.send_rate, max_retries=3),
        **_transport(settings),
    )
    processor = PerUserUpdateProcessor(
        settings.concurrent_updates, identity_secret=settings.secret_key.get_secret_value()
    )
    app = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(processor)
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    install_runtime(app, runtime)
    conversations.register(app)
    return app


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    t = translator(runtime_of(app).settings.locale)
    await app.bot.set_my_commands(
        [BotCommand(c, t(d)) for c, d in COMMANDS], scope=BotCommandScopeAllPrivateChats()
    )
    # Officers' menus (after the base) and questions owed since a crash.
    await conversations.on_startup(app)
    # The outbox dispatcher (broadcasts, notices, reminders): one repeating job,
    # started with the JobQueue by app.start() and stopped (drained) by app.stop().
    install_dispatcher(app)
    # Telegram redelivers an update for at most 24 hours: older ids can go.
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            _forget_old_updates, interval=3600, first=60, name="forget-old-updates"
        )
        # The retention period in the consent text, enforced once a day (and
        # soon after every start, so frequent restarts cannot skip it).
        app.job_queue.run_repeating(
            enforce_retention_job,
            interval=timedelta(days=1),
            first=600,
            name=RETENTION_JOB,
            job_kwargs={"max_instances": 1, "coalesce": True},
        )


async def _forget_old_updates(context: Context) -> None:
    async with context.runtime.db.transaction() as s:
        await forget_old_updates(s, timedelta(days=2))


RETENTION_JOB = "retention"


async def enforce_retention_job(context: Context) -> None:
    runtime = context.runtime
    report = await enforce_retention(runtime.db, runtime.settings)
    logging.getLogger("wrse.retention").info(
        "retention: %d registrations, %d forms, %d leftovers erased",
        report.registrations,
        report.drafts,
        report.leftovers,
    )


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    await runtime_of(app).close()


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for handler in logging.getLogger().handlers:
        # Any library's logged exception: frames and types, never its message.
        handler.setFormatter(SafeFormatter(handler.formatter._fmt if handler.formatter else None))
    # httpx logs every request URL, and a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def migrate_database(settings: Settings) -> None:
    """The first touch of the database: a server that refuses or a file that
    cannot be opened is one line naming the setting, not a traceback."""
    try:
        asyncio.run(check_connection(settings.database_url))
    except DatabaseUnavailableError as exc:
        raise ConfigError(f"WRSE_DATABASE_URL: cannot open the database: {exc}") from None
    upgrade(settings.database_url)


def cmd_migrate(settings: Settings) -> None:
    migrate_database(settings)
    if settings.secret_key is not None:
        asyncio.run(check_keys(settings))
    print("database is up to date")


def cmd_run(settings: Settings) -> None:
    require(settings, "bot_token", hint="To try the bot without a token, run `make demo`.")
    require(settings, "secret_key", hint="It protects NIK and income at rest; keep it safe.")
    migrate_database(settings)
    # A wrong key stops here, before any row is written under it.
    asyncio.run(check_keys(settings))
    # The office's line may be down: wait for Telegram (a refused token: exit 2).
    asyncio.run(wait_for_telegram(settings))
    app = build_application(Runtime.build(settings))
    log.info("polling for updates")
    try:
        app.run_polling(
            allowed_updates=["message", "callback_query", "my_chat_member"],
            drop_pending_updates=False,
            bootstrap_retries=-1,  # the line dropping again just now: PTB waits too
            close_loop=False,
        )
    finally:
        # A start that failed half-way (PTB's initialize) leaves the bot's
        # HTTP sessions open; close them before the loop goes.
        loop = asyncio.get_event_loop()
        loop.run_until_complete(app.bot.shutdown())
        loop.close()


def cmd_rekey(settings: Settings) -> None:
    require(settings, "secret_key", hint="The new key (the old one: WRSE_PREVIOUS_SECRET_KEY).")
    migrate_database(settings)
    asyncio.run(rekey_all(settings))


def cmd_demo(settings: Settings) -> None:
    from wrse_bot.devtools.demo import run_demo

    # The terminal is the chat window: keep library chatter out of it.
    logging.getLogger().setLevel(logging.WARNING)
    asyncio.run(run_demo(settings, build_application))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "command", nargs="?", default="run", choices=["run", "demo", "migrate", "rekey"]
    )
    args = parser.parse_args(argv)
    configure_logging()
    # libuv's event loop: the bot spends most of its time in socket and
    # thread hand-offs (HTTP to Telegram, the database), where it is faster.
    uvloop.install()
    try:
        settings = load_settings()
        configure_keys(settings)  # before migrating: a data migration may encrypt
        commands = {"run": cmd_run, "demo": cmd_demo, "migrate": cmd_migrate, "rekey": cmd_rekey}
        commands[args.command](settings)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except InvalidToken:  # revoked between the start-up check and polling
        print(f"Configuration error: {TOKEN_REFUSED}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
