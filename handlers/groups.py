"""Group chats: staff link a residence's group with /link_group RESIDENCE (announcements for
that residence are then also posted there, see ProfileService.group_chats); everything else in
a group gets at most a pointer to the private chat. The guard runs before every other handler:
in a group the bot answers only commands and mentions, never chatter, and nothing done in a
group changes what is stored about a person. See groups.mmd.
"""

from __future__ import annotations

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ApplicationHandlerStop, CommandHandler, TypeHandler, filters

from handlers.context import BotContext

GROUP_COMMANDS = {"link_group", "unlink_group"}


def command_of(message: Message | None, username: str | None) -> str | None:
    """The command a group message gives this bot ("" when it is for another bot)."""
    text = (message.text or "") if message else ""
    if not text.startswith("/"):
        return None
    name, _, bot = text.split()[0][1:].partition("@")
    if bot and (username is None or bot.lower() != username.lower()):
        return ""
    return name.lower()


def mentions_bot(message: Message | None, username: str | None) -> bool:
    if message is None or not message.text or not username:
        return False
    return f"@{username.lower()}" in message.text.lower()


def private_chat_keyboard(context: BotContext) -> InlineKeyboardMarkup | None:
    username = context.bot.username
    if not username:
        return None
    label = context.t._("💬 Write to me in private")
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=f"https://t.me/{username}")]])


async def guard(update: Update, context: BotContext) -> None:
    """Before the staff guard: in a group, let only the group commands through."""
    chat = update.effective_chat
    if chat is None or chat.type == chat.PRIVATE or update.my_chat_member is not None:
        return
    t = context.t
    query = update.callback_query
    if query is not None:
        await query.answer(t._("Please use this in our private chat."), show_alert=True)
        raise ApplicationHandlerStop
    message = update.message
    command = command_of(message, context.bot.username)
    if command in GROUP_COMMANDS:
        return
    if command or (command is None and mentions_bot(message, context.bot.username)):
        await point_to_private(chat, context)
    raise ApplicationHandlerStop  # chatter, edits, joins: nothing to do


async def point_to_private(chat: Chat, context: BotContext) -> None:
    """What a command the bot does not take in a group gets (and a mention)."""
    await chat.send_message(
        context.t._("I answer residents in a private chat, where your settings stay yours."),
        reply_markup=private_chat_keyboard(context),
    )


async def link_group(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    services = context.services
    t = context.t
    if user is None or chat is None:
        return
    if not await services.staff.is_staff(user.id):  # the guard refused it already
        await point_to_private(chat, context)
        return
    args = context.args or []
    residence = await services.events.residence(args[0]) if len(args) == 1 else None
    if residence is None:
        known = ", ".join(r.id for r in await services.events.residences())
        await chat.send_message(
            t._("Usage: /link_group RESIDENCE, one of: {residences}", residences=known)
        )
        return
    await services.profiles.link_group(chat.id, residence.id)
    await services.staff.audit(
        user.id, "group.link", str(chat.id), {"residence": residence.id, "title": chat.title}
    )
    await chat.send_message(
        t._(
            "This group is now linked to {name}: its announcements will also be posted here.",
            name=residence.name,
        )
    )


async def unlink_group(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    services = context.services
    t = context.t
    if user is None or chat is None:
        return
    if not await services.staff.is_staff(user.id):  # the guard refused it already
        await point_to_private(chat, context)
        return
    await services.profiles.unlink_group(chat.id)
    await services.staff.audit(user.id, "group.unlink", str(chat.id), {"title": chat.title})
    await chat.send_message(t._("This group is no longer linked to a residence."))


GROUPS = filters.ChatType.GROUPS
GUARDS = [TypeHandler(Update, guard)]
HANDLERS = [
    CommandHandler("link_group", link_group, GROUPS),
    CommandHandler("unlink_group", unlink_group, GROUPS),
]
