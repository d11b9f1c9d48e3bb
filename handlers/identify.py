"""Group -1: before any handler, know who is writing and in which language to answer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from handlers.context import BotContext


async def identify(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return
    catalogs = context.services.catalogs
    if update.my_chat_member is not None or chat.type != chat.PRIVATE:
        # A block/unblock is not the resident writing (the membership handler records it);
        # a group is not a resident's own chat, so nothing is stored for it.
        view = await context.services.residents.get(user.id)
        context.locale = catalogs.resolve(view and view.language, user.language_code)
        return
    view = await context.services.residents.seen(user.id, chat.id, user.language_code)
    context.locale = catalogs.resolve(view.language, user.language_code)


HANDLERS = [TypeHandler(Update, identify)]
