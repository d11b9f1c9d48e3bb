"""Assembles the assistant: the one place that knows every part, and its lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.answers.content import ContentError
from bot.answers.library import Library
from bot.answers.questions import QuestionLogService
from bot.backoffice.access import WebAccess
from bot.backoffice.web import backoffice_routes
from bot.broadcasts.service import BroadcastService
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.events.editing import EventEditor
from bot.events.ics import FeedError
from bot.events.library import EventsLibrary
from bot.events.reminders import ReminderService
from bot.events.service import EventService, read_source
from bot.i18n import Catalogs
from bot.metrics import Metrics
from bot.residents.profile import ProfileService
from bot.residents.service import ResidentService
from bot.services import Services
from bot.staff.service import StaffService
from bot.storage.database import Database
from bot.storage.locks import ProcessLocks
from bot.telegram.bulkapi import BulkApi
from bot.telegram.health import Health
from bot.telegram.inbox import Inbox
from bot.telegram.ordering import PerChatUpdateProcessor, update_kind
from bot.telegram.outbox import OutboxSender, in_flight_for
from bot.telegram.polling import InboxPoller
from bot.telegram.ratelimit import RetryingLimiter
from bot.telegram.scheduler import RETRY_SECONDS, SchedulerGate
from bot.telegram.webhook import MAX_CONNECTIONS, WebhookReceiver, register_webhook
from bot.web import WebServer, web_app
from handlers import (
    access,
    announce,
    announcements,
    answers,
    browse,
    digest,
    errors,
    events,
    fallback,
    gaps,
    groups,
    identify,
    language,
    membership,
    menu,
    onboarding,
    popups,
    privacy,
    reload,
    reminders,
    settings,
    staff,
    web,
)
from handlers.commands import register_commands
from handlers.context import SERVICES_KEY, BotContext

log = logging.getLogger(__name__)

App = Application[Any, BotContext, Any, Any, Any, Any]

# Handler groups run in order; within a group the first matching handler wins.
HANDLER_GROUPS: list[tuple[int, list[Any]]] = [
    (-3, identify.HANDLERS),
    (-2, groups.GUARDS),  # in a group: only the group commands go further
    # Staff commands and buttons: only staff go further (the rest is untouched); then an
    # admin's forwarded message, to add its author as staff.
    (-1, access.GUARDS + staff.EARLY),
    # The fallbacks come last in the same group, so they only see what nothing else took.
    (
        0,
        membership.HANDLERS
        + groups.HANDLERS
        + announce.HANDLERS  # before anything that takes text: its typed steps
        + announcements.HANDLERS
        + events.HANDLERS  # before the menu: /start with a deep link opens the event
        + onboarding.HANDLERS  # /start: a new resident's first steps, posters' links
        + menu.HANDLERS
        + settings.HANDLERS
        + privacy.HANDLERS
        + language.HANDLERS
        + gaps.HANDLERS
        + reload.HANDLERS
        + staff.HANDLERS
        + web.HANDLERS
        + browse.HANDLERS
        + popups.HANDLERS  # before answers: a shared location, a reply naming an object
        + answers.HANDLERS
        + fallback.HANDLERS,
    ),
]
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
LISTEN_HOST = "0.0.0.0"  # the platform routes PORT from outside
# SIGTERM to exit: platforms send SIGKILL 10 s after SIGTERM; leave time to close.
SHUTDOWN_SECONDS = 8.0
# How often the scheduler's process adopts what a vanished worker stored and never handled.
ADOPT_SECONDS = 30.0


@dataclass
class Assistant:
    """Everything one running assistant holds."""

    services: Services
    db: Database
    inbox: Inbox
    metrics: Metrics
    health: Health
    # PostgreSQL: this process's advisory locks (presence, scheduler); None on SQLite.
    locks: ProcessLocks | None = None
    application: App | None = None
    scheduler: SchedulerGate | None = None
    receiver: WebhookReceiver | None = None
    web: WebServer | None = None
    outbox: OutboxSender | None = None
    _poller: InboxPoller | None = field(default=None, repr=False)

    async def close(self) -> None:
        if self.locks is not None:
            await self.locks.close()
        await self.db.dispose()


def build_assistant(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    db: Database | None = None,
    library: Library | None = None,
    catalogs: Catalogs | None = None,
    whatson: EventsLibrary | None = None,
) -> Assistant:
    """Raises CatalogError or ContentError (listing every problem): the program refuses to
    start half-translated or on broken content."""
    catalogs = catalogs or Catalogs(
        settings.locales_dir, settings.default_locale, settings.timezone
    )
    library = library or Library(settings.content_dir, catalogs.supported, settings.default_locale)
    whatson = whatson or EventsLibrary(settings.content_dir, catalogs.supported)
    db = db or Database(settings.database_url)
    metrics = Metrics()
    locks = None if db.is_sqlite else ProcessLocks(db.url)
    inbox = Inbox(db, clock, worker=locks.worker_id if locks else None)
    broadcasts = BroadcastService(db, clock, settings.tz, catalogs.resolve)
    services = Services(
        settings=settings,
        catalogs=catalogs,
        residents=ResidentService(db, clock),
        answers=library,
        questions=QuestionLogService(db, clock),
        clock=clock,
        events=EventService(db, clock, tz=settings.tz, default_locale=settings.default_locale),
        reminders=ReminderService(db, clock, settings.tz),
        whatson=whatson,
        # /forget also drops the resident's updates still waiting in the durable inbox and
        # their announcements' deliveries.
        profiles=ProfileService(
            db,
            clock,
            settings.tz,
            erasers=[inbox.forget_user, broadcasts.forget_user],
            exporters=[broadcasts.export_user],
        ),
        broadcasts=broadcasts,
        staff=StaffService(db, clock, settings.admin_ids),
        record_answer=metrics.record_answer,
    )
    services.editor = EventEditor(db, services.events, clock)
    if settings.web_secret:
        services.web = WebAccess(
            db, settings.web_secret, settings.web_base_url, services.staff.is_staff, clock
        )
    mode = "webhook" if settings.webhook_url else "polling"
    health = Health(inbox, mode, clock)
    health.backlogs["outbox"] = broadcasts.backlog
    return Assistant(
        services=services,
        db=db,
        inbox=inbox,
        metrics=metrics,
        health=health,
        locks=locks,
    )


def build_application(assistant: Assistant, *, token: str | None = None) -> App:
    services = assistant.services
    settings = services.settings
    api = settings.telegram_api_url

    metrics = assistant.metrics

    async def mark_handled(update: Update) -> None:
        try:
            await assistant.inbox.handled(update.update_id)
        finally:
            assistant.health.handled(update.update_id)
            if assistant.receiver is not None:
                assistant.receiver.handled(update.update_id)

    def observe(update: Update, seconds: float) -> None:
        metrics.record_update(update_kind(update), seconds)

    async def prune_inbox(_context: BotContext) -> None:
        await assistant.inbox.prune()

    async def sync_events(_context: BotContext | None = None) -> None:
        """The content rules move on with the days: plan the coming weeks again."""
        report = await services.events.sync_content(services.whatson.content)
        if report.cancelled or report.moved:
            log.info("events content: %s", "; ".join(report.lines()[:3]))

    async def refresh_feed(context: BotContext) -> None:
        url = settings.events_feed_url
        if not url:
            return
        try:
            report = await services.events.import_feed(await read_source(url), url)
        except FeedError as exc:
            log.warning("events feed not imported: %s", exc)
            return
        log.info("events feed imported: %s", ", ".join(report.lines()[:4]))
        for reason in report.skipped[:20]:
            log.warning("events feed: skipped %s", reason)
        await reminders.after_change(context)

    async def adopt_orphans(context: BotContext) -> None:
        adopted = await assistant.inbox.adopt()
        for payload in adopted:
            await context.application.update_queue.put(Update.de_json(payload, context.bot))
        if adopted:
            log.warning("adopted %d updates a vanished worker left unhandled", len(adopted))

    async def post_init(app: App) -> None:
        await register_commands(app.bot, services.catalogs)
        await staff.staff_menus_at_start(app.bot, services)
        await sync_events()
        await reminders.at_start(app.bot, app.job_queue, services)
        await announcements.at_start(app.bot, app.job_queue, services)
        digest.schedule(app.job_queue, services)
        if app.job_queue is not None:
            # Scheduled jobs run in one process only (bot/telegram/scheduler.py).
            app.job_queue.run_repeating(prune_inbox, interval=3600, first=60, name="inbox-prune")
            app.job_queue.run_repeating(
                sync_events, interval=6 * 3600, first=6 * 3600, name="events-sync"
            )
            if settings.events_feed_url:
                app.job_queue.run_repeating(
                    refresh_feed,
                    interval=settings.events_refresh_minutes * 60,
                    first=10,
                    name="events-feed",
                )
            if not assistant.db.is_sqlite:
                app.job_queue.run_repeating(
                    adopt_orphans, interval=ADOPT_SECONDS, first=ADOPT_SECONDS, name="inbox-adopt"
                )

    application: App = (
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
        .updater(None)  # polling goes through the durable inbox (bot/telegram/polling.py)
        .concurrent_updates(
            PerChatUpdateProcessor(
                settings.max_concurrent_updates, on_handled=mark_handled, observe=observe
            )
        )
        # httpcore scans its whole pool on every request: keep it just above the workers.
        .connection_pool_size(settings.max_concurrent_updates + 4)
        .get_updates_connection_pool_size(2)
        .read_timeout(settings.telegram_timeout)
        .write_timeout(settings.telegram_timeout)
        .rate_limiter(RetryingLimiter(on_flood=metrics.record_flood))
        .post_init(post_init)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    assistant.outbox = build_outbox(assistant, application)
    for group, handlers in HANDLER_GROUPS:
        application.add_handlers(handlers, group=group)
    application.add_error_handler(errors.on_error)  # type: ignore[arg-type]
    assistant.application = application
    return application


def settle_memory() -> None:
    """Once a server process has started: what start-up built (content indexes, catalogs,
    models) lives as long as the process, so the garbage collector stops scanning it again and
    again. Measured: its pauses were most of the back office's slowest page times
    (bench/web.py)."""
    gc.collect()
    gc.freeze()


def build_outbox(assistant: Assistant, application: App) -> OutboxSender:
    """The announcements' sender, with its own connections: residents' replies never wait for
    a free connection behind a bulk send."""
    services = assistant.services
    settings = services.settings
    in_flight = in_flight_for(settings.broadcast_rate)
    api = BulkApi(
        settings.telegram_api_url,
        application.bot.token,
        timeout=settings.telegram_timeout,
        connections=in_flight,
    )

    async def finished(_runs: list[int]) -> None:
        await announcements.send_reports(application.bot, services)

    sender = OutboxSender(
        api,
        services.broadcasts,
        rate=settings.broadcast_rate,
        max_in_flight=in_flight,
        on_flood=assistant.metrics.record_flood,
        on_delivery=assistant.metrics.record_delivery,
        on_finished=finished,
    )
    services.wake_outbox = sender.wake
    return sender


async def _outbox_follows(assistant: Assistant, active: bool) -> None:
    """The outbox is sent by the process that runs the scheduled jobs, and only by it."""
    sender = assistant.outbox
    if sender is None:
        return
    if active and not sender.running:
        await sender.start()
    elif not active and sender.running:
        await sender.stop()


async def start(
    assistant: Assistant,
    *,
    host: str = LISTEN_HOST,
    scheduler_retry: float = RETRY_SECONDS,
    replay: bool = True,
) -> None:
    """Initialise, replay what a crash left unhandled, then take updates: by webhook when
    WEBHOOK_URL is set (listening on PORT), else by long polling through the inbox."""
    application = assistant.application
    assert application is not None and application.job_queue is not None
    settings = assistant.services.settings
    metrics, health = assistant.metrics, assistant.health
    if assistant.locks is not None:
        await assistant.locks.open()
        assistant.inbox.worker = assistant.locks.worker_id
    await application.initialize()
    changes: set[asyncio.Task[None]] = set()

    def scheduler_changed(active: bool) -> None:
        metrics.scheduler_active.set(1 if active else 0)
        if application.running:  # at start-up, the sender starts below
            task = asyncio.get_running_loop().create_task(_outbox_follows(assistant, active))
            changes.add(task)
            task.add_done_callback(changes.discard)

    assistant.scheduler = health.scheduler = SchedulerGate(
        application.job_queue.scheduler,
        assistant.locks,
        retry=scheduler_retry,
        on_change=scheduler_changed,
    )
    await assistant.scheduler.start()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    await _outbox_follows(assistant, assistant.scheduler.active)
    # Chat mode does not replay: its stand-in is a new Telegram, not the one they came from.
    replayed = await assistant.inbox.adopt() if replay else []
    for payload in replayed:
        await application.update_queue.put(Update.de_json(payload, application.bot))
    if replayed:
        log.info("replaying %d updates left unhandled by the last run", len(replayed))
    if settings.webhook_url and settings.webhook_secret:
        assistant.receiver = WebhookReceiver(
            application,
            assistant.inbox,
            settings.webhook_secret,
            count=lambda result: metrics.webhook_requests.labels(result=result).inc(),
        )
        # The staff back office beside the webhook, under /web (when WEB_SECRET is set).
        extra = backoffice_routes(assistant.services) if assistant.services.web else []
        app = web_app(health, metrics, assistant.receiver, settings.webhook_path, extra)
        assistant.web = WebServer(app, host, settings.port)
        await assistant.web.start()
        log.info("webhook mode: listening on port %d", assistant.web.port)
        # Listening first: Telegram posts what is waiting as soon as the webhook is set.
        await register_webhook(
            application.bot,
            settings.webhook_url,
            settings.webhook_secret,
            ALLOWED_UPDATES,
            MAX_CONNECTIONS,
        )
    else:
        if settings.health_port is not None:
            app = web_app(health, metrics)
            assistant.web = WebServer(app, host, settings.health_port, "HEALTH_PORT")
            await assistant.web.start()
            log.info("health and metrics on port %d", assistant.web.port)
        # Coming back from webhook mode: Telegram refuses getUpdates while a webhook is set.
        await application.bot.delete_webhook(drop_pending_updates=False)
        assistant._poller = InboxPoller(
            application, assistant.inbox, allowed_updates=ALLOWED_UPDATES
        )
        await assistant._poller.start()
    health.serving = True


async def stop(assistant: Assistant, *, within: float = SHUTDOWN_SECONDS) -> None:
    """Stop taking updates, let the ones in hand finish (within `within` seconds), then close
    everything. What is still unhandled then stays in the inbox: replayed at the next start,
    or adopted by another worker."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    assistant.health.serving = False
    if assistant.receiver is not None:
        assistant.receiver.accepting = False  # 503: Telegram retries elsewhere or later
    if assistant.web is not None:
        await assistant.web.stop()  # requests in flight finish first
    if assistant._poller is not None:
        await assistant._poller.stop()
    application = assistant.application
    if application is not None:
        if application.running:
            try:
                # Handles what is queued, waits for the updates in hand and running jobs.
                await asyncio.wait_for(application.stop(), max(0.5, deadline - loop.time()))
            except TimeoutError:
                log.warning(
                    "stopping before every update was handled: the rest stay in the inbox "
                    "for the next start or another worker"
                )
        if assistant.outbox is not None and assistant.outbox.running:
            # The deliveries in flight finish and are recorded; the rest wait in the outbox.
            await assistant.outbox.stop(within=max(0.5, deadline - loop.time()))
        if assistant.scheduler is not None:
            await assistant.scheduler.stop()  # gives the scheduler lock up at once
        with contextlib.suppress(RuntimeError):  # still "running" if the stop timed out
            await application.shutdown()
    if assistant.locks is not None:
        await assistant.locks.close()


async def serve(assistant: Assistant) -> None:
    """`residents-bot run`: until SIGINT/SIGTERM (graceful) or a revoked token.
    SIGHUP reloads the content files; a bad edit keeps the content in service."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)

    async def reload_content() -> None:
        try:
            answerer = await assistant.services.reload_content()
            log.info("content reloaded on SIGHUP: %d entries", len(answerer.entries))
        except ContentError as exc:
            log.error(
                "content NOT reloaded, %d problem(s):\n  %s",
                len(exc.problems),
                "\n  ".join(exc.problems),
            )

    reloads: set[asyncio.Task[None]] = set()

    def on_hup() -> None:
        task = loop.create_task(reload_content())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, on_hup)
    await start(assistant)
    settle_memory()  # not in start(): tests start many assistants in one process
    # It ends on its own when polling stops (a revoked token) or the web server dies.
    ends = [stopping.wait()]
    if assistant._poller is not None:
        ends.append(assistant._poller.stopped.wait())
    if assistant.web is not None:
        ends.append(assistant.web.ended.wait())
    waits = [asyncio.ensure_future(end) for end in ends]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        began = time.monotonic()
        for task in [*waits, *reloads]:
            task.cancel()
        await stop(assistant)
        await assistant.close()
        log.info("stopped in %.1f s", time.monotonic() - began)
