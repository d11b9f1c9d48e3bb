"""Free-text questions: the best answer, other answers, more detail, and 👍/👎 feedback."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from handlers.context import BotContext
from handlers.entries import BROWSED, entry_buttons, entry_keyboard, entry_text
from handlers.fallback import stale_button
from handlers.menu import main_menu, menu_button
from handlers.replies import bold, show

log = logging.getLogger(__name__)
SUGGESTIONS = 3
OTHERS = 5


async def on_question(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    services = context.services
    answer = services.answerer.answer(message.text, context.locale)
    t = services.catalogs.get(answer.lang)
    if answer.empty:
        await show(
            update, t._("Please write your question in a few words."), main_menu(t), edit=False
        )
        return
    if answer.small_talk:
        greeting = t._("Hello!") + "\n\n"
        text = greeting + t._("Ask me a question in your own words, or choose a topic below.")
        await show(update, text, main_menu(t), edit=False)
        return
    question_id = await services.questions.log(answer)
    fallback = services.catalogs.default_locale
    if answer.out_of_scope:
        if answer.topic is not None:
            contact = answer.topic.text(answer.lang, fallback).answer
            lines = [bold(t._("This is not something I can answer.")), html.escape(contact)]
            keyboard = InlineKeyboardMarkup([[menu_button(t)]])
        else:
            contact = services.answerer.contact(answer.lang)
            lines = [
                bold(t._("I am not sure I understood, and I prefer not to guess.")),
                t._("This may not be something I can answer.") + " " + html.escape(contact),
            ]
            suggestions = [m.entry for m in answer.results[:SUGGESTIONS]]
            rows = entry_buttons(suggestions, answer.lang, fallback, question_id)
            if rows:
                lines.append(t._("Maybe one of these answers can help:"))
            keyboard = InlineKeyboardMarkup([*rows, [menu_button(t)]])
        await show(update, "\n\n".join(lines), keyboard, edit=False)
        return
    best = answer.best
    if best is None:  # cannot happen: a confident answer has a result; never show an error
        await show(
            update, t._("Please write your question in a few words."), main_menu(t), edit=False
        )
        return
    await show(
        update,
        entry_text(best.entry, answer.lang, fallback, detail=False),
        entry_keyboard(
            t,
            best.entry,
            answer.lang,
            fallback,
            question_id=question_id,
            detail_shown=False,
            others=len(answer.results) > 1,
        ),
        edit=False,
    )


def _parse(data: str, parts: int) -> list[str] | None:
    fields = data.split(":")
    return fields if len(fields) == parts else None


async def on_entry(update: Update, context: BotContext, *, detail: bool) -> None:
    """`e:<question>:<entry>` shows an entry; `d:<question>:<entry>` adds its detail."""
    query = update.callback_query
    fields = _parse(query.data or "", 3) if query else None
    services = context.services
    entry = services.answerer.entries.get(fields[2]) if fields else None
    if query is None or fields is None or entry is None or not fields[1].isdigit():
        await stale_button(update, context)
        return
    await query.answer()
    question_id = int(fields[1])
    logged = await services.questions.get(question_id) if question_id else None
    if question_id and logged is None:
        await stale_button(update, context)
        return
    lang = logged.lang if logged else context.locale or services.catalogs.default_locale
    t = services.catalogs.get(lang)
    fallback = services.catalogs.default_locale
    await show(
        update,
        entry_text(entry, lang, fallback, detail=detail),
        entry_keyboard(
            t,
            entry,
            lang,
            fallback,
            question_id=question_id,
            detail_shown=detail,
            others=logged is not None and len(logged.results) > 1,
        ),
    )


async def on_show(update: Update, context: BotContext) -> None:
    await on_entry(update, context, detail=False)


async def on_detail(update: Update, context: BotContext) -> None:
    await on_entry(update, context, detail=True)


async def on_others(update: Update, context: BotContext) -> None:
    """`o:<question>`: the next best answers to the same question, as a short list."""
    query = update.callback_query
    fields = _parse(query.data or "", 2) if query else None
    if query is None or fields is None or not fields[1].isdigit() or fields[1] == "0":
        await stale_button(update, context)
        return
    services = context.services
    question_id = int(fields[1])
    logged = await services.questions.get(question_id)
    known = services.answerer.entries
    entries = [known[i] for i in (logged.results if logged else []) if i in known][1:]
    if logged is None or not entries:
        await stale_button(update, context)
        return
    await query.answer()
    lang = logged.lang
    t = services.catalogs.get(lang)
    fallback = services.catalogs.default_locale
    rows = entry_buttons(entries[:OTHERS], lang, fallback, question_id)
    await show(
        update, t._("Other answers that may help:"), InlineKeyboardMarkup([*rows, [menu_button(t)]])
    )


async def on_feedback(update: Update, context: BotContext) -> None:
    """`f:<question>:<entry>:<1|0>`: store the vote once, then take the buttons away."""
    query = update.callback_query
    fields = _parse(query.data or "", 4) if query else None
    services = context.services
    valid = (
        query is not None
        and fields is not None
        and fields[1].isdigit()
        and fields[3] in ("0", "1")
        and fields[2] in services.answerer.entries
    )
    if not valid:
        await stale_button(update, context)
        return
    assert query is not None and fields is not None
    question_id = int(fields[1])
    stored = await services.questions.feedback(
        question_id if question_id != BROWSED else None, fields[2], fields[3] == "1"
    )
    if not stored:
        await stale_button(update, context)
        return
    logged = await services.questions.get(question_id) if question_id != BROWSED else None
    t = services.catalogs.get(logged.lang) if logged else context.t  # the card's language
    await query.answer(t._("Thank you! Your answer helps us improve."))
    markup = query.message.reply_markup if query.message else None
    if markup is not None:
        kept = [
            row
            for row in markup.inline_keyboard
            if not any((b.callback_data or "").startswith("f:") for b in row)
        ]
        try:
            await query.edit_message_reply_markup(InlineKeyboardMarkup(kept))
        except Exception:  # the message may be too old to edit; the vote is stored anyway
            log.debug("could not remove the feedback buttons", exc_info=True)


HANDLERS = [
    MessageHandler(
        filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED,
        on_question,
    ),
    CallbackQueryHandler(on_show, pattern=r"^e:"),
    CallbackQueryHandler(on_detail, pattern=r"^d:"),
    CallbackQueryHandler(on_others, pattern=r"^o:"),
    CallbackQueryHandler(on_feedback, pattern=r"^f:"),
]
