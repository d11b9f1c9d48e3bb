"""Browsing without typing: topic -> sub-topic -> entries -> an entry, with back buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.taxonomy import CATEGORIES, CATEGORY_LABELS, TOPIC_LABELS, TOPIC_OF, TOPICS
from handlers.context import BotContext
from handlers.entries import BROWSED, entry_buttons
from handlers.fallback import stale_button
from handlers.menu import menu_button
from handlers.replies import bold, show

PAGE_SIZE = 6


async def on_topic(update: Update, context: BotContext) -> None:
    """`m:<topic>`: the sub-topics of one main-menu topic, two per row."""
    query = update.callback_query
    topic = (query.data or "").removeprefix("m:") if query else ""
    if query is None or topic not in TOPICS:
        await stale_button(update, context)
        return
    await query.answer()
    t = context.t
    buttons = [
        InlineKeyboardButton(t._(CATEGORY_LABELS[c]), callback_data=f"c:{c}:0")
        for c in TOPICS[topic]
        if context.services.answerer.in_category(c)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([menu_button(t)])
    text = bold(t._(TOPIC_LABELS[topic])) + "\n\n" + t._("Choose a subject:")
    await show(update, text, InlineKeyboardMarkup(rows))


async def on_category(update: Update, context: BotContext) -> None:
    """`c:<category>:<page>`: the entries of a sub-topic, a page at a time."""
    query = update.callback_query
    fields = (query.data or "").split(":") if query else []
    if query is None or len(fields) != 3 or fields[1] not in CATEGORIES or not fields[2].isdigit():
        await stale_button(update, context)
        return
    category, page = fields[1], int(fields[2])
    services = context.services
    entries = services.answerer.in_category(category)
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(page, pages - 1)
    await query.answer()
    t = context.t
    lang = context.locale or services.catalogs.default_locale
    fallback = services.catalogs.default_locale
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = entry_buttons(shown, lang, fallback, BROWSED)
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀️", callback_data=f"c:{category}:{page - 1}"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton("▶️", callback_data=f"c:{category}:{page + 1}"))
    if nav:
        rows.append(nav)
    rows.append(
        [
            InlineKeyboardButton(t._("⬅️ Back"), callback_data=f"m:{TOPIC_OF[category]}"),
            menu_button(t),
        ]
    )
    title = bold(t._(CATEGORY_LABELS[category]))
    if pages > 1:
        title += " " + t._("(page {page} of {pages})", page=page + 1, pages=pages)
    await show(update, title + "\n\n" + t._("Choose a question:"), InlineKeyboardMarkup(rows))


HANDLERS = [
    CallbackQueryHandler(on_topic, pattern=r"^m:(?!home$)"),
    CallbackQueryHandler(on_category, pattern=r"^c:"),
]
