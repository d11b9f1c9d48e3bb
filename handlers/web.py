"""/web (staff only, private chat): a one-time link to the back office, valid 10 minutes."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from handlers.access import refuse
from handlers.context import BotContext
from handlers.replies import show


async def web_link(update: Update, context: BotContext) -> None:
    user = update.effective_user
    t = context.t
    access = context.services.web
    if access is None:
        await show(update, t._("The back office is not set up here (WEB_SECRET)."), edit=False)
        return
    url = await access.login_link(user.id) if user else None
    if url is None:  # the guard (handlers/access.py) already stops residents; in case
        await refuse(update, context)
        return
    await show(
        update,
        t._(
            "Your link to the back office, valid 10 minutes and once: {url}\n"
            "Do not share it: it opens the back office in your name.",
            url=url,
        ),
        edit=False,
    )


HANDLERS = [CommandHandler("web", web_link, filters.ChatType.PRIVATE)]
