"""The services one running bot shares, built once from settings.

Every service is stateless apart from its database handle (and the prompt ledgers
of the two answer-saving ones), so one instance serves every update.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from wrse_bot import crypto
from wrse_bot.config import Settings
from wrse_bot.db.engine import Database
from wrse_bot.i18n import Translator, translator
from wrse_bot.services import aid, areas, assisted, checkin_via, checkins, follow_up, intake, visits
from wrse_bot.services.access import AccessService
from wrse_bot.services.attendance import AttendanceService
from wrse_bot.services.broadcast import BroadcastService
from wrse_bot.services.checkins import CheckInService
from wrse_bot.services.class_changes import ClassAdminService, class_form_specs
from wrse_bot.services.follow_up import FollowUpService
from wrse_bot.services.forms import FormRunner
from wrse_bot.services.my_data import MyDataService
from wrse_bot.services.roles import role_in
from wrse_bot.services.verification import VerificationService


@dataclass
class Runtime:
    settings: Settings
    db: Database
    my_data: MyDataService
    forms: FormRunner  # the one engine service every form runs through
    checkins: CheckInService
    class_admin: ClassAdminService
    attendance: AttendanceService
    broadcast: BroadcastService
    verification: VerificationService
    follow_up: FollowUpService
    access: AccessService

    @classmethod
    def build(cls, settings: Settings, db: Database | None = None) -> Runtime:
        if settings.secret_key is None:
            raise ValueError("WRSE_SECRET_KEY is required")
        previous = settings.previous_secret_key
        crypto.configure(
            settings.secret_key.get_secret_value(),
            previous.get_secret_value() if previous else None,
        )
        db = db or Database(settings.database_url, inline=settings.sqlite_inline_writer)
        broadcast = BroadcastService(db, settings)
        verification = VerificationService(db, settings)
        access = AccessService(db, settings)
        return cls(
            settings=settings,
            db=db,
            my_data=MyDataService(db, settings),
            forms=FormRunner(
                db,
                [
                    intake.spec(settings),
                    checkins.SPEC,
                    areas.SPEC,  # the companions' /wilayah, visit note, check-in with her
                    visits.SPEC,
                    checkin_via.SPEC,
                    assisted.spec(settings),  # /daftarkan
                    aid.spec(settings),
                    follow_up.NOTE_SPEC,
                    verification.reason_spec,
                    broadcast.spec,
                    access.invite_spec,
                    *class_form_specs(settings),
                ],
                partial(role_in, settings=settings),
            ),
            checkins=CheckInService(db, settings),
            class_admin=ClassAdminService(db, settings),
            attendance=AttendanceService(db, settings),
            broadcast=broadcast,
            verification=verification,
            follow_up=FollowUpService(db),
            access=access,
        )

    @property
    def tr(self) -> Translator:
        return translator(self.settings.locale)

    async def close(self) -> None:
        """At shutdown: answers still buffered are written, then the pool goes."""
        await self.forms.flush()
        await self.db.dispose()
