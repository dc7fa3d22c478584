"""Settings from the environment (or a ``.env`` file), validated at start-up.

Every threshold the product decides with lives here, so the figures cited in
DOMAIN.md have one home.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import time
from decimal import Decimal
from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from wrse_bot.crypto import key_bytes
from wrse_bot.db.checks import check_database_url
from wrse_bot.domain.eligibility import Thresholds

TELEGRAM_API = "https://api.telegram.org/bot"
TELEGRAM_FILE_API = "https://api.telegram.org/file/bot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WRSE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    api_base_url: str = TELEGRAM_API
    api_file_url: str = TELEGRAM_FILE_API
    database_url: str = "sqlite+aiosqlite:///./wrse.db"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Asia/Jakarta"
    locale: str = "id"
    secret_key: SecretStr | None = None
    # Only while rotating keys: opens what the old key wrote until
    # `python bot.py rekey` has re-encrypted it (legacy keys allowed here).
    previous_secret_key: SecretStr | None = None

    # Garis kemiskinan Kota Batu, BPS March 2025 (DOMAIN.md), rupiah/person/month.
    poverty_line: int = Field(default=671_273, gt=0)
    # BPS: up to 1.2x the line is "hampir miskin", up to 1.6x "rentan".
    near_poor_multiplier: Decimal = Field(default=Decimal("1.2"), gt=0)
    vulnerable_multiplier: Decimal = Field(default=Decimal("1.6"), gt=0)
    min_age: int = Field(default=18, ge=0)
    max_age: int = Field(default=59, ge=0)
    # Wrong answers on one step before "Minta bantuan petugas" is offered.
    help_after_misses: int = Field(default=3, ge=1)
    # Stated in the consent text (UU PDP Ps. 21): how long data is kept.
    retention_years: int = Field(default=5, ge=1)
    # An unfinished form (it may hold a NIK) untouched this long is erased.
    draft_retention_days: int = Field(default=30, ge=1)
    # A second aid of the same kind to one woman within this many months asks
    # staff for a reason before it is saved (issue 11).
    aid_repeat_months: int = Field(default=12, ge=1, le=120)
    # Reports (/laporan, charts, export summaries): a figure over fewer women than
    # this is shown as "< 5", so no report singles a woman out (domain/disclosure.py).
    report_min_group: int = Field(default=5, ge=1)
    # Where to go in person: shown when she declines or is not eligible.
    office_contact: str = "Dinas Sosial Kota Batu, Balai Kota Among Tani, Jl. Panglima Sudirman 507"
    # How to reach the office without going there (/bantuan): a phone or
    # WhatsApp number and opening hours, as the office writes them.
    office_phone: str = ""
    office_hours: str = ""
    # "Minta bantuan petugas" goes to this chat (a staff group, or the officer
    # on duty); unset: to every staff member (or the admins if there are none).
    help_chat_id: int | None = None
    # Different NIKs one account may type in a day (issue 9: nobody can test
    # NIK after NIK to learn who is registered).
    nik_tries_per_day: int = Field(default=5, ge=1)
    # Messages/s the bot sends overall: Telegram's limit for bulk messages is
    # about 30/s (429s beyond it are waited out and retried). 0 = no throttle.
    send_rate: int = Field(default=30, ge=0)
    # Two speed-ups that lean on library internals (pinned in pyproject.toml,
    # checked by tests/unit/test_private_apis.py); off: the libraries' own way.
    # SQLite writers' statements on the event loop's thread (db/sqlite_inline.py).
    sqlite_inline_writer: bool = True
    # The Bot API over aiohttp instead of PTB's httpx (telegram/transport.py).
    aiohttp_transport: bool = True
    # Updates handled at once; each woman's own updates stay in order.
    concurrent_updates: int = Field(default=16, ge=1)
    # Telegram unreachable when `run` starts (the office's line is down): it
    # tries again after this pause, doubling it up to the maximum.
    telegram_retry_seconds: float = Field(default=2.0, gt=0)
    telegram_retry_max_seconds: float = Field(default=60.0, gt=0)

    # Classes (issue: classes and broadcasts).
    invite_ttl_hours: float = Field(default=48, gt=0)
    # A freed seat is held for the first woman waiting this long.
    waitlist_hold_hours: float = Field(default=24, gt=0)
    # Attending at least this share of a class's sessions completes it.
    completion_share: Decimal = Field(default=Decimal("0.75"), gt=0, le=1)
    # The outbox dispatcher (one APScheduler job) and its sender.
    dispatch_interval_seconds: float = Field(default=2.0, gt=0)
    dispatch_batch_size: int = Field(default=100, ge=1)
    dispatch_max_attempts: int = Field(default=5, ge=1)

    # Reminders and check-ins (issue: reminders and follow-up). Offsets may be
    # seconds so tests and demos can watch them fire.
    reminder_day_before_at: time = time(16, 0)
    reminder_before_seconds: list[int] = [2 * 3600]
    checkin_after_seconds: list[int] = [30 * 86400, 90 * 86400, 180 * 86400]
    checkin_reask_after_seconds: int = Field(default=3 * 86400, gt=0)
    # Quiet hours (WIB): nothing is sent from start to end, except a reminder
    # that would otherwise arrive after its session. start == end: none.
    quiet_start: time = time(20, 0)
    quiet_end: time = time(7, 0)
    # Companions' daily digest (issue 11): what is due for the women they
    # accompany who have no Telegram. WIB; moved to the end of quiet hours if inside.
    digest_at: time = time(7, 0)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as exc:
                raise ValueError("must be comma-separated Telegram user ids") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _usable_database_url(cls, value: str) -> str:
        check_database_url(value)  # its form and kind; connecting is run's and migrate's
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("secret_key")
    @classmethod
    def _strong(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            key_bytes(value.get_secret_value())  # WeakKeyError names no part of the key
        return value

    @field_validator("previous_secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # The key being retired may predate the strength rule; it only reads.
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(**{f.name: getattr(self, f.name) for f in fields(Thresholds)})


class ConfigError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        raise ConfigError(f"WRSE_{field.upper()}: {err['msg']}") from None


def require(settings: Settings, *names: str, hint: str = "") -> None:
    """Fail with one clear line when a setting a command needs is absent."""
    for name in names:
        if getattr(settings, name) in (None, ""):
            raise ConfigError(f"WRSE_{name.upper()} is not set.{(' ' + hint) if hint else ''}")
