"""Fixtures for the stand-in's own tests: the server, a PTB Bot pointed at it, and a small PTB
Application (a /start menu, a button handler, an echo) polling it."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.standin import BotAPIStandin

TOKEN = "123456:TEST-TOKEN"


def make_bot(server: BotAPIStandin, token: str = TOKEN, **request: Any) -> Bot:
    from telegram.request import HTTPXRequest

    return Bot(token, base_url=f"{server.base_url}/bot", request=HTTPXRequest(**request))


def seconds(retry_after: int | dtm.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after


@pytest_asyncio.fixture
async def server() -> AsyncIterator[BotAPIStandin]:
    async with BotAPIStandin(TOKEN) as standin:
        yield standin


@pytest_asyncio.fixture
async def bot(server: BotAPIStandin) -> AsyncIterator[Bot]:
    async with make_bot(server) as client:
        yield client


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Yes", callback_data="answer:yes")],
            [InlineKeyboardButton("Site", url="https://example.org")],
        ]
    )
    args = " ".join(context.args or [])
    await update.message.reply_html(f"<b>Welcome</b> {args}".strip(), reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Noted")
    await query.edit_message_text(f"You chose {query.data}")


@pytest_asyncio.fixture
async def app(server: BotAPIStandin) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = ApplicationBuilder().token(TOKEN).base_url(f"{server.base_url}/bot").build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
