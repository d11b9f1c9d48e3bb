"""Announcements after they are written: their schedule in the job queue, /announcements
(list, cancel, stop), the delivery report to their author, and the notice of a missed one.

Each scheduled announcement has a job with a stable id (`announcement-<id>`, replaced, never
duplicated) at its time, registered again at every start-up. A sweep every few seconds starts
whatever is due that no job took (one written by `residents-bot broadcast send` in another
process, a job lost) and registers its job. Time is the services' clock: `tick` starts what is
due by it, so tests move the clock and call it instead of waiting.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, JobQueue, filters

from bot.broadcasts.audience import Audience
from bot.broadcasts.labels import (
    DELIVERY_LABELS,
    DELIVERY_ORDER,
    STATUS_LABELS,
    describe_audience,
)
from bot.broadcasts.service import (
    CANCELLED,
    SCHEDULED,
    SENDING,
    STOPPED,
    Report,
    Summary,
)
from bot.i18n import HTML, Catalogs, Translator
from bot.services import Services
from bot.telegram.callbacks import button, decode, is_kind
from handlers.buttons import CancelAnnouncement
from handlers.context import BotContext
from handlers.replies import bold, show

log = logging.getLogger(__name__)
SWEEP_SECONDS = 5  # a `broadcast send` from the command line goes out within this
PREVIEW_CHARS = 80


def job_id(announcement_id: int) -> str:
    return f"announcement-{announcement_id}"


# -- schedule


async def schedule_jobs(job_queue: JobQueue[Any] | None, services: Services) -> None:
    """A job per scheduled announcement at its time, replacing any of the same id. A job
    that fires up to BROADCAST_GRACE late (the process was busy or asleep) still runs."""
    if job_queue is None:
        return
    now = services.clock()
    grace = int(services.settings.broadcast_grace.total_seconds())
    for announcement_id, due in await services.broadcasts.scheduled():
        name = job_id(announcement_id)
        job_queue.run_once(
            due_job,
            when=max(0.0, (due - now).total_seconds()),
            name=name,
            job_kwargs={"id": name, "replace_existing": True, "misfire_grace_time": grace},
        )


async def tick(bot: Bot, job_queue: JobQueue[Any] | None, services: Services) -> list[int]:
    """Start what is due; tell the authors of what was missed; returns the runs started."""
    started = await services.broadcasts.start_due(services.settings.broadcast_grace)
    if started.runs:
        services.wake_outbox()
    for announcement_id, author_id, due in started.missed:
        log.warning("announcement %d missed (due %s)", announcement_id, due.isoformat())
        if author_id is None:
            continue
        t = await translator_for(services, author_id)
        text = t._(
            "⚠️ Announcement #{id} was not sent: it was due {when}, while the assistant "
            "was stopped for longer than allowed. Send it again with /announce if it still "
            "matters.",
            id=announcement_id,
            when=HTML(when_text(t, due)),
        )
        await _tell(bot, author_id, text)
    await schedule_jobs(job_queue, services)
    return started.runs


async def due_job(context: BotContext) -> None:
    await tick(context.bot, context.job_queue, context.services)


async def sweep(context: BotContext) -> None:
    await tick(context.bot, context.job_queue, context.services)


async def at_start(bot: Bot, job_queue: JobQueue[Any] | None, services: Services) -> None:
    await tick(bot, job_queue, services)
    if job_queue is not None:
        job_queue.run_repeating(
            sweep,
            interval=SWEEP_SECONDS,
            first=SWEEP_SECONDS,
            name="announcements-sweep",
            job_kwargs={"id": "announcements-sweep", "replace_existing": True},
        )


# -- reports


async def send_reports(bot: Bot, services: Services) -> int:
    """Tell each author how their finished deliveries went; returns how many were told."""
    told = 0
    for run_id in await services.broadcasts.unreported():
        report = await services.broadcasts.report(run_id)
        if report is not None and report.author_id is not None:
            t = await translator_for(services, report.author_id)
            names = await residence_names(services)
            if await _tell(bot, report.author_id, render_report(t, report, names)):
                told += 1
        await services.broadcasts.reported(run_id)
    return told


def render_report(t: Translator, report: Report, names: dict[str, str]) -> str:
    title = (
        t._("📊 Announcement #{id} stopped", id=report.announcement_id)
        if report.stopped
        else t._("📊 Announcement #{id} delivered", id=report.announcement_id)
    )
    lines = [bold(title), counts_line(t, report.by_status)]
    if report.groups:
        lines.append(
            t._(
                "Group chats: {counts}",
                counts=HTML(counts_line(t, report.groups)),
            )
        )
    if len(report.by_language) > 1:
        lines.append("")
        lines.append(bold(t._("By language")))
        for lang, counts in sorted(report.by_language.items()):
            lines.append(
                t._(
                    "{name}: {counts}",
                    name=Catalogs.language_name(lang),
                    counts=HTML(counts_line(t, counts)),
                )
            )
    if report.by_residence:
        lines.append("")
        lines.append(bold(t._("By residence")))
        for residence, counts in sorted(report.by_residence.items(), key=lambda i: i[0] or ""):
            name = names.get(residence or "", residence) if residence else t._("No residence")
            lines.append(t._("{name}: {counts}", name=name, counts=HTML(counts_line(t, counts))))
    unreached = report.unreached()
    if unreached:
        lines.append("")
        lines.append(bold(t._("Not reached on Telegram: to contact on paper")))
        for residence, count in sorted(unreached.items(), key=lambda i: i[0] or ""):
            name = names.get(residence or "", residence) if residence else t._("No residence")
            lines.append(
                t.ngettext("{name}: {n} household", "{name}: {n} households", count, name=name)
            )
    return "\n".join(lines)


def counts_line(t: Translator, counts: dict[str, int]) -> str:
    order = DELIVERY_ORDER
    parts = [
        t.number(counts[status]) + " " + t._(DELIVERY_LABELS[status])
        for status in order
        if counts.get(status)
    ]
    return html.escape(", ".join(parts)) if parts else t._("nobody")


# -- /announcements


async def list_announcements(update: Update, context: BotContext) -> None:
    t = context.t
    services = context.services
    if not await is_staff(context, update):
        return
    summaries = await services.broadcasts.summaries(limit=10)
    if not summaries:
        await show(update, t._("No announcement yet. Write one with /announce."), edit=False)
        return
    names = await residence_names(services)
    lines = [bold(t._("Announcements"))]
    rows = []
    for summary in summaries:
        lines.append("")
        lines.append(summary_text(t, summary, names))
        if summary.status in (SCHEDULED, SENDING):
            label = (
                t._("✖️ Cancel #{id}", id=summary.id)
                if summary.status == SCHEDULED
                else t._("⏹ Stop #{id}", id=summary.id)
            )
            rows.append([button(label, CancelAnnouncement(summary.id))])
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None, edit=False)


def summary_text(t: Translator, summary: Summary, names: dict[str, str]) -> str:
    status = t._(STATUS_LABELS.get(summary.status, STATUS_LABELS[SCHEDULED]))
    head = f"<b>#{summary.id}</b> {html.escape(status)}"
    if summary.urgent:
        head += " " + t._("🚨 urgent")
    when = ""
    if summary.weekly is not None:
        when = weekly_text(t, summary.weekly.days, summary.weekly.at.strftime("%H:%M"))
    elif summary.due_at is not None:
        when = when_text(t, summary.due_at)
    preview = _plain(summary.preview)
    if len(preview) > PREVIEW_CHARS:
        preview = preview[: PREVIEW_CHARS - 1] + "…"
    lines = [head]
    if when:
        lines.append("🕒 " + when)
    lines.append("👥 " + audience_text(t, summary.audience, names))
    lines.append("🌐 " + html.escape(", ".join(summary.languages)))
    if summary.counts:
        lines.append("📊 " + counts_line(t, summary.counts))
    lines.append("<i>" + html.escape(preview) + "</i>")
    return "\n".join(lines)


async def cancel_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = decode(query.data if query else None)
    if query is None or not isinstance(data, CancelAnnouncement):
        return
    t = context.t
    if not await is_staff(context, update):
        await query.answer()
        return
    outcome = await context.services.broadcasts.cancel(data.announcement)
    user = update.effective_user
    if outcome is not None and user is not None:
        await context.services.staff.audit(
            user.id, f"announcement.{outcome}", f"#{data.announcement}"
        )
    if outcome == CANCELLED:
        if context.job_queue is not None:
            for job in context.job_queue.get_jobs_by_name(job_id(data.announcement)):
                job.schedule_removal()
        text = t._("Announcement #{id} is cancelled: nobody will receive it.", id=data.announcement)
    elif outcome == STOPPED:
        text = t._(
            "Announcement #{id} is stopped: nobody else will receive it. The report follows.",
            id=data.announcement,
        )
        context.services.wake_outbox()
    else:
        text = t._("Announcement #{id} can no longer be cancelled.", id=data.announcement)
    await query.answer()
    await show(update, text, edit=False)


# -- shared words


def audience_text(t: Translator, audience: Audience, names: dict[str, str]) -> str:
    """Who it is for, in the staff member's words (safe HTML)."""
    return describe_audience(t, audience, names)


def when_text(t: Translator, moment: Any) -> str:
    """Unambiguous: the weekday, the date with the year, the time and the time zone (safe
    HTML)."""
    return t._(
        "{day} at {time} ({zone})",
        day=t.date(moment, "full"),
        time=t.time(moment),
        zone=str(t.tz),
    )


def weekly_text(t: Translator, days: tuple[int, ...], at: str) -> str:
    names = [t.weekday_name(day) for day in days]
    return t._("every {days} at {time}", days=", ".join(names), time=at)


async def residence_names(services: Services) -> dict[str, str]:
    return {r.id: r.name for r in await services.events.residences()}


async def translator_for(services: Services, user_id: int) -> Translator:
    resident = await services.residents.get(user_id)
    lang = services.catalogs.resolve(
        resident.language if resident else None,
        resident.telegram_language if resident else None,
    )
    return services.catalogs.get(lang)


async def is_staff(context: BotContext, update: Update) -> bool:
    """Checked again here though the guard (handlers/access.py) already refused residents."""
    user = update.effective_user
    return await context.services.staff.is_staff(user.id if user else None)


async def _tell(bot: Bot, chat_id: int, text: str) -> bool:
    try:
        await bot.send_message(chat_id, text)
    except TelegramError as exc:
        log.warning("could not tell staff member %s: %s", chat_id, type(exc).__name__)
        return False
    return True


def _plain(html_text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", html_text)).replace("\n", " ")


HANDLERS = [
    CommandHandler("announcements", list_announcements, filters.ChatType.PRIVATE),
    CallbackQueryHandler(cancel_pressed, pattern=is_kind(CancelAnnouncement)),
]
