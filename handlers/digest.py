"""The weekly eco tip, and the privacy retention jobs, run by PTB's job queue.

`send_digests` sends each resident who asked for it one tip they have not seen yet, in their
language, unless they stopped messages, blocked the bot or are in their quiet hours (the next
run catches them). Time is the services' clock, so tests move it and call the job callbacks.
"""

from __future__ import annotations

import html
import logging
from datetime import time
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError
from telegram.ext import JobQueue

from bot.answers.content import Entry
from bot.services import Services
from bot.telegram.callbacks import button
from handlers.buttons import BROWSED, ShowEntry
from handlers.context import BotContext
from handlers.menu import menu_button
from handlers.replies import bold

log = logging.getLogger(__name__)
TIP_CATEGORIES = ("energy.", "water.")
RETRY_HOURS = 1  # how often due residents are looked for (quiet hours end, restarts)


def tips(services: Services) -> list[Entry]:
    entries = services.answers.answerer.entries.values()
    return [e for e in entries if e.kind == "entry" and e.category.startswith(TIP_CATEGORIES)]


async def send_digests(bot: Bot, services: Services) -> int:
    """Send this week's tip to every resident due one; returns how many were sent."""
    sent = 0
    pool = tips(services)
    fallback = services.catalogs.default_locale
    for profile in await services.profiles.due_for_digest(services.clock()):
        tip = next((e for e in pool if e.id not in profile.seen_tips), None)
        if tip is None:  # every tip seen: start again from the first
            tip = pool[0] if pool else None
        if tip is None:
            return sent
        lang = services.catalogs.resolve(profile.language, profile.telegram_language)
        t = services.catalogs.get(lang)
        text = tip.text(lang, fallback)
        message = "\n\n".join(
            [
                "📬 " + bold(t._("Your eco tip of the week")),
                bold(html.escape(text.title)) + "\n" + html.escape(text.answer),
                t._("Change or stop it with /settings."),
            ]
        )
        keyboard = InlineKeyboardMarkup(
            [[button(t._("📖 More details"), ShowEntry(BROWSED, tip.id, True))], [menu_button(t)]]
        )
        try:
            await bot.send_message(profile.chat_id, message, reply_markup=keyboard)
        except Forbidden:
            await services.residents.set_blocked(profile.user_id, profile.chat_id, True)
            continue
        except TelegramError as exc:
            log.warning("digest not delivered: %s", type(exc).__name__)
            continue
        await services.profiles.digest_sent(profile.user_id, tip.id)
        sent += 1
    return sent


async def digest_job(context: BotContext) -> None:
    await send_digests(context.bot, context.services)


async def retention(services: Services) -> tuple[int, int]:
    """Delete inactive profiles and old questions; returns (profiles, questions)."""
    settings = services.settings
    profiles = await services.profiles.forget_inactive(settings.profile_retention_days)
    questions = await services.questions.prune(settings.question_retention_days)
    if profiles or questions:
        log.info(
            "retention: %d inactive profile(s), %d old question(s) deleted", profiles, questions
        )
    return profiles, questions


async def retention_job(context: BotContext) -> None:
    await retention(context.services)


def schedule(job_queue: JobQueue[Any] | None, services: Services) -> None:
    """The digest on its weekday and hour (local), looked for again every hour that day so
    quiet hours and restarts do not skip a week; retention once a day at 04:00."""
    if job_queue is None:
        return
    settings = services.settings
    for hour in range(settings.digest_hour, 24, RETRY_HOURS):
        job_queue.run_daily(
            digest_job,
            time=time(hour, 0, tzinfo=settings.tz),
            days=((settings.digest_weekday + 1) % 7,),  # PTB counts days from Sunday = 0
            name=f"digest-{hour}",
            job_kwargs={"id": f"digest-{hour}", "replace_existing": True},
        )
    job_queue.run_daily(
        retention_job,
        time=time(4, 0, tzinfo=settings.tz),
        name="retention",
        job_kwargs={"id": "retention", "replace_existing": True},
    )
