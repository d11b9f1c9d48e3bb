"""Onboarding: a new resident's /start walks through language, residence and topics, at most
four taps, each step skippable. A poster's link (`/start r-<residence>[_<entrance>][_<lang>]`)
attaches them to their residence and entrance first, so only language and topics are left.

No state in the process: where the resident is in the flow is in the buttons (each names its
owner) and in their row (residence, topics, onboarded_at). See onboarding.mmd.
"""

from __future__ import annotations

import unicodedata

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.events.geo import NEAR_KM
from bot.residents.poster import parse_code
from bot.residents.profile import TOPIC_LABELS, TOPICS, Profile
from bot.telegram.callbacks import button, is_kind
from handlers import menu, popups
from handlers.buttons import (
    AskLocation,
    OnboardDone,
    OnboardLanguage,
    OnboardResidence,
    OnboardResidences,
    OnboardSearch,
    OnboardTopic,
)
from handlers.context import BotContext
from handlers.fallback import mine
from handlers.privacy import privacy_text
from handlers.replies import RepliesToPrompt, bold, show
from handlers.when import distance

PER_PAGE = 6
SEARCH_PROMPT = "🔎"  # the "which residence?" prompt starts with it in every language


# -- the steps


def language_step(context: BotContext, owner: int, chosen: str) -> tuple[str, InlineKeyboardMarkup]:
    catalogs = context.services.catalogs
    t = context.t
    rows = [
        [
            button(
                ("✅ " if code == chosen else "") + catalogs.language_name(code),
                OnboardLanguage(owner, code),
            )
        ]
        for code in catalogs.supported
    ]
    rows.append([button(t._("⏭ Skip"), OnboardDone(owner))])
    text = "\n\n".join(
        [
            bold(t._("Welcome! Let’s set up your assistant in a few taps.")),
            t._("1/3 · Which language do you prefer?"),
        ]
    )
    return text, InlineKeyboardMarkup(rows)


async def residence_step(
    context: BotContext, owner: int, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    residences = await context.services.events.residences()
    pages = max(1, -(-len(residences) // PER_PAGE))
    page = min(page, pages - 1)
    shown = residences[page * PER_PAGE : (page + 1) * PER_PAGE]
    rows = [[button(f"{r.name} ({r.city})"[:60], OnboardResidence(owner, r.id))] for r in shown]
    nav = []
    if page > 0:
        nav.append(button("◀️", OnboardResidences(owner, page - 1)))
    if page < pages - 1:
        nav.append(button("▶️", OnboardResidences(owner, page + 1)))
    if nav:
        rows.append(nav)
    rows.append(
        [
            button(t._("🔎 Search by name"), OnboardSearch(owner)),
            button(t._("📍 Find it with my location"), AskLocation()),
        ]
    )
    rows.append([button(t._("⏭ Skip"), OnboardTopic(owner, "-", False))])
    return bold(t._("2/3 · Which residence do you live in?")), InlineKeyboardMarkup(rows)


def topic_rows(
    context: BotContext, profile: Profile, kind: type[OnboardTopic] | type
) -> list[list[InlineKeyboardButton]]:
    t = context.t
    return [
        [
            button(
                ("✅ " if profile.follows(topic) else "⬜ ") + t._(TOPIC_LABELS[topic]),
                kind(profile.user_id, topic, not profile.follows(topic)),
            )
        ]
        for topic in TOPICS
    ]


async def topics_step(context: BotContext, profile: Profile) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    rows = topic_rows(context, profile, OnboardTopic)
    rows.append([button(t._("✔️ Done"), OnboardDone(profile.user_id))])
    text = "\n\n".join(
        [
            bold(t._("3/3 · What would you like to hear about?")),
            t._("Tap to switch a topic on or off. You can change it later with /settings."),
        ]
    )
    return text, InlineKeyboardMarkup(rows)


# -- the handlers


async def start(update: Update, context: BotContext) -> None:
    """/start: a returning resident gets the menu (and their messages back after /stop); a new
    one the first step, already attached to a residence when a poster's link brought them."""
    user, chat = update.effective_user, update.effective_chat
    services = context.services
    if user is None or chat is None:
        return
    profile = await services.profiles.get(user.id)
    if profile is not None and profile.stopped:
        await services.profiles.set_stopped(user.id, False)
        await show(update, context.t._("Welcome back: your messages are on again."), edit=False)
    poster = parse_code((context.args or [""])[0])
    if poster is not None:
        residence = await services.events.residence(poster[0])
        if residence is not None:
            entrances = residence.entrances or []
            number = poster[1]
            entrance = entrances[number - 1] if number and 0 < number <= len(entrances) else None
            await services.profiles.attach(user.id, residence.id, entrance)
            profile = await services.profiles.get(user.id)
    if not services.settings.onboarding or (profile is not None and profile.onboarded):
        await menu.start(update, context)
        return
    lang = poster[2] if poster is not None else None
    if lang and services.catalogs.supports(lang) and (profile is None or not profile.language):
        context.locale = lang  # the poster's language, until they pick theirs
    text, keyboard = language_step(context, user.id, context.locale or "")
    await show(update, text, keyboard, edit=False)


async def on_language(update: Update, context: BotContext) -> None:
    data = await mine(update, context, OnboardLanguage)
    user = update.effective_user
    services = context.services
    if data is None or user is None or update.callback_query is None:
        return
    await update.callback_query.answer()
    if services.catalogs.supports(data.code):
        await services.residents.set_language(user.id, user.id, data.code)
        context.locale = data.code
    profile = await services.profiles.get(user.id)
    if profile is not None and profile.residence_id:
        text, keyboard = await topics_step(context, profile)
    else:
        text, keyboard = await residence_step(context, user.id, 0)
    await show(update, text, keyboard)


async def on_residences(update: Update, context: BotContext) -> None:
    data = await mine(update, context, OnboardResidences)
    if data is None or update.callback_query is None:
        return
    await update.callback_query.answer()
    text, keyboard = await residence_step(context, data.owner, min(data.page, 1000))
    await show(update, text, keyboard)


async def on_residence(update: Update, context: BotContext) -> None:
    data = await mine(update, context, OnboardResidence)
    services = context.services
    if data is None or update.callback_query is None:
        return
    residence = await services.events.residence(data.residence)
    if residence is not None:
        await services.profiles.attach(data.owner, residence.id, None)
    await update.callback_query.answer()
    profile = await services.profiles.get(data.owner)
    if profile is None:
        return
    text, keyboard = await topics_step(context, profile)
    await show(update, text, keyboard)


async def on_topic(update: Update, context: BotContext) -> None:
    data = await mine(update, context, OnboardTopic)
    services = context.services
    if data is None or update.callback_query is None:
        return
    await update.callback_query.answer()
    if data.topic in TOPICS:
        profile = await services.profiles.set_topic(data.owner, data.topic, data.on)
    else:  # "skip" on the residence step
        profile = await services.profiles.get(data.owner)
    if profile is None:
        return
    text, keyboard = await topics_step(context, profile)
    await show(update, text, keyboard)


async def on_done(update: Update, context: BotContext) -> None:
    data = await mine(update, context, OnboardDone)
    user = update.effective_user
    if data is None or update.callback_query is None or user is None:
        return
    await update.callback_query.answer()
    await context.services.profiles.finish_onboarding(data.owner)
    t = context.t
    await show(
        update,
        "\n\n".join(
            [
                bold(t._("All set!")),
                t._("You can change all this at any time with /settings."),
                privacy_text(t),
            ]
        ),
    )
    await show(
        update,
        menu.welcome_text(t, user.first_name),
        menu.main_menu(t),
        edit=False,
    )


async def on_location(update: Update, context: BotContext) -> None:
    """A location shared during onboarding: the nearest residences, to pick one; otherwise the
    recycling screen's answer (the nearest pop-up shops)."""
    user, message = update.effective_user, update.effective_message
    services = context.services
    location = message.location if message else None
    profile = await services.profiles.get(user.id) if user else None
    if (
        user is None
        or location is None
        or profile is None
        or profile.onboarded
        or not services.settings.onboarding
    ):
        await popups.on_location(update, context)
        return
    t = context.t
    near = await services.events.nearest_residences(location.latitude, location.longitude)
    rows = [
        [
            button(
                f"{r.name} ({distance(t, km)})"[:60],
                OnboardResidence(user.id, r.id),
            )
        ]
        for r, km in near
        if km <= NEAR_KM
    ]
    rows.append([button(t._("🏢 My residence"), OnboardResidences(user.id, 0))])
    rows.append([button(t._("⏭ Skip"), OnboardTopic(user.id, "-", False))])
    if update.effective_chat is not None:
        await update.effective_chat.send_message(
            t._("📍 Thank you, let me look."), reply_markup=ReplyKeyboardRemove()
        )
    await show(
        update,
        bold(t._("2/3 · Which residence do you live in?")),
        InlineKeyboardMarkup(rows),
        edit=False,
    )


# -- searching the list by name


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in plain if not unicodedata.combining(c))


async def on_search(update: Update, context: BotContext) -> None:
    data = await mine(update, context, OnboardSearch)
    chat = update.effective_chat
    if data is None or update.callback_query is None or chat is None:
        return
    await update.callback_query.answer()
    t = context.t
    await chat.send_message(
        SEARCH_PROMPT + " " + t._("Write the name of your residence, or its town:"),
        reply_markup=ForceReply(input_field_placeholder=t._("e.g. Les Tilleuls")[:64]),
    )


async def on_search_reply(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or not message.text:
        return
    t = context.t
    words = [w for w in _folded(message.text).split() if len(w) > 1]
    found = [
        r
        for r in await context.services.events.residences()
        if words and all(w in _folded(f"{r.name} {r.city} {r.address}") for w in words)
    ]
    rows = [[button(f"{r.name} ({r.city})"[:60], OnboardResidence(user.id, r.id))] for r in found]
    rows.append([button(t._("🏢 My residence"), OnboardResidences(user.id, 0))])
    rows.append([button(t._("⏭ Skip"), OnboardTopic(user.id, "-", False))])
    text = bold(t._("2/3 · Which residence do you live in?"))
    if not found:
        text += "\n" + t._("No residence matches “{text}”.", text=message.text[:60])
    await show(update, text, InlineKeyboardMarkup(rows), edit=False)


PRIVATE = filters.ChatType.PRIVATE
NEW = PRIVATE & ~filters.UpdateType.EDITED
HANDLERS = [
    CommandHandler("start", start, PRIVATE),
    MessageHandler(PRIVATE & ~filters.UpdateType.EDITED & filters.LOCATION, on_location),
    CallbackQueryHandler(on_language, pattern=is_kind(OnboardLanguage)),
    CallbackQueryHandler(on_residences, pattern=is_kind(OnboardResidences)),
    CallbackQueryHandler(on_residence, pattern=is_kind(OnboardResidence)),
    CallbackQueryHandler(on_topic, pattern=is_kind(OnboardTopic)),
    CallbackQueryHandler(on_done, pattern=is_kind(OnboardDone)),
    CallbackQueryHandler(on_search, pattern=is_kind(OnboardSearch)),
    MessageHandler(
        NEW & filters.TEXT & ~filters.COMMAND & RepliesToPrompt(SEARCH_PROMPT), on_search_reply
    ),
]
