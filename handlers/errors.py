"""The global error handler: the resident gets an apology, the log gets the details."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError

from handlers.context import BotContext
from handlers.menu import back_to_menu

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(update, Update) and isinstance(error, Forbidden):
        # The resident blocked the bot between their message and our reply.
        user, chat = update.effective_user, update.effective_chat
        if user is not None and chat is not None:
            await context.services.residents.set_blocked(user.id, chat.id, True)
        log.info("resident %s blocked the bot", user.id if user else "?")
        return
    if isinstance(error, NetworkError) and not isinstance(update, Update):
        log.warning("network problem while polling: %s", error)
        return
    log.error(
        "error while handling update %s",
        update.to_dict() if isinstance(update, Update) else update,
        exc_info=error,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    if context.locale is None and user is not None:
        # The error context is a fresh one: resolve the resident's language again.
        view = await context.services.residents.get(user.id)
        context.locale = context.services.catalogs.resolve(
            view.language if view else None, user.language_code
        )
    t = context.t
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await update.effective_chat.send_message(
            t._("Sorry, something went wrong on my side. Please try again in a moment."),
            reply_markup=back_to_menu(t),
        )
    except Exception:  # the apology itself failed: nothing more to tell the resident
        log.exception("could not send the apology")
