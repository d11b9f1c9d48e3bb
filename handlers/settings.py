"""/settings: language, residence, topics, quiet hours and the weekly eco tip; /stop.

One screen, edited in place at each press. Language and residence reuse their pickers
(handlers/language.py, the recycling screen's "my residence" in handlers/popups.py); topics,
quiet hours and the digest are buttons naming their owner, so a press by someone else or a
forged one changes nothing. See settings.mmd.
"""

from __future__ import annotations

from datetime import date, datetime, time

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.i18n import Translator
from bot.residents.profile import TOPIC_LABELS, TOPICS, Profile
from bot.telegram.callbacks import button, is_kind
from handlers.buttons import (
    LanguageMenu,
    OpenSettings,
    ResidenceList,
    SetDigest,
    SetQuiet,
    SetTopic,
)
from handlers.context import BotContext
from handlers.fallback import mine
from handlers.menu import menu_button
from handlers.replies import bold, show

# Quiet hours a resident can pick, in the order a press cycles through them.
QUIET_PRESETS: dict[str, tuple[int, int] | None] = {
    "21-08": (21 * 60, 8 * 60),
    "22-07": (22 * 60, 7 * 60),
    "20-09": (20 * 60, 9 * 60),
    "off": None,
}


def preset_of(quiet: tuple[int, int] | None) -> str:
    return next((k for k, v in QUIET_PRESETS.items() if v == quiet), "21-08")


def clock_time(t: Translator, minutes: int) -> str:
    """A local time of day in the resident's locale (Babel): 21:00, 9:00 PM…"""
    day = date(2026, 1, 5)  # any day: only the time of day is shown
    return t.time(datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=t.tz))


def quiet_text(t: Translator, quiet: tuple[int, int] | None) -> str:
    if quiet is None:
        return t._("none")
    return t._("{start} to {end}", start=clock_time(t, quiet[0]), end=clock_time(t, quiet[1]))


async def screen(context: BotContext, profile: Profile) -> tuple[str, InlineKeyboardMarkup]:
    services = context.services
    t = context.t
    residence = await services.events.residence(profile.residence_id)
    if residence is not None:
        where = t._("{name}, {city}", name=residence.name, city=residence.city)
        if profile.entrance:
            where += " · " + t._("entrance {entrance}", entrance=profile.entrance)
    else:
        where = t._("not chosen")
    followed = [t._(TOPIC_LABELS[topic]) for topic in TOPICS if profile.follows(topic)]
    lines = [
        bold(t._("⚙️ Your settings")),
        t._(
            "🌐 Language: {language}",
            language=services.catalogs.language_name(context.locale or t.locale),
        ),
        t._("🏢 Residence: {residence}", residence=where),
        t._("🔔 Topics: {topics}", topics=", ".join(followed) or t._("none")),
        t._("🌙 Quiet hours: {hours}", hours=quiet_text(t, profile.quiet)),
        t._("📬 Weekly eco tip: {state}", state=t._("on") if profile.digest else t._("off")),
    ]
    if profile.quiet is not None:
        lines.append(t._("During quiet hours, messages that can wait are held until they end."))
    if profile.stopped:
        lines.append("⏸ " + t._("Your messages are stopped. Send /start to get them again."))
    owner = profile.user_id
    presets = list(QUIET_PRESETS)
    following = presets[(presets.index(preset_of(profile.quiet)) + 1) % len(presets)]
    rows = [
        [
            button(t._("🌐 Language"), LanguageMenu()),
            button(t._("🏢 Residence"), ResidenceList(0)),
        ]
    ]
    rows += [
        [
            button(
                ("✅ " if profile.follows(topic) else "⬜ ") + t._(TOPIC_LABELS[topic]),
                SetTopic(owner, topic, not profile.follows(topic)),
            )
        ]
        for topic in TOPICS
    ]
    rows.append(
        [
            button(
                t._("🌙 Quiet hours: {hours}", hours=quiet_text(t, profile.quiet)),
                SetQuiet(owner, following),
            )
        ]
    )
    rows.append(
        [
            button(
                t._(
                    "📬 Weekly eco tip: {state}", state=t._("on") if profile.digest else t._("off")
                ),
                SetDigest(owner, not profile.digest),
            )
        ]
    )
    rows.append([menu_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _render(update: Update, context: BotContext, user_id: int, *, edit: bool) -> None:
    profile = await context.services.profiles.get(user_id)
    if profile is None:
        return
    text, keyboard = await screen(context, profile)
    await show(update, text, keyboard, edit=edit)


async def settings_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is not None:
        await _render(update, context, user.id, edit=False)


async def on_open(update: Update, context: BotContext) -> None:
    data = await mine(update, context, OpenSettings)
    if data is not None and update.callback_query is not None:
        await update.callback_query.answer()
        await _render(update, context, data.owner, edit=True)


async def on_topic(update: Update, context: BotContext) -> None:
    data = await mine(update, context, SetTopic)
    if data is None or update.callback_query is None:
        return
    await update.callback_query.answer()
    await context.services.profiles.set_topic(data.owner, data.topic, data.on)
    await _render(update, context, data.owner, edit=True)


async def on_quiet(update: Update, context: BotContext) -> None:
    data = await mine(update, context, SetQuiet)
    if data is None or update.callback_query is None:
        return
    await update.callback_query.answer()
    if data.preset in QUIET_PRESETS:
        await context.services.profiles.set_quiet(data.owner, QUIET_PRESETS[data.preset])
    await _render(update, context, data.owner, edit=True)


async def on_digest(update: Update, context: BotContext) -> None:
    data = await mine(update, context, SetDigest)
    if data is None or update.callback_query is None:
        return
    await update.callback_query.answer()
    await context.services.profiles.set_digest(data.owner, data.on)
    await _render(update, context, data.owner, edit=True)


async def stop_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    await context.services.profiles.set_stopped(user.id, True)
    t = context.t
    await show(
        update,
        "\n".join(
            [
                bold(t._("Done: I will not send you any more messages.")),
                t._("I still answer your questions. Send /start to get messages again."),
            ]
        ),
        edit=False,
    )


PRIVATE = filters.ChatType.PRIVATE
HANDLERS = [
    CommandHandler("settings", settings_command, PRIVATE),
    CommandHandler("stop", stop_command, PRIVATE),
    CallbackQueryHandler(on_open, pattern=is_kind(OpenSettings)),
    CallbackQueryHandler(on_topic, pattern=is_kind(SetTopic)),
    CallbackQueryHandler(on_quiet, pattern=is_kind(SetQuiet)),
    CallbackQueryHandler(on_digest, pattern=is_kind(SetDigest)),
]
