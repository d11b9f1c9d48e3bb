"""/language: an inline keyboard showing each language in its own name."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from handlers.context import BotContext
from handlers.menu import main_menu, menu_button
from handlers.replies import show

PREFIX = "lang:"


def language_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    catalogs = context.services.catalogs
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if code == context.locale else "") + catalogs.language_name(code),
                callback_data=f"{PREFIX}{code}",
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
    if query is None or user is None or chat is None:
        return
    code = (query.data or "").removeprefix(PREFIX)
    catalogs = context.services.catalogs
    if not catalogs.supports(code):
        # Forged or stale data naming a language we no longer have: offer the list again.
        await query.answer()
        await show(update, context.t._("Choose your language:"), language_keyboard(context))
        return
    await context.services.residents.set_language(user.id, chat.id, code)
    context.locale = code
    t = context.t
    await query.answer(t._("Language changed."))
    text = t._("From now on I will answer in {language}.", language=catalogs.language_name(code))
    await show(
        update, text + "\n\n" + t._("What would you like to know? Choose a topic:"), main_menu(t)
    )


HANDLERS = [
    CommandHandler("language", ask_language),
    CallbackQueryHandler(ask_language, pattern=f"^{PREFIX}menu$"),
    CallbackQueryHandler(choose_language, pattern=f"^{PREFIX}"),
]
