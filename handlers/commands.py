"""The bot's command menu, registered once per supported language, and each staff member's
own menu with the staff commands (handlers/access.py STAFF_COMMANDS)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import Catalogs
from handlers.access import STAFF_COMMANDS

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
        commands += [BotCommand(name, t._(text)) for name, text in STAFF_COMMANDS.items()]
    return commands


async def register_commands(bot: Bot, catalogs: Catalogs) -> None:
    """Default list in the default language; each supported language gets its own."""
    await bot.set_my_commands(commands_for(catalogs, catalogs.default_locale))
    for code in catalogs.supported:
        await bot.set_my_commands(commands_for(catalogs, code), language_code=code)


async def show_staff_menu(bot: Bot, catalogs: Catalogs, user_id: int, locale: str) -> bool:
    """The staff commands in this person's menu (in their language); False when Telegram
    refuses, e.g. they never wrote to the bot (chat not found)."""
    try:
        await bot.set_my_commands(
            commands_for(catalogs, locale, staff=True), scope=BotCommandScopeChat(user_id)
        )
    except TelegramError as exc:
        log.info("no staff command menu for %s yet: %s", user_id, exc)
        return False
    return True


async def hide_staff_menu(bot: Bot, user_id: int) -> None:
    """Back to the residents' menu of their language."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
    except TelegramError as exc:
        log.info("staff command menu of %s not removed: %s", user_id, exc)
