"""/start, /help and the main menu: what the assistant can do, one tap away."""

from __future__ import annotations

from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.answers.courtesy import help_text
from bot.answers.taxonomy import TOPIC_LABELS
from bot.i18n import Translator
from bot.telegram.callbacks import button, is_kind
from handlers.buttons import ALL_KINDS, EventList, Home, LanguageMenu, Popups, Topic
from handlers.context import BotContext
from handlers.replies import bold, show

# Topics whose button opens what is on now (the advice entries are one tap further).
LIVE: dict[str, object] = {"recycling": Popups(), "events": EventList(ALL_KINDS, 0)}


@lru_cache(maxsize=64)
def main_menu(t: Translator) -> InlineKeyboardMarkup:
    """Built once per language: PTB keyboards are immutable, so one object serves everyone."""
    rows = [
        [button(t._(label), LIVE.get(topic) or Topic(topic))]
        for topic, label in TOPIC_LABELS.items()
    ]
    rows.append([button(t._("🌐 Language"), LanguageMenu())])
    return InlineKeyboardMarkup(rows)


def menu_button(t: Translator) -> InlineKeyboardButton:
    return button(t._("🏠 Main menu"), Home())


def back_to_menu(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[menu_button(t)]])


def welcome_text(t: Translator, first_name: str | None) -> str:
    greeting = t._("Hello {name}!", name=first_name) if first_name else t._("Hello!")
    return "\n\n".join(
        [
            bold(greeting),
            t._(
                "I am the residents' assistant. I can help you:\n"
                "💧⚡ save water and energy, and lower your bills;\n"
                "♻️ find the next pop-up recycling shop at the foot of your building;\n"
                "🎭 discover the cultural events near you."
            ),
            t._("Ask me a question in your own words, or choose a topic below."),
        ]
    )


async def start(update: Update, context: BotContext) -> None:
    user = update.effective_user
    await show(
        update,
        welcome_text(context.t, user.first_name if user else None),
        main_menu(context.t),
        edit=False,
    )


async def help_command(update: Update, context: BotContext) -> None:
    t = context.t
    await show(update, help_text(t, bold), main_menu(t), edit=False)


async def home(update: Update, context: BotContext) -> None:
    if update.callback_query:
        await update.callback_query.answer()
    t = context.t
    await show(update, t._("What would you like to know? Choose a topic:"), main_menu(t))


HANDLERS = [
    CommandHandler("start", start),
    CommandHandler("help", help_command),
    CallbackQueryHandler(home, pattern=is_kind(Home)),
]
