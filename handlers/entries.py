"""How one content entry looks in Telegram: the answer card shared by questions and browsing."""

from __future__ import annotations

import html
from functools import lru_cache
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.answers.content import Entry
from bot.i18n import Translator
from bot.telegram.callbacks import button
from handlers.buttons import BROWSED, Category, OtherAnswers, ShowEntry, Vote
from handlers.menu import menu_button


@lru_cache(maxsize=4096)
def _source_link(url: str) -> str:
    host = urlsplit(url).hostname or url
    return f'📚 <a href="{html.escape(url)}">{html.escape(host)}</a>'


def entry_buttons(
    entries: list[Entry], lang: str, fallback: str, question_id: int
) -> list[list[InlineKeyboardButton]]:
    """One button per entry, by its title, that opens it (as an answer to `question_id`)."""
    return [
        [button(e.text(lang, fallback).title[:60], ShowEntry(question_id, e.id, False))]
        for e in entries
    ]


def untranslated_note(t: Translator, entry: Entry, lang: str) -> str | None:
    """One line above a text shown in the default language: not yet in the resident's."""
    if entry.translated(lang):
        return None
    return "<i>" + t._("ℹ️ This answer is not yet translated into your language.") + "</i>"


def entry_text(t: Translator, entry: Entry, lang: str, fallback: str, *, detail: bool) -> str:
    """The card: title, answer (and detail), source. An entry not yet translated into `lang`
    shows its default-language text under a one-line note."""
    text = entry.text(lang, fallback)
    note = untranslated_note(t, entry, lang)
    parts = [note] if note else []
    parts += [f"<b>{html.escape(text.title)}</b>", html.escape(text.answer)]
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
        first.append(button(t._("📖 More detail"), ShowEntry(question_id, entry.id, True)))
    if others:
        first.append(button(t._("🔎 Other answers"), OtherAnswers(question_id)))
    if first:
        rows.append(first)
    if entry.source:
        rows.append([InlineKeyboardButton(t._("🔗 Source"), url=entry.source)])
    if feedback:
        rows.append(
            [
                button(t._("👍 Helpful"), Vote(question_id, entry.id, True)),
                button(t._("👎 Not helpful"), Vote(question_id, entry.id, False)),
            ]
        )
    last = [menu_button(t)]
    if question_id == BROWSED:
        last.insert(0, button(t._("⬅️ Back"), Category(entry.category, 0)))
    rows.append(last)
    return InlineKeyboardMarkup(rows)
