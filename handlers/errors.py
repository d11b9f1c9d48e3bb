"""The global error handler: the resident gets an apology, the log gets the details.

Logs name the update by its id and kind only: never a name, a username or a message text.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TimedOut

from handlers.context import BotContext
from handlers.menu import back_to_menu

log = logging.getLogger(__name__)


def describe(update: object) -> str:
    """`update 123 (callback_query)`: enough to find it in the inbox, nothing personal."""
    if not isinstance(update, Update):
        return type(update).__name__
    kind = next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None), "unknown")
    return f"update {update.update_id} ({kind})"


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(update, Update) and isinstance(error, Forbidden):
        # The resident blocked the bot between their message and our reply.
        user, chat = update.effective_user, update.effective_chat
        if user is not None and chat is not None and chat.type == chat.PRIVATE:
            await context.services.residents.set_blocked(user.id, chat.id, True)
        log.info("%s: the resident blocked the bot", describe(update))
        return
    if not isinstance(update, Update):
        if isinstance(error, NetworkError):
            log.warning("network problem: %s", type(error).__name__)
        else:
            log.error("error outside an update", exc_info=error)
        return
    if isinstance(error, TimedOut):
        # Telegram may well have delivered the reply: an apology could follow a good answer.
        log.warning(
            "%s: Telegram did not answer in time; the reply may have arrived", describe(update)
        )
        return
    log.error("error while handling %s", describe(update), exc_info=error)
    if update.effective_chat is None:
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
    except Exception as exc:  # the apology itself failed: nothing more to tell the resident
        log.warning("%s: could not send the apology (%s)", describe(update), type(exc).__name__)
