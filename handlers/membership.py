"""Keep `blocked` current: Telegram tells the bot when a resident blocks or unblocks it; a
group that removes the bot is no longer linked to a residence."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ChatMemberHandler

from handlers.context import BotContext

GONE = {ChatMember.BANNED, ChatMember.LEFT}


async def membership(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    if change is None:
        return
    if change.chat.type != "private":
        if change.new_chat_member.status in GONE:  # removed from a group: no more posts there
            await context.services.profiles.unlink_group(change.chat.id)
        return
    blocked = change.new_chat_member.status in GONE
    await context.services.residents.set_blocked(change.from_user.id, change.chat.id, blocked)


HANDLERS = [ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER)]
