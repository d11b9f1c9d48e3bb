"""An in-process stand-in for the Telegram Bot API HTTP server.

End-to-end tests, the terminal chat mode and the benchmark point a real python-telegram-bot
Application at it instead of api.telegram.org, so the bot's HTTP layer, its JSON and
Telegram's validation (HTML, limits, keyboards, errors) are exercised without network or token.
Only what the product uses is served, and that part follows Telegram closely.
"""

from bot.standin.chats import SimChat
from bot.standin.entities import EntityParseError, parse_html, utf16_len
from bot.standin.faults import Faults, FloodLimits
from bot.standin.server import BotAPIStandin
from bot.standin.users import SimGroup, SimUser
from bot.standin.webhook import SECRET_HEADER, RetryPolicy, Webhook

__all__ = [
    "SECRET_HEADER",
    "BotAPIStandin",
    "EntityParseError",
    "Faults",
    "FloodLimits",
    "RetryPolicy",
    "SimChat",
    "SimGroup",
    "SimUser",
    "Webhook",
    "parse_html",
    "utf16_len",
]
