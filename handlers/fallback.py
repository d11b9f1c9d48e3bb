"""Everything the assistant does not understand gets a polite, localized answer and the menu."""

from __future__ import annotations

from typing import TypeVar

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.telegram.callbacks import decode
from handlers.context import BotContext
from handlers.menu import main_menu
from handlers.replies import show


async def unknown_command(update: Update, context: BotContext) -> None:
    t = context.t
    text = (update.effective_message.text or "") if update.effective_message else ""
    command = text.split()[0].split("@")[0] if text.split() else "/"
    await show(
        update,
        t._("Sorry, I do not know the command {command}.", command=command[:64])
        + "\n"
        + t._("Here is what I can do:"),
        main_menu(t),
        edit=False,
    )


async def not_text(update: Update, context: BotContext) -> None:
    t = context.t
    message = update.effective_message
    if message is None:
        return
    if message.voice or message.audio or message.video_note:
        text = t._("I cannot listen to voice messages. Please write your question in a few words.")
    elif message.photo or message.video or message.animation or message.document:
        text = t._("I cannot look at pictures or files. Please write your question in words.")
    elif message.location or message.venue:
        text = t._("Thank you, but I do not need your location. Please write your question.")
    elif message.sticker:
        text = t._("Nice sticker! I only understand written questions, though.")
    else:
        text = t._("I only understand written messages. Please write your question.")
    await show(update, text + "\n" + t._("You can also choose a topic:"), main_menu(t), edit=False)


async def edited(update: Update, context: BotContext) -> None:
    t = context.t
    await show(
        update,
        t._("I only read new messages. Please send your corrected question again."),
        edit=False,
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """Buttons of old messages, or data nobody sent: say so and offer the menu afresh."""
    query = update.callback_query
    if query is None:
        return
    t = context.t
    await query.answer(t._("This button is no longer active."))
    await show(
        update,
        t._("This button is no longer active. Here is the menu:"),
        main_menu(t),
        edit=False,
    )


T = TypeVar("T")


async def mine(update: Update, context: BotContext, kind: type[T]) -> T | None:
    """The button's data when it is of `kind` and was made for the resident pressing it (its
    `owner`); otherwise the polite stale reply, and None: nothing changes."""
    query, user = update.callback_query, update.effective_user
    data = decode(query.data) if query else None
    if (
        not isinstance(data, kind)
        or user is None
        or getattr(data, "owner", None) != user.id
        or update.effective_chat is None
        or update.effective_chat.type != update.effective_chat.PRIVATE
    ):
        await stale_button(update, context)
        return None
    return data


PRIVATE = filters.ChatType.PRIVATE

HANDLERS = [
    MessageHandler(PRIVATE & filters.UpdateType.EDITED, edited),
    MessageHandler(PRIVATE & filters.COMMAND, unknown_command),
    MessageHandler(PRIVATE & ~filters.TEXT, not_text),
    CallbackQueryHandler(stale_button),
]
