"""The bot's command menu, registered once per supported language."""

from __future__ import annotations

from telegram import Bot, BotCommand

from bot.i18n import Catalogs


def commands_for(catalogs: Catalogs, locale: str) -> list[BotCommand]:
    t = catalogs.get(locale)
    return [
        BotCommand("start", t._("Main menu")),
        BotCommand("help", t._("How to use the assistant")),
        BotCommand("language", t._("Change the language")),
    ]


async def register_commands(bot: Bot, catalogs: Catalogs) -> None:
    """Default list in the default language; each supported language gets its own."""
    await bot.set_my_commands(commands_for(catalogs, catalogs.default_locale))
    for code in catalogs.supported:
        await bot.set_my_commands(commands_for(catalogs, code), language_code=code)
