"""Test rig: a real Application with every handler, a Bot API stand-in on 127.0.0.1 over HTTP,
and a real database: SQLite by default, PostgreSQL when RESIDENTS_TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.answers.library import Library
from bot.app import Assistant, build_application, build_assistant, start, stop
from bot.clock import FrozenClock
from bot.config import Settings
from bot.events.library import EventsLibrary
from bot.events.service import EventService
from bot.i18n import Catalogs
from bot.services import Services
from bot.standin import BotAPIStandin, SimUser
from bot.storage.base import Base
from bot.storage.database import Database
from bot.storage.migrate import upgrade

PG_URL = os.environ.get("RESIDENTS_TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parent.parent
# /reload rebuilds every language's search index and the events: seconds, not milliseconds, on
# a CI machine running the suite on every core.
RELOAD_WAIT = 30.0
ADMIN_ID = 4242
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # a Wednesday, the tests' frozen clock


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
        # The residents of the older tests have been here before: no onboarding on /start
        # (tests/residents/ turn it on, as it is in production).
        "onboarding": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """Built once per session: compiling and loading catalogs is not what tests test."""
    settings = make_settings()
    return Catalogs(settings.locales_dir, settings.default_locale, settings.timezone)


@pytest.fixture(scope="session")
def library(catalogs: Catalogs) -> Library:
    """The real content, indexed once per session (the index is read-only while serving)."""
    return Library(ROOT / "content", catalogs.supported, catalogs.default_locale)


def worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (created on demand),
    so tests that empty tables never meet another worker's rows."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"

    async def create() -> None:
        admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                found = await conn.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                )
                if not found:
                    await conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await admin.dispose()

    asyncio.run(create())
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def whatson(catalogs: Catalogs) -> EventsLibrary:
    """The real events content (places, rules, items), loaded once per session."""
    return EventsLibrary(ROOT / "content", catalogs.supported)


async def _plan_events(url: str, whatson: EventsLibrary) -> None:
    db = Database(url)
    try:
        settings = make_settings()
        service = EventService(
            db, FrozenClock(NOW), tz=settings.tz, default_locale=settings.default_locale
        )
        await service.sync_content(whatson.content)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory: pytest.TempPathFactory, whatson: EventsLibrary) -> str:
    """Migrate once per session; each test then gets a copy (SQLite) or emptied tables (PG).
    The SQLite template also holds the content's events as of NOW, so start-ups find them."""
    if PG_URL:
        url = worker_database(PG_URL)
        upgrade(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    asyncio.run(_plan_events(url, whatson))
    return url


@pytest.fixture
async def database(migrated_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    if PG_URL:
        db = Database(migrated_url)
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
    return FrozenClock(NOW)


@pytest.fixture
async def standin() -> AsyncIterator[BotAPIStandin]:
    async with BotAPIStandin() as server:
        yield server


@dataclass
class Harness:
    standin: BotAPIStandin
    assistant: Assistant
    clock: FrozenClock

    @property
    def services(self) -> Services:
        return self.assistant.services

    @property
    def db(self) -> Database:
        return self.assistant.db

    @property
    def application(self) -> Any:
        return self.assistant.application

    def resident(
        self, user_id: int = 1001, language_code: str | None = "fr", name: str = "Amina"
    ) -> SimUser:
        return self.standin.user(user_id, name, language_code=language_code)


async def start_app(
    standin: BotAPIStandin,
    database: Database,
    clock: FrozenClock,
    library: Library,
    catalogs: Catalogs,
    whatson: EventsLibrary | None = None,
    *,
    scheduler_retry: float = 30.0,
    **overrides: Any,
) -> Assistant:
    settings = make_settings(
        telegram_api_url=standin.base_url, database_url=database.url, **overrides
    )
    assistant = build_assistant(
        settings, clock=clock, db=database, library=library, catalogs=catalogs, whatson=whatson
    )
    build_application(assistant, token=standin.token)
    await start(assistant, host="127.0.0.1", scheduler_retry=scheduler_retry)
    return assistant


def free_port() -> int:
    """A port nothing listens on now, for a server that must know its URL before it starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def stop_app(assistant: Assistant) -> None:
    await stop(assistant)


@pytest.fixture
async def harness(
    standin: BotAPIStandin,
    database: Database,
    clock: FrozenClock,
    library: Library,
    catalogs: Catalogs,
    whatson: EventsLibrary,
) -> AsyncIterator[Harness]:
    assistant = await start_app(standin, database, clock, library, catalogs, whatson)
    try:
        yield Harness(standin, assistant, clock)
    finally:
        await stop_app(assistant)


async def run_process(env: dict[str, str], *, log: bool = True) -> asyncio.subprocess.Process:
    """`residents-bot run` as deployed: a separate process (its output piped when `log`)."""
    output = asyncio.subprocess.PIPE if log else asyncio.subprocess.DEVNULL
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=asyncio.subprocess.STDOUT if log else asyncio.subprocess.DEVNULL,
    )
