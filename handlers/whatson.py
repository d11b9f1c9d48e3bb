"""Questions answered with live listings instead of static text: "when is the next pop-up
shop?" (recycling.popup_when_where), "what's on?" (events.upcoming), and an object named for
"can I bring this?" (recycling.accepted_items, or no confident answer at all)."""

from __future__ import annotations

import html

from telegram import Update

from bot.answers.answering import Answer
from bot.answers.textnorm import words
from handlers import events, popups
from handlers.buttons import ALL_KINDS
from handlers.context import BotContext
from handlers.replies import bold, show

POPUPS_CATEGORY = "recycling.popup_when_where"
EVENTS_CATEGORY = "events.upcoming"
ITEM_CATEGORIES = frozenset({"recycling.accepted_items", "recycling.sorting"})
SHORT_ITEM = 6  # words: "mon micro-ondes ne marche plus" is six


async def live_answer(update: Update, context: BotContext, answer: Answer) -> bool:
    """Answer with what is on now, when the question is about that; False to go on as usual."""
    best = answer.best
    if answer.topic is None:  # emergencies never get here: on_question answers them first
        verdict = context.services.whatson.items.match(answer.question)
        if verdict is not None and (
            not answer.confident
            or (best is not None and best.entry.category in ITEM_CATEGORIES)
            # "un micro-ondes qui marche", "my fridge is broken": an object and its state in
            # a few words is "can I bring it?", not a question about using the appliance.
            or (verdict.condition is not None and len(words(answer.question)) <= SHORT_ITEM)
        ):
            await popups.answer_item(update, context, verdict, answer.lang)
            return True
    if not answer.confident or answer.out_of_scope or best is None:
        return False
    category = best.entry.category
    if category not in (POPUPS_CATEGORY, EVENTS_CATEGORY):
        return False
    fallback = context.services.catalogs.default_locale
    entry = best.entry.text(answer.lang, fallback)
    intro = bold(html.escape(entry.title)) + "\n" + html.escape(entry.answer) + "\n\n"
    user = update.effective_user
    if category == POPUPS_CATEGORY:
        text, keyboard = await popups.screen(context, user.id if user else None, answer.lang)
    else:
        text, keyboard = await events.listing(context, ALL_KINDS, 0, answer.lang)
    await show(update, intro + text, keyboard, edit=False)
    return True
