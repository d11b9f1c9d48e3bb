"""Reminders and change notices, delivered through the bot.

Each pending row of bot/events/reminders.py gets a job in PTB's job queue with a stable id
(`reminder-<id>`, replaced, never duplicated), scheduled again at every start-up; what came
due while the assistant was down is sent at start-up if still useful, else dropped. A sweep
every minute sends anything due that no job took (a notice queued by `residents-bot events
import` in another process, a job lost). Time is the services' clock: `send_due` sends what is
due by it, so tests move the clock and call it instead of waiting.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError
from telegram.ext import JobQueue

from bot.events import reminders as kinds
from bot.events.reminders import Due
from bot.i18n import HTML, Translator
from bot.services import Services
from bot.telegram.callbacks import button
from handlers.buttons import ShowEvent
from handlers.context import BotContext
from handlers.eventcards import title_html
from handlers.menu import menu_button
from handlers.replies import bold
from handlers.when import when

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60
STOPPED = "stopped"  # the outcome of a reminder not sent because the resident sent /stop
# A cancellation is sent at once (the resident may be on their way); everything else waits for
# the end of the resident's quiet hours, unless the event would have started by then.
SENT_AT_ONCE = frozenset({kinds.CANCELLED_NOTICE})


def job_id(reminder_id: int) -> str:
    return f"reminder-{reminder_id}"


def schedule(
    job_queue: JobQueue[Any] | None, pending: Iterable[tuple[int, datetime]], now: datetime
) -> None:
    """A job per row at its due time (by the services' clock), replacing any of the same id."""
    if job_queue is None:
        return
    for reminder_id, due in pending:
        name = job_id(reminder_id)
        job_queue.run_once(
            deliver_one,
            when=max(0.0, (due - now).total_seconds()),
            data=reminder_id,
            name=name,
            job_kwargs={"id": name, "replace_existing": True, "misfire_grace_time": None},
        )


def unschedule(job_queue: JobQueue[Any] | None, ids: Iterable[int]) -> None:
    if job_queue is None:
        return
    for reminder_id in ids:
        for job in job_queue.get_jobs_by_name(job_id(reminder_id)):
            job.schedule_removal()


def render(t: Translator, due: Due, lang: str, fallback: str, now: datetime) -> str:
    event = due.event
    title = HTML(title_html(t, event, lang, fallback))
    span = HTML(when(t, event.starts_at, event.ends_at, now, all_day=event.all_day))
    if due.kind == kinds.CANCELLED_NOTICE:
        lines = [
            "❌ " + bold(t._("Cancelled: {title}", title=title)),
            t._("It was planned {when}. Sorry!", when=span),
        ]
    elif due.kind == kinds.POSTPONED_NOTICE:
        lines = [
            "⏳ " + bold(t._("Postponed: {title}", title=title)),
            t._("The new date will be announced here."),
        ]
    elif due.kind == kinds.MOVED:
        lines = ["🔁 " + bold(t._("New date: {title}", title=title)), "📅 " + span]
        if event.previous_starts_at is not None:
            before = when(t, event.previous_starts_at, event.previous_starts_at, now)
            lines.append(
                t._("Instead of {when}. Your reminders follow the new date.", when=HTML(before))
            )
    else:
        lines = ["⏰ " + bold(t._("Reminder: {title}", title=title)), "📅 " + span]
    if event.place:
        lines.append("📍 " + html.escape(", ".join(p for p in (event.place, event.address) if p)))
    return "\n".join(lines)


async def send_due(bot: Bot, services: Services, ids: Iterable[int] | None = None) -> int:
    """Send what is due now (only `ids` if given); returns how many were delivered."""
    delivered = 0
    for due in await services.reminders.claim(ids):
        resident = await services.residents.get(due.user_id)
        if resident is not None and resident.blocked:
            await services.reminders.finish(due.reminder_id, kinds.BLOCKED)
            continue
        profile = await services.profiles.get(due.user_id)
        if profile is not None and profile.stopped:  # /stop: no messages but replies
            await services.reminders.finish(due.reminder_id, STOPPED)
            continue
        now = services.clock()
        if due.kind not in SENT_AT_ONCE and profile is not None:
            allowed = services.profiles.next_allowed(profile, now)
            if allowed > now and allowed < due.event.starts_at:
                # The sweep sends it when the quiet hours end.
                await services.reminders.defer(due.reminder_id, allowed)
                continue
        lang = services.catalogs.resolve(
            resident.language if resident else None,
            resident.telegram_language if resident else None,
        )
        t = services.catalogs.get(lang)
        text = render(t, due, lang, services.catalogs.default_locale, services.clock())
        keyboard = InlineKeyboardMarkup(
            [[button(t._("See the details"), ShowEvent(due.event.id))], [menu_button(t)]]
        )
        try:
            await bot.send_message(due.chat_id, text, reply_markup=keyboard)
        except Forbidden:
            await services.residents.set_blocked(due.user_id, due.chat_id, True)
            await services.reminders.finish(due.reminder_id, kinds.BLOCKED)
        except TelegramError as exc:
            log.warning("reminder %s not delivered: %s", due.reminder_id, type(exc).__name__)
            await services.reminders.finish(due.reminder_id, kinds.FAILED)
        else:
            await services.reminders.finish(due.reminder_id, kinds.SENT)
            delivered += 1
    return delivered


async def deliver_one(context: BotContext) -> None:
    job = context.job
    if job is not None and isinstance(job.data, int):
        await send_due(context.bot, context.services, [job.data])


async def sweep(context: BotContext) -> None:
    await send_due(context.bot, context.services)


async def reschedule(job_queue: JobQueue[Any] | None, services: Services) -> None:
    schedule(job_queue, await services.reminders.pending(), services.clock())


async def at_start(bot: Bot, job_queue: JobQueue[Any] | None, services: Services) -> None:
    """Send what came due while the assistant was down (if still useful), schedule the rest."""
    await send_due(bot, services)
    await reschedule(job_queue, services)
    if job_queue is not None:
        job_queue.run_repeating(
            sweep,
            interval=SWEEP_SECONDS,
            first=SWEEP_SECONDS,
            name="reminders-sweep",
            job_kwargs={"id": "reminders-sweep", "replace_existing": True},
        )


async def after_change(context: BotContext) -> None:
    """After a cancel or move: tell the residents now, and move their reminders' jobs."""
    await send_due(context.bot, context.services)
    await reschedule(context.job_queue, context.services)
