"""One validated settings object, read from the environment and an optional `.env` file.

The variable names are a contract with deployment tooling: keep them exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DB_PATH = Path("var") / "residents.sqlite3"


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

    @field_validator("events_feed_url")
    @classmethod
    def _feed(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        return value or None

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
        loc = first.get("loc") or ("?",)
        field = str(loc[0])
        alias = Settings.model_fields[field].alias if field in Settings.model_fields else field
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ConfigError(f"{(alias or field).upper()}: {message}") from None
