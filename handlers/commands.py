"""The bot's command menu, registered once per supported language (and for staff)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import Catalogs

log = logging.getLogger(__name__)


def commands_for(catalogs: Catalogs, locale: str, *, staff: bool = False) -> list[BotCommand]:
    t = catalogs.get(locale)
    commands = [
        BotCommand("start", t._("Main menu")),
        BotCommand("help", t._("How to use the assistant")),
        BotCommand("language", t._("Change the language")),
        BotCommand("settings", t._("Your settings: topics, quiet hours, weekly tip")),
        BotCommand("privacy", t._("What I keep about you")),
        BotCommand("mydata", t._("Receive your data")),
        BotCommand("forget", t._("Erase your data")),
        BotCommand("stop", t._("Stop my messages")),
    ]
    if staff:
        commands.append(BotCommand("gaps", t._("Questions without a good answer")))
        commands.append(BotCommand("reload", t._("Reload the content files")))
        commands.append(BotCommand("event_cancel", t._("Cancel an event (its number)")))
        commands.append(BotCommand("event_move", t._("Move an event (number, date, time)")))
        commands.append(BotCommand("link_group", t._("In a group: link it to a residence")))
        commands.append(BotCommand("web", t._("A login link to the back office")))
    return commands


async def register_commands(bot: Bot, catalogs: Catalogs, staff_ids: Iterable[int] = ()) -> None:
    """Default list in the default language; each supported language gets its own; staff
    also see /gaps, /reload, /event_cancel and /event_move in their chat (possible only once
    they have started the bot)."""
    await bot.set_my_commands(commands_for(catalogs, catalogs.default_locale))
    for code in catalogs.supported:
        await bot.set_my_commands(commands_for(catalogs, code), language_code=code)
    for user_id in staff_ids:
        try:
            await bot.set_my_commands(
                commands_for(catalogs, catalogs.default_locale, staff=True),
                scope=BotCommandScopeChat(user_id),
            )
        except TelegramError as exc:  # chat not found: this staff member never wrote to us
            log.info("no staff command menu for %s yet: %s", user_id, exc)
