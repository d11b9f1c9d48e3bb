"""Test rig: a real Application with every handler, a Bot API stand-in on 127.0.0.1 over HTTP,
and a real database: SQLite by default, PostgreSQL when RESIDENTS_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import build_application, build_services, start_application, stop_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.migrate import upgrade
from bot.models import Base
from bot.services import Services
from bot.standin import BotAPIStandin, SimUser

PG_URL = os.environ.get("RESIDENTS_TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parent.parent
ADMIN_ID = 4242


def make_settings(**overrides: Any) -> Settings:
    """Hermetic settings: no .env, no stray environment variables."""
    values: dict[str, Any] = {
        "telegram_api_url": "http://127.0.0.1:9",
        "database_url": "sqlite+aiosqlite:///:memory:",
        "admin_ids": str(ADMIN_ID),
        "default_locale": "fr",
        "timezone": "Europe/Paris",
        "content_dir": ROOT / "content",
        "log_level": "INFO",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session; each test then gets a copy (SQLite) or emptied tables (PG)."""
    if PG_URL:
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture
async def database(migrated_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    if PG_URL:
        db = Database(PG_URL)
        names = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
        async with db.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
    else:
        template = Path(migrated_url.removeprefix("sqlite+aiosqlite:///"))
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(template, target)
        db = Database(f"sqlite+aiosqlite:///{target}")
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))


@pytest.fixture
async def standin() -> AsyncIterator[BotAPIStandin]:
    async with BotAPIStandin() as server:
        yield server


@dataclass
class Harness:
    standin: BotAPIStandin
    application: Any
    services: Services
    clock: FrozenClock

    def resident(
        self, user_id: int = 1001, language_code: str | None = "fr", name: str = "Amina"
    ) -> SimUser:
        return self.standin.user(user_id, name, language_code=language_code)


async def start_app(
    standin: BotAPIStandin, database: Database, clock: FrozenClock, **overrides: Any
) -> tuple[Any, Services]:
    settings = make_settings(
        telegram_api_url=standin.base_url, database_url=database.url, **overrides
    )
    services = build_services(settings, clock=clock, db=database)
    application = build_application(services, token=standin.token)
    await start_application(application)
    return application, services


async def stop_app(application: Any) -> None:
    await stop_application(application)


@pytest.fixture
async def harness(
    standin: BotAPIStandin, database: Database, clock: FrozenClock
) -> AsyncIterator[Harness]:
    application, services = await start_app(standin, database, clock)
    try:
        yield Harness(standin, application, services, clock)
    finally:
        await stop_app(application)
