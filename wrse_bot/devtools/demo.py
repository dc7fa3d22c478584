"""``python bot.py demo``: the emulator and the real bot in one process, and a
terminal chat with it. No token, no internet; its own SQLite file and secret.

Four people take part, each in her own chat: a woman, a staff member (petugas), a
coordinator and an admin. Their roles are real: the admin's id is added to
``admin_ids``, and the admin invites the other two through the role service at
start, exactly as ``/undang`` does. ``:contoh`` publishes a few sample classes
through the class service.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from wrse_bot.clock import now as clock_now
from wrse_bot.config import Settings
from wrse_bot.db.migrate import upgrade_async
from wrse_bot.db.models import OutboxMessage
from wrse_bot.devtools.emulator import BotApiEmulator
from wrse_bot.devtools.harness import polling
from wrse_bot.devtools.samples import load_sample_classes
from wrse_bot.devtools.terminal import Person, TerminalCommand, run_terminal_chat
from wrse_bot.domain.timing import WIB
from wrse_bot.i18n import N_, translator
from wrse_bot.runtime import Runtime
from wrse_bot.services import digests
from wrse_bot.services.access import AccessService
from wrse_bot.services.companions import areas_of, set_areas
from wrse_bot.services.roles import Role

DEMO_DIR = Path("demo-data")
_ = translator()  # the terminal's language: the bot's default


@dataclass(frozen=True)
class DemoPerson:
    word: str  # typed after :sebagai
    user_id: int
    name: str
    role: Role | None
    note: str


WOMAN = DemoPerson(
    "ibu", 700_000_001, "Siti", None, N_("Try: /daftar, then /kelas to join a class, /data_saya.")
)
STAFF = DemoPerson(
    "petugas",
    700_000_002,
    "Rina",
    Role.STAFF,
    N_(
        "Try: /kelas_baru (publish a class), /siaran (an announcement), /peserta, /verifikasi, "
        "/stimulan 1 (record business aid for registration number 1)."
    ),
)
COORDINATOR = DemoPerson(
    "koordinator",
    700_000_003,
    "Dewi",
    Role.COORDINATOR,
    N_("Try: /laporan (figures and charts), /ekspor (XLSX or CSV), /tindak_lanjut."),
)
ADMIN = DemoPerson(
    "admin",
    700_000_004,
    "Ani",
    Role.ADMIN,
    N_("Every staff and coordinator command, plus /undang and /peran."),
)
COMPANION = DemoPerson(
    "pendamping",
    700_000_005,
    "Wati",
    Role.COMPANION,
    N_(
        "Companion of desa Beji (Junrejo). Try: /dampingan (the women she accompanies in "
        "desa Beji), 📝 a visit note, /daftarkan (a woman without Telegram), /kelaskan NUMBER "
        "(a class for her; her reminders come in your daily digest; :ringkasan sends it now)."
    ),
)
PEOPLE = (WOMAN, STAFF, COORDINATOR, COMPANION, ADMIN)
# The desa the demo companion accompanies: where Siti lives in the tour.
COMPANION_VILLAGES = ("35.79.03.2002",)
DEMO_USER_ID = WOMAN.user_id

BANNER = (  # message ids, said in the terminal's language
    N_(
        "You are now the woman (Siti). Switch person: :sebagai petugas | koordinator | "
        "pendamping | admin | ibu (each person has her own chat; her data stays hers)."
    ),
    N_("No classes yet? Type :contoh to load 3 sample classes. Start with /start."),
)


def demo_settings(base: Settings, emulator: BotApiEmulator, directory: Path) -> Settings:
    directory.mkdir(parents=True, exist_ok=True)
    secret_file = directory / "secret"
    if not secret_file.exists():  # throwaway, but stable so a restarted demo can read its data
        secret_file.write_text(secrets.token_urlsafe(32))
    return base.model_copy(
        update={
            "database_url": f"sqlite+aiosqlite:///{directory / 'demo.db'}",
            "secret_key": SecretStr(secret_file.read_text().strip()),
            "bot_token": SecretStr(emulator.token),
            "api_base_url": emulator.base_url,
            "api_file_url": emulator.base_file_url,
            "admin_ids": base.admin_ids | {ADMIN.user_id},
        }
    )


async def grant_demo_roles(runtime: Runtime) -> None:
    """The admin invites the staff member, the coordinator and the companion, who
    accept: the same service calls as ``/undang`` and opening the link (and
    ``/wilayah`` gives the companion desa Beji). Nothing happens when they
    already hold their role (a restarted demo)."""
    access = AccessService(runtime.db, runtime.settings)
    for person in (STAFF, COORDINATOR, COMPANION):
        assert person.role is not None
        grant = await access.grant_of(person.user_id)
        if grant is not None and grant.role == person.role:
            continue
        invite = await access.create_invite(ADMIN.user_id, person.role, None)
        assert invite is not None
        await access.accept_invite(person.user_id, invite.code, None)
    async with runtime.db.transaction() as s:  # as /wilayah would: her desa, once
        if not await areas_of(s, COMPANION.user_id):
            await set_areas(s, ADMIN.user_id, COMPANION.user_id, "35.79.03", COMPANION_VILLAGES)


def sample_command(runtime: Runtime) -> TerminalCommand:
    async def run() -> Sequence[str]:
        added = await load_sample_classes(runtime.db, runtime.settings.tz, actor_id=STAFF.user_id)
        if not added:
            return [_("(The sample classes are already there. Type /kelas to see them.)")]
        published = _("({count} sample classes published by the staff member: {titles}.")
        return [
            published.format(count=len(added), titles=", ".join(added)),
            " " + _("Type /kelas to see them.)"),
        ]

    return TerminalCommand(":contoh", N_("load 3 sample classes (once only; never twice)"), run)


# How far ahead :ringkasan looks for the next digest with something in it.
DIGEST_LOOKAHEAD_DAYS = 31


def digest_command(runtime: Runtime) -> TerminalCommand:
    """``:ringkasan``: the companion's next daily digest that has something in it,
    sent now instead of at its morning (WRSE_DIGEST_AT, 07.00 WIB). The same
    service the dispatcher's tick runs (services/digests.compose_due), asked
    as at that day's digest hour; the day's digest is then spent, as it would be."""

    async def run() -> Sequence[str]:
        settings = runtime.settings
        quiet = digests.quiet_of(settings)
        today = clock_now().astimezone(WIB).date()
        for ahead in range(DIGEST_LOOKAHEAD_DAYS):
            day = today + timedelta(days=ahead)
            key = digests.dedupe_key(COMPANION.user_id, day)
            async with runtime.db.sessions() as s:
                if await s.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
                    continue  # that day's digest went out already
            at = digests.digest_moment(day, settings.digest_at, quiet)
            if (await digests.compose_due(runtime.db, settings, at=at)).queued:
                sent = _("({name}'s daily digest for {day}, {time}, is sent now to her chat.)")
                return [sent.format(name=COMPANION.name, day=_.weekday_date(day), time=_.time(at))]
        nothing = _(
            "(Nothing for companion {name} to pass on in the next {days} days. A digest holds "
            "class reminders, seat offers and check-ins of women without Telegram: as the "
            "companion, /daftarkan a woman, then /kelaskan NUMBER.)"
        )
        return [nothing.format(name=COMPANION.name, days=DIGEST_LOOKAHEAD_DAYS)]

    return TerminalCommand(
        ":ringkasan", N_("send the companion's next daily digest now (not at 07.00 WIB)"), run
    )


async def run_demo(
    base: Settings,
    build_application: Callable[[Runtime], Any],
    *,
    stdin: Any = None,
    stdout: Any = None,
    directory: Path = DEMO_DIR,
    **chat_options: Any,
) -> None:
    async with BotApiEmulator(rate_limits=False) as emulator:
        settings = demo_settings(base, emulator, directory)
        await upgrade_async(settings.database_url)
        runtime = Runtime.build(settings)
        await grant_demo_roles(runtime)  # before start-up, which sets each role's menu
        app = build_application(runtime)
        people = [Person(p.word, emulator.user(p.user_id, p.name), note=p.note) for p in PEOPLE]
        async with polling(app):
            await run_terminal_chat(
                emulator,
                people[0].user,
                stdin=stdin or sys.stdin,
                stdout=stdout or sys.stdout,
                people=people,
                commands=[sample_command(runtime), digest_command(runtime)],
                banner=BANNER,
                save_dir=directory / "unduhan",
                **chat_options,
            )
