"""Assembles the Application: the one place that knows every part."""

from __future__ import annotations

import logging
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.answering import Answerer
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.content import ContentSet, load_content
from bot.content_store import sync_content
from bot.db import Database
from bot.i18n import Catalogs
from bot.ordering import PerChatUpdateProcessor
from bot.persistence import SQLPersistence
from bot.questions import QuestionLogService
from bot.ratelimit import RetryAfterLimiter
from bot.residents import ResidentService
from bot.services import Services
from handlers import (
    answers,
    browse,
    errors,
    fallback,
    gaps,
    identify,
    language,
    membership,
    menu,
)
from handlers.commands import register_commands
from handlers.context import SERVICES_KEY, BotContext

log = logging.getLogger(__name__)


# Handler groups run in order; within a group the first matching handler wins.
HANDLER_GROUPS: list[tuple[int, list[Any]]] = [
    (-1, identify.HANDLERS),
    # The fallbacks come last in the same group, so they only see what nothing else took.
    (
        0,
        membership.HANDLERS
        + menu.HANDLERS
        + language.HANDLERS
        + gaps.HANDLERS
        + browse.HANDLERS
        + answers.HANDLERS
        + fallback.HANDLERS,
    ),
]


def build_services(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    db: Database | None = None,
    content: ContentSet | None = None,
) -> Services:
    """Everything a running assistant holds. Raises CatalogError or ContentError (listing
    every problem) so the program refuses to start half-translated or on broken content."""
    catalogs = Catalogs(settings.locales_dir, settings.default_locale, settings.timezone)
    content = content or load_content(settings.content_dir, catalogs.supported)
    db = db or Database(settings.database_url)
    return Services(
        settings=settings,
        db=db,
        catalogs=catalogs,
        residents=ResidentService(db, clock),
        answerer=Answerer(content, catalogs.supported, settings.default_locale),
        questions=QuestionLogService(db, clock),
        clock=clock,
    )


def build_application(
    services: Services, *, token: str | None = None
) -> Application[Any, BotContext, Any, Any, Any, Any]:
    settings = services.settings
    api = settings.telegram_api_url

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await services.residents.load()
        report = await sync_content(services.db, services.answerer.content)
        log.info("content store synced: %s", report)
        await register_commands(app.bot, services.catalogs, settings.admin_ids)

    async def post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await services.questions.flush()
        await services.residents.flush()

    application = (
        ApplicationBuilder()
        .token(token or settings.require_token())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=settings.tz,
            )
        )
        .context_types(ContextTypes(context=BotContext))
        .persistence(SQLPersistence(services.db))
        .concurrent_updates(PerChatUpdateProcessor(settings.max_concurrent_updates))
        # httpcore scans its whole pool on every request: keep it just above the workers.
        .connection_pool_size(settings.max_concurrent_updates + 4)
        .rate_limiter(RetryAfterLimiter())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    for group, handlers in HANDLER_GROUPS:
        application.add_handlers(handlers, group=group)
    application.add_error_handler(errors.on_error)  # type: ignore[arg-type]
    return application


ALLOWED_UPDATES = Update.ALL_TYPES


async def start_application(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Start polling without run_polling (chat mode, tests): post_init must be called by hand."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=10, allowed_updates=ALLOWED_UPDATES
    )


async def stop_application(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
