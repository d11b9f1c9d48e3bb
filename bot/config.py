"""One validated settings object, read from the environment and an optional `.env` file.

The variable names are a contract with deployment tooling: keep them exactly.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DB_PATH = Path("var") / "residents.sqlite3"
# What Telegram accepts as a webhook's secret_token.
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _default_locales() -> Path:
    """Beside the code in a checkout (pip install -e .), else ./locales (pip install .)."""
    beside = Path(__file__).resolve().parent.parent / "locales"
    return beside if beside.is_dir() else Path("locales")


class ConfigError(Exception):
    """A configuration problem, worded for a one-line message naming the variable."""


class Settings(BaseSettings):
    """Every setting the assistant reads; validated once at start-up."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    telegram_bot_token: str | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default="https://api.telegram.org", alias="TELEGRAM_API_URL")
    database_url: str = Field(default=f"sqlite:///{DEFAULT_DB_PATH}", alias="DATABASE_URL")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default=frozenset(), alias="ADMIN_IDS")
    default_locale: str = Field(default="fr", alias="DEFAULT_LOCALE")
    timezone: str = Field(default="Europe/Paris", alias="TIMEZONE")
    content_dir: Path = Field(default=Path("content"), alias="CONTENT_DIR")
    locales_dir: Path = Field(default_factory=lambda: _default_locales())
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # Updates handled at once (one resident's stay in order). Each mostly waits on Telegram:
    # 4 serve about 80 replies/s at a 50 ms round trip, above Telegram's own ~30 messages/s
    # limit, and measured fastest on one core (bench/throughput.py); more add CPU, not replies.
    max_concurrent_updates: int = Field(default=4, ge=1, le=256, alias="MAX_CONCURRENT_UPDATES")
    # Seconds to wait for Telegram's answer to a call. Past it the outcome is unknown (the
    # message may have arrived): the call is not repeated and no apology follows.
    telegram_timeout: float = Field(default=5.0, gt=0, le=120, alias="TELEGRAM_TIMEOUT")
    # The association's agenda (.ics URL or file), imported again every EVENTS_REFRESH_MINUTES.
    events_feed_url: str | None = Field(default=None, alias="EVENTS_FEED_URL")
    events_refresh_minutes: int = Field(
        default=60, ge=5, le=24 * 60, alias="EVENTS_REFRESH_MINUTES"
    )
    # The back office imports calendars from public addresses only: never the server's own
    # network (loopback, private ranges, link-local such as cloud metadata), where a staff
    # account must not be able to reach. True allows them (an intranet agenda; the tests).
    web_import_private: bool = Field(default=False, alias="WEB_IMPORT_PRIVATE")

    # Privacy: profiles of residents inactive this long, and questions older than this, are
    # deleted by a daily job.
    profile_retention_days: int = Field(default=365, ge=1, alias="PROFILE_RETENTION_DAYS")
    question_retention_days: int = Field(default=365, ge=1, alias="QUESTION_RETENTION_DAYS")
    # New residents are walked through language, residence and topics on their first /start.
    onboarding: bool = Field(default=True, alias="ONBOARDING")
    # The weekly eco-tip digest goes out on this weekday (0 = Monday) at this local hour.
    digest_weekday: int = Field(default=5, ge=0, le=6, alias="DIGEST_WEEKDAY")
    digest_hour: int = Field(default=10, ge=0, le=23, alias="DIGEST_HOUR")
    # The bot's @username, for the poster links printed by `residents-bot poster`.
    bot_username: str | None = Field(default=None, alias="BOT_USERNAME")
    # Languages of the posters' invitation after French, when a residence names none.
    poster_languages: str = Field(default="ar,pt,es,en", alias="POSTER_LANGUAGES")

    # Announcements: messages a second for bulk sends, leaving room under Telegram's ~30/s for
    # replies to residents; and how late a scheduled one may still go out after a downtime.
    broadcast_rate: float = Field(default=25.0, gt=0, le=1000, alias="BROADCAST_RATE")
    broadcast_grace: timedelta = Field(default=timedelta(hours=6), alias="BROADCAST_GRACE")

    @field_validator("broadcast_grace", mode="before")
    @classmethod
    def _grace(cls, value: object) -> object:
        """ "6h", "90m", "45s", or a number of hours."""
        if isinstance(value, str):
            text = value.strip().lower()
            unit = {"h": 3600, "m": 60, "s": 1}.get(text[-1:], 3600)
            number = text.rstrip("hms").strip()
            try:
                return timedelta(seconds=float(number) * unit)
            except ValueError:
                raise ValueError("a duration such as 6h, 90m or 45s") from None
        if isinstance(value, int | float):
            return timedelta(hours=value)
        return value

    @field_validator("events_feed_url")
    @classmethod
    def _feed(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        return value or None

    # Webhook mode when set: Telegram POSTs updates to this public HTTPS URL, which the
    # platform routes to PORT here; its path is the path served.
    webhook_url: str | None = Field(default=None, alias="WEBHOOK_URL")
    webhook_secret: str | None = Field(default=None, alias="WEBHOOK_SECRET")
    port: int = Field(default=8080, ge=0, le=65535, alias="PORT")
    # Polling mode: /healthz and /metrics on this port when set (webhook mode serves them on PORT).
    health_port: int | None = Field(default=None, ge=0, le=65535, alias="HEALTH_PORT")
    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")
    # The staff back office (bot/backoffice/): `residents-bot web` listens on WEB_PORT (webhook
    # mode also serves it on PORT); its login links start with WEB_URL; WEB_SECRET signs them
    # and the session cookies (required to serve it: nothing is derived from the bot's token).
    web_port: int = Field(default=8080, ge=0, le=65535, alias="WEB_PORT")
    web_url: str | None = Field(default=None, alias="WEB_URL")
    web_secret: str | None = Field(default=None, alias="WEB_SECRET")

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        """Accept the plain URLs PaaS hosts hand out and pick the driver for them (SQLite's is
        chosen by bot.storage.database; `sqlite+aiosqlite:///` is read as `sqlite:///`)."""
        value = value.strip()
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite+aiosqlite:///", "sqlite:///"),
        ):
            if value.startswith(plain):
                return driver + value[len(plain) :]
        if not value.startswith(("sqlite:///", "postgresql+asyncpg://")):
            raise ValueError("use a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be the public https:// URL Telegram posts updates to")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if not SECRET_TOKEN.fullmatch(value):
            raise ValueError("must be 1 to 256 characters among A-Z a-z 0-9 _ -")
        return value

    @field_validator("web_url")
    @classmethod
    def _web_url(cls, value: str | None) -> str | None:
        value = (value or "").strip().rstrip("/")
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be the back office's address, e.g. https://staff.example.org")
        return value

    @field_validator("web_secret")
    @classmethod
    def _web_secret(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if len(value) < 32:
            raise ValueError(
                "at least 32 characters: python3 -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return value

    @field_validator("health_port", mode="before")
    @classmethod
    def _optional_port(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "WEBHOOK_SECRET: required when WEBHOOK_URL is set "
                "(1 to 256 characters among A-Z a-z 0-9 _ -)"
            )
        return self

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> frozenset[int]:
        if value is None or value == "":
            return frozenset()
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be comma-separated Telegram user ids") from None
        if isinstance(value, int):
            return frozenset({value})
        return frozenset(value)  # type: ignore[arg-type]

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        return value.strip().replace("-", "_").split("_")[0].lower()

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts to, served as is (a proxy forwards it unchanged)."""
        return urlsplit(self.webhook_url or "").path or "/"

    def secrets(self) -> tuple[str, ...]:
        """Values never to be written in a log."""
        values = (self.telegram_bot_token, self.webhook_secret, self.web_secret)
        return tuple(s for s in values if s)

    @property
    def web_base_url(self) -> str:
        """Where the back office's links point: WEB_URL, else this machine's WEB_PORT."""
        return self.web_url or f"http://localhost:{self.web_port}"

    def require_web_secret(self) -> str:
        """The back office signs login links and cookies with WEB_SECRET, and only with it."""
        if not self.web_secret:
            raise ConfigError(
                "WEB_SECRET is not set: the back office needs its own secret of at least 32 "
                "characters (python3 -c 'import secrets; print(secrets.token_hex(32))')"
            )
        return self.web_secret

    def require_token(self) -> str:
        """The token is only needed to talk to the real Telegram."""
        if not self.telegram_bot_token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get one from @BotFather")
        return self.telegram_bot_token


def load_settings(**overrides: object) -> Settings:
    """Build settings or raise ConfigError with one line naming the faulty variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        loc = first.get("loc")
        if not loc:  # a rule across variables: its message names the variable
            raise ConfigError(message) from None
        field = str(loc[0])
        alias = Settings.model_fields[field].alias if field in Settings.model_fields else field
        raise ConfigError(f"{(alias or field).upper()}: {message}") from None
