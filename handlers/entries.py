"""How one content entry looks in Telegram: the answer card shared by questions and browsing."""

from __future__ import annotations

import html
from functools import lru_cache
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content import Entry
from bot.i18n import Translator
from handlers.menu import menu_button

BROWSED = 0  # question id used when the entry was reached by browsing, not by a question


@lru_cache(maxsize=4096)
def _source_link(url: str) -> str:
    host = urlsplit(url).hostname or url
    return f'📚 <a href="{html.escape(url)}">{html.escape(host)}</a>'


def entry_buttons(
    entries: list[Entry], lang: str, fallback: str, question_id: int
) -> list[list[InlineKeyboardButton]]:
    """One button per entry, by its title, that opens it (as an answer to `question_id`)."""
    return [
        [
            InlineKeyboardButton(
                e.text(lang, fallback).title[:60], callback_data=f"e:{question_id}:{e.id}"
            )
        ]
        for e in entries
    ]


def entry_text(entry: Entry, lang: str, fallback: str, *, detail: bool) -> str:
    text = entry.text(lang, fallback)
    parts = [f"<b>{html.escape(text.title)}</b>", html.escape(text.answer)]
    if detail and text.detail:
        parts.append(html.escape(text.detail))
    if entry.source:
        parts.append(_source_link(entry.source))
    return "\n\n".join(parts)


def entry_keyboard(
    t: Translator,
    entry: Entry,
    lang: str,
    fallback: str,
    *,
    question_id: int,
    detail_shown: bool,
    others: bool,
    feedback: bool = True,
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    first: list[InlineKeyboardButton] = []
    if entry.text(lang, fallback).detail and not detail_shown:
        first.append(
            InlineKeyboardButton(t._("📖 More detail"), callback_data=f"d:{question_id}:{entry.id}")
        )
    if others:
        first.append(
            InlineKeyboardButton(t._("🔎 Other answers"), callback_data=f"o:{question_id}")
        )
    if first:
        rows.append(first)
    if entry.source:
        rows.append([InlineKeyboardButton(t._("🔗 Source"), url=entry.source)])
    if feedback:
        rows.append(
            [
                InlineKeyboardButton(
                    t._("👍 Helpful"), callback_data=f"f:{question_id}:{entry.id}:1"
                ),
                InlineKeyboardButton(
                    t._("👎 Not helpful"), callback_data=f"f:{question_id}:{entry.id}:0"
                ),
            ]
        )
    last = [menu_button(t)]
    if question_id == BROWSED:
        last.insert(0, InlineKeyboardButton(t._("⬅️ Back"), callback_data=f"c:{entry.category}:0"))
    rows.append(last)
    return InlineKeyboardMarkup(rows)
