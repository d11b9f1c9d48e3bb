"""Alembic environment: runs migrations through the async engine the app uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

import bot.answers.models
import bot.backoffice.models
import bot.broadcasts.models
import bot.events.models
import bot.residents.models
import bot.staff.models
import bot.telegram.inbox  # noqa: F401  (each capability's models join Base.metadata)
from bot.storage.base import Base
from bot.storage.database import Database
from bot.storage.locks import APP, MIGRATIONS

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        from bot.config import load_settings

        url = load_settings().database_url
    return str(url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _do_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    database = Database(_url())
    try:
        async with database.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                # One transaction for the whole upgrade, its first statement this lock: the
                # `release` step and every `run` may start together; the others wait here,
                # then find the schema at head. Released at commit.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                    {"ns": APP, "key": MIGRATIONS},
                )
            await connection.run_sync(_do_run)
            await connection.commit()
    finally:
        await database.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
