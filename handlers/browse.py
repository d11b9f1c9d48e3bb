"""Browsing without typing: topic -> sub-topic -> entries -> an entry, with back buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.answers.taxonomy import CATEGORY_LABELS, TOPIC_LABELS, TOPIC_OF, TOPICS
from bot.telegram.callbacks import button, decode, is_kind
from handlers.buttons import BROWSED, Category, Topic
from handlers.context import BotContext
from handlers.entries import entry_buttons
from handlers.fallback import stale_button
from handlers.menu import LIVE, menu_button
from handlers.replies import bold, show

PAGE_SIZE = 6


async def on_topic(update: Update, context: BotContext) -> None:
    """The sub-topics of one main-menu topic, two per row."""
    query = update.callback_query
    data = decode(query.data) if query else None
    if query is None or not isinstance(data, Topic) or data.topic not in TOPICS:
        await stale_button(update, context)
        return
    await query.answer()
    t = context.t
    answerer = context.services.answers.answerer
    buttons = [
        button(t._(CATEGORY_LABELS[c]), Category(c, 0))
        for c in TOPICS[data.topic]
        if answerer.in_category(c)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    live = LIVE.get(data.topic)
    rows.append([button(t._("⬅️ Back"), live), menu_button(t)] if live else [menu_button(t)])
    text = bold(t._(TOPIC_LABELS[data.topic])) + "\n\n" + t._("Choose a subject:")
    await show(update, text, InlineKeyboardMarkup(rows))


async def on_category(update: Update, context: BotContext) -> None:
    """The entries of a sub-topic, a page at a time."""
    query = update.callback_query
    data = decode(query.data) if query else None
    if query is None or not isinstance(data, Category) or data.category not in CATEGORY_LABELS:
        await stale_button(update, context)
        return
    services = context.services
    entries = services.answers.answerer.in_category(data.category)
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(data.page, pages - 1)
    await query.answer()
    t = context.t
    lang = context.locale or services.catalogs.default_locale
    fallback = services.catalogs.default_locale
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = entry_buttons(shown, lang, fallback, BROWSED)
    nav = []
    if page > 0:
        nav.append(button("◀️", Category(data.category, page - 1)))
    if page < pages - 1:
        nav.append(button("▶️", Category(data.category, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([button(t._("⬅️ Back"), Topic(TOPIC_OF[data.category])), menu_button(t)])
    title = bold(t._(CATEGORY_LABELS[data.category]))
    if pages > 1:
        title += " " + t._("(page {page} of {pages})", page=page + 1, pages=pages)
    await show(update, title + "\n\n" + t._("Choose a question:"), InlineKeyboardMarkup(rows))


HANDLERS = [
    CallbackQueryHandler(on_topic, pattern=is_kind(Topic)),
    CallbackQueryHandler(on_category, pattern=is_kind(Category)),
]
