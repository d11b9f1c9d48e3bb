"""Topic screens of the main menu."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from handlers.context import BotContext
from handlers.menu import back_to_menu
from handlers.replies import show


async def coming_soon(update: Update, context: BotContext) -> None:
    if update.callback_query:
        await update.callback_query.answer()
    t = context.t
    await show(update, t._("This part is coming soon. Thank you for your patience!"),
               back_to_menu(t))


HANDLERS = [CallbackQueryHandler(coming_soon, pattern=r"^m:(water_energy|recycling|events)$")]
