"""Free-text questions: emergencies first, then the best answer, other answers, more detail,
and 👍/👎 feedback."""

from __future__ import annotations

import html
import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.answers.answering import Answer
from bot.answers.courtesy import courtesy_text
from bot.answers.emergencies import Number, concern_line, number_note
from bot.i18n import Translator
from bot.telegram.callbacks import button, decode, is_kind
from handlers import whatson
from handlers.buttons import BROWSED, NotWhatIAsked, OtherAnswers, ShowEntry, Vote
from handlers.context import BotContext
from handlers.entries import entry_buttons, entry_keyboard, entry_text, untranslated_note
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
    answerer = services.answers.answerer
    answer = answerer.answer(message.text, context.locale)
    t = services.catalogs.get(answer.lang)
    services.record_answer(
        "empty" if answer.empty else "courtesy" if answer.courtesy is not None else answer.decision
    )
    fallback = services.catalogs.default_locale
    if answer.emergency is not None:
        # Danger to life: the numbers and what to do now, first and alone. No card, no other
        # answers, no vote; logged like any question so staff see it was raised.
        await services.questions.log(answer)
        text = emergency_text(t, answer, fallback)
        await show(update, text, InlineKeyboardMarkup([[menu_button(t)]]), edit=False)
        return
    if answer.empty:
        await show(
            update, t._("Please write your question in a few words."), main_menu(t), edit=False
        )
        return
    if answer.courtesy is not None:
        contact = html.escape(answerer.contact(answer.lang))
        text = courtesy_text(t, answer.courtesy, contact, bold)
        await show(update, text, main_menu(t), edit=False)
        return
    question_id = await services.questions.log(answer)
    # A concern's number goes above the usual reply; the live listing has no place for it.
    if answer.concern is None and await whatson.live_answer(update, context, answer):
        return
    flag_row = [button(t._("👎 Not what I asked"), NotWhatIAsked(question_id))]
    if answer.out_of_scope:
        topic = answer.topic
        contact = (
            topic.text(answer.lang, fallback).answer if topic else answerer.contact(answer.lang)
        )
        lines = [bold(t._("This is not something I can answer.")), html.escape(contact)]
        if topic is not None and (note := untranslated_note(t, topic, answer.lang)):
            lines.insert(1, note)
        keyboard = InlineKeyboardMarkup([flag_row, [menu_button(t)]])
        await show(update, concerned(t, answer, "\n\n".join(lines), fallback), keyboard, edit=False)
        return
    if not answer.confident:
        # Unsure: say so once, and offer the best guesses rather than refusing.
        guesses = [m.entry for m in answer.results[:SUGGESTIONS]]
        rows = entry_buttons(guesses, answer.lang, fallback, question_id)
        none_row = [button(t._("👎 None of these"), NotWhatIAsked(question_id))]
        await show(
            update,
            concerned(
                t,
                answer,
                bold(t._("I am not sure I understood. Did you mean one of these?")),
                fallback,
            ),
            InlineKeyboardMarkup([*rows, none_row, [menu_button(t)]]),
            edit=False,
        )
        return
    best = answer.best
    if best is None:  # cannot happen: a confident answer has a result; never show an error
        await show(
            update, t._("Please write your question in a few words."), main_menu(t), edit=False
        )
        return
    await show(
        update,
        concerned(
            t, answer, entry_text(t, best.entry, answer.lang, fallback, detail=False), fallback
        ),
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


async def on_entry(update: Update, context: BotContext) -> None:
    """An entry (with its detail when asked), as an answer to a question or browsed."""
    query = update.callback_query
    data = decode(query.data) if query else None
    services = context.services
    answerer = services.answers.answerer
    entry = answerer.entries.get(data.entry) if isinstance(data, ShowEntry) else None
    if query is None or not isinstance(data, ShowEntry) or entry is None:
        await stale_button(update, context)
        return
    logged = await services.questions.get(data.question) if data.question != BROWSED else None
    if data.question != BROWSED and logged is None:
        await stale_button(update, context)
        return
    await query.answer()
    lang = logged.lang if logged else context.locale or services.catalogs.default_locale
    t = services.catalogs.get(lang)
    fallback = services.catalogs.default_locale
    await show(
        update,
        entry_text(t, entry, lang, fallback, detail=data.detail),
        entry_keyboard(
            t,
            entry,
            lang,
            fallback,
            question_id=data.question,
            detail_shown=data.detail,
            others=logged is not None and len(logged.results) > 1,
        ),
    )


def _number_line(t: Translator, number: Number, lang: str, fallback: str) -> str:
    # Digits with spaces, as the French write them: phones offer to call them.
    icon = "💬" if number.sms else "📞"
    label = html.escape(number.label(lang, fallback))
    note = number_note(number, t)
    return f"{icon} {bold(number.number)} — {label}" + (f" ({html.escape(note)})" if note else "")


def concerned(t: Translator, answer: Answer, text: str, fallback: str) -> str:
    """The reply, with the first number of the kind the emergency model half suspects above
    it: not enough to answer with the numbers alone, too much to say nothing."""
    if answer.concern is None:
        return text
    line = concern_line(t, answer.concern.numbers[0], answer.lang, fallback, bold)
    return f"🆘 {line}\n\n{text}"


def emergency_text(t: Translator, answer: Answer, fallback: str) -> str:
    """The emergency reply: its title, the numbers in order of priority, what to do now; then
    the numbers of any other kind the message raised ("he hits me and I want to die")."""
    emergency = answer.emergency
    assert emergency is not None
    lang = answer.lang
    text = emergency.text(lang, fallback)
    lines = [f"🆘 {bold(html.escape(text.title))}", ""]
    lines += [_number_line(t, n, lang, fallback) for n in emergency.numbers]
    lines += ["", html.escape(text.now)]
    shown = {n.id for n in emergency.numbers}
    for other in answer.other_emergencies:
        extra = [n for n in other.numbers if n.id not in shown]
        shown.update(n.id for n in extra)
        lines += ["", bold(html.escape(other.text(lang, fallback).title))]
        lines += [_number_line(t, n, lang, fallback) for n in extra]
    lines += [
        "",
        t._("I am an automatic assistant: I cannot call for help myself.")
        + " "
        + t._("Not an emergency? Write your question in other words."),
    ]
    return "\n".join(lines)


async def remove_buttons(query: CallbackQuery, kind: type) -> None:
    """Take away the rows holding buttons of `kind` once pressed (a vote counts once). A
    message too old to edit keeps them; what was pressed is stored anyway."""
    markup = query.message.reply_markup if query.message else None
    if markup is None:
        return
    kept = [
        row
        for row in markup.inline_keyboard
        if not any(isinstance(decode(b.callback_data), kind) for b in row)
    ]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(kept))
    except TelegramError:
        log.debug("could not remove the pressed buttons", exc_info=True)


async def on_not_what_i_asked(update: Update, context: BotContext) -> None:
    """👎 on an unsure or out-of-scope reply: the question goes to /gaps as unanswered."""
    query = update.callback_query
    data = decode(query.data) if query else None
    if query is None or not isinstance(data, NotWhatIAsked):
        await stale_button(update, context)
        return
    services = context.services
    if not await services.questions.feedback(data.question, "", False):
        await stale_button(update, context)
        return
    logged = await services.questions.get(data.question)
    t = services.catalogs.get(logged.lang) if logged else context.t
    await query.answer(t._("Thank you: the team will see your question and improve my answers."))
    markup = query.message.reply_markup if query.message else None
    guessed = markup is not None and any(
        isinstance(decode(b.callback_data), ShowEntry)
        for row in markup.inline_keyboard
        for b in row
    )
    await remove_buttons(query, NotWhatIAsked)
    if guessed:
        # "None of these" under the guesses: none of them helps, so say whom to ask instead
        # (an out-of-scope reply already said it).
        lang = logged.lang if logged else services.catalogs.default_locale
        contact = services.answers.answerer.contact(lang)
        await show(update, html.escape(contact), main_menu(t), edit=False)


async def on_others(update: Update, context: BotContext) -> None:
    """The next best answers to the same question, as a short list."""
    query = update.callback_query
    data = decode(query.data) if query else None
    if query is None or not isinstance(data, OtherAnswers) or data.question == BROWSED:
        await stale_button(update, context)
        return
    services = context.services
    logged = await services.questions.get(data.question)
    known = services.answers.answerer.entries
    entries = [known[i] for i in (logged.results if logged else []) if i in known][1:]
    if logged is None or not entries:
        await stale_button(update, context)
        return
    await query.answer()
    t = services.catalogs.get(logged.lang)
    fallback = services.catalogs.default_locale
    rows = entry_buttons(entries[:OTHERS], logged.lang, fallback, data.question)
    await show(
        update, t._("Other answers that may help:"), InlineKeyboardMarkup([*rows, [menu_button(t)]])
    )


async def on_feedback(update: Update, context: BotContext) -> None:
    """Store the vote once, then take the vote buttons away."""
    query = update.callback_query
    data = decode(query.data) if query else None
    services = context.services
    if (
        query is None
        or not isinstance(data, Vote)
        or data.entry not in services.answers.answerer.entries
    ):
        await stale_button(update, context)
        return
    browsed = data.question == BROWSED
    stored = await services.questions.feedback(
        None if browsed else data.question, data.entry, data.helpful
    )
    if not stored:
        await stale_button(update, context)
        return
    logged = None if browsed else await services.questions.get(data.question)
    t = services.catalogs.get(logged.lang) if logged else context.t  # the card's language
    await query.answer(t._("Thank you! Your answer helps us improve."))
    await remove_buttons(query, Vote)


HANDLERS = [
    MessageHandler(
        filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED,
        on_question,
    ),
    CallbackQueryHandler(on_entry, pattern=is_kind(ShowEntry)),
    CallbackQueryHandler(on_others, pattern=is_kind(OtherAnswers)),
    CallbackQueryHandler(on_feedback, pattern=is_kind(Vote)),
    CallbackQueryHandler(on_not_what_i_asked, pattern=is_kind(NotWhatIAsked)),
]
