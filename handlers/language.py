"""/language: an inline keyboard showing each language in its own name."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.telegram.callbacks import button, decode, is_kind
from handlers.buttons import ChooseLanguage, LanguageMenu
from handlers.context import BotContext
from handlers.menu import main_menu, menu_button
from handlers.replies import show


def language_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    catalogs = context.services.catalogs
    rows = [
        [
            button(
                ("✅ " if code == context.locale else "") + catalogs.language_name(code),
                ChooseLanguage(code),
            )
        ]
        for code in catalogs.supported
    ]
    rows.append([menu_button(context.t)])
    return InlineKeyboardMarkup(rows)


async def ask_language(update: Update, context: BotContext) -> None:
    if update.callback_query:
        await update.callback_query.answer()
    await show(
        update,
        context.t._("Choose your language:"),
        language_keyboard(context),
        edit=update.callback_query is not None,
    )


async def choose_language(update: Update, context: BotContext) -> None:
    query = update.callback_query
    user, chat = update.effective_user, update.effective_chat
    data = decode(query.data) if query else None
    if query is None or user is None or chat is None or not isinstance(data, ChooseLanguage):
        return
    catalogs = context.services.catalogs
    if not catalogs.supports(data.code):
        # Forged or stale data naming a language we no longer have: offer the list again.
        await query.answer()
        await show(update, context.t._("Choose your language:"), language_keyboard(context))
        return
    await context.services.residents.set_language(user.id, chat.id, data.code)
    context.locale = data.code
    t = context.t
    await query.answer(t._("Language changed."))
    text = t._(
        "From now on I will answer in {language}.", language=catalogs.language_name(data.code)
    )
    await show(
        update, text + "\n\n" + t._("What would you like to know? Choose a topic:"), main_menu(t)
    )


HANDLERS = [
    CommandHandler("language", ask_language),
    CallbackQueryHandler(ask_language, pattern=is_kind(LanguageMenu)),
    CallbackQueryHandler(choose_language, pattern=is_kind(ChooseLanguage)),
]
