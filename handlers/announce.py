"""/announce (staff): write an announcement, add languages, choose who and when, preview it
exactly as residents will see it, confirm. See announce.mmd.

The draft lives in the database from the first message (BroadcastService.save_draft), and
every button carries its id: after a restart, a press on the draft's card picks it up again
(the card's buttons are also entry points). Only the typed steps (the text, a translation, a
date) are conversation states, kept in memory; if one is lost, pressing the button asks again.
"""

from __future__ import annotations

import dataclasses
import warnings
from datetime import time

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.broadcasts.audience import Audience
from bot.broadcasts.formatting import CAPTION_LIMIT, TEXT_LIMIT
from bot.broadcasts.service import Draft, Reach
from bot.broadcasts.when import HOURS, Weekly, WhenError, parse_typed
from bot.i18n import HTML, Catalogs, Translator
from bot.residents.profile import ANNOUNCEMENTS, TOPIC_LABELS, TOPICS
from bot.telegram.callbacks import button, decode, is_kind
from handlers import announcements
from handlers.announcements import audience_text, residence_names, weekly_text, when_text
from handlers.buttons import Compose
from handlers.context import BotContext
from handlers.replies import bold, show

TEXT, CARD, TRANSLATION, DATE, WEEKLY_TIME = range(5)
PENDING_KEY = "announce"  # user_data: (draft id, language) of the typed step awaited
MAX_RESIDENCES = 24


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _staff(update: Update, context: BotContext) -> bool:
    return await announcements.is_staff(context, update)


# -- start: the text


async def start(update: Update, context: BotContext) -> int:
    if not await _staff(update, context):
        return ConversationHandler.END
    t = context.t
    await show(
        update,
        "\n".join(
            [
                bold(t._("📢 New announcement")),
                t._(
                    "Send its text. Bold, italics and links are kept. You may send a photo "
                    "with the text as its caption."
                ),
                t._("/cancel to stop."),
            ]
        ),
        edit=False,
    )
    return TEXT


def _content(message: Message) -> tuple[str, str, str | None] | None:
    """(HTML, plain text, photo file id) of what staff sent."""
    if message.photo and message.caption:
        return message.caption_html, message.caption, message.photo[-1].file_id
    if message.text:
        return message.text_html, message.text, None
    return None


async def got_text(update: Update, context: BotContext) -> int:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not await _staff(update, context):
        return ConversationHandler.END
    t = context.t
    content = _content(message)
    if content is None:
        await show(update, t._("Please send a text, or a photo with a caption."), edit=False)
        return TEXT
    text_html, plain, photo = content
    limit = CAPTION_LIMIT if photo else TEXT_LIMIT
    if _size(plain) > limit:
        await show(update, _too_long(t, plain, limit), edit=False)
        return TEXT
    services = context.services
    detected = services.answers.answerer.detection.detect(plain, {}, prefer=t.locale).lang
    lang = detected if detected in services.catalogs.supported else t.locale
    draft = Draft(texts={lang: text_html}, language=lang, audience=Audience(), photo=photo)
    draft_id = await services.broadcasts.save_draft(user.id, None, draft)
    await _card(update, context, draft_id, draft, edit=False)
    return CARD


def _too_long(t: Translator, plain: str, limit: int) -> str:
    return t._(
        "This text is too long for Telegram: {size} characters, at most {limit}. "
        "Please shorten it and send it again.",
        size=_size(plain),
        limit=limit,
    )


# -- the card: everything about the draft, with a button per choice


async def _card(
    update: Update, context: BotContext, draft_id: int, draft: Draft, *, edit: bool = True
) -> None:
    t = context.t
    services = context.services
    reach = await services.broadcasts.reach(draft.audience)
    names = await residence_names(services)
    lines = [
        bold(t._("📝 Announcement #{id} (draft)", id=draft_id)),
        "",
        t._(
            "🌐 Versions: {languages}",
            languages=", ".join(_language_label(t, lang, draft) for lang in draft.texts),
        ),
        t._("👥 For: {audience}", audience=HTML(audience_text(t, draft.audience, names))),
        _reach_line(t, reach, draft),
        t._("🕒 When: {when}", when=HTML(_when(t, draft))),
        t._("🚨 Urgent: sent even during residents' quiet hours")
        if draft.urgent
        else t._("🌙 Not urgent: waits for the end of residents' quiet hours"),
    ]
    keyboard = [
        [button(t._("🌐 Language of this text"), Compose(draft_id, "tag"))],
        [button(t._("➕ Add a language"), Compose(draft_id, "add"))],
        [button(t._("👥 Who"), Compose(draft_id, "who"))],
        [button(t._("🕒 When"), Compose(draft_id, "when"))],
        [
            button(
                t._("🚨 Urgent: yes") if draft.urgent else t._("🚨 Urgent: no"),
                Compose(draft_id, "urgent"),
            )
        ],
        [button(t._("👁 Preview"), Compose(draft_id, "preview"))],
        [button(t._("✖️ Cancel"), Compose(draft_id, "cancel"))],
    ]
    await show(update, "\n".join(lines), InlineKeyboardMarkup(keyboard), edit=edit)


def _language_label(t: Translator, lang: str, draft: Draft) -> str:
    name = Catalogs.language_name(lang)
    return t._("{language} (for everyone else)", language=name) if lang == draft.language else name


def _reach_line(t: Translator, reach: Reach, draft: Draft) -> str:
    parts = [
        t._("{language}: {n}", language=Catalogs.language_name(lang), n=t.number(count))
        for lang, count in sorted(reach.versions(list(draft.texts), draft.language).items())
    ]
    line = t.ngettext(
        "📊 {n} resident reached", "📊 {n} residents reached", reach.residents, n=reach.residents
    )
    if parts:
        line += " — " + t._("versions: {parts}", parts=HTML(", ".join(parts)))
    if reach.groups:
        line += "\n" + t.ngettext(
            "➕ {n} group chat of a residence", "➕ {n} group chats of residences", reach.groups
        )
    return line


def _when(t: Translator, draft: Draft) -> str:
    if draft.weekly is not None:
        return weekly_text(t, draft.weekly.days, draft.weekly.at.strftime("%H:%M"))
    if draft.due_at is not None:
        return when_text(t, draft.due_at)
    return t._("now, once confirmed")


# -- button presses


async def pressed(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    user = update.effective_user
    data = decode(query.data if query else None)
    if query is None or user is None or not isinstance(data, Compose):
        return None
    if not await _staff(update, context):
        await query.answer()
        return ConversationHandler.END
    services = context.services
    t = context.t
    found = await services.broadcasts.draft(data.draft)
    if found is None:
        await query.answer(t._("This draft is no longer open."), show_alert=True)
        return ConversationHandler.END
    _, draft = found
    await query.answer()
    action, value = data.action, data.value
    save = services.broadcasts.save_draft
    if action == "card":
        await _card(update, context, data.draft, draft)
        return CARD
    if action == "cancel":
        await services.broadcasts.discard(data.draft)
        await show(update, t._("The draft is deleted. Nothing was sent."))
        return ConversationHandler.END
    if action == "urgent":
        draft = dataclasses.replace(draft, urgent=not draft.urgent)
        await save(user.id, data.draft, draft)
        await _card(update, context, data.draft, draft)
        return CARD
    if action == "tag":
        await _languages(update, context, data.draft, "retag", list(services.catalogs.supported))
        return CARD
    if action == "retag" and value in services.catalogs.supported:
        texts = dict(draft.texts)
        if value not in texts:
            texts[value] = texts.pop(draft.language)
        draft = dataclasses.replace(draft, texts=texts, language=value)
        await save(user.id, data.draft, draft)
        await _card(update, context, data.draft, draft)
        return CARD
    if action == "add":
        missing = [code for code in services.catalogs.supported if code not in draft.texts]
        await _languages(update, context, data.draft, "write", missing)
        return CARD
    if action == "write" and value in services.catalogs.supported:
        context.user_data[PENDING_KEY] = (data.draft, value)  # type: ignore[index]
        await show(
            update,
            t._(
                "✍️ Send the text in {language}.",
                language=services.catalogs.language_name(value),
            ),
            edit=False,
        )
        return TRANSLATION
    if action in ("who", "everyone", "res", "ent", "topic", "lang"):
        draft = await _audience_step(user.id, data, draft, context)
        await _audience(update, context, data.draft, draft)
        return CARD
    if action == "when":
        await _when_menu(update, context, data.draft, draft)
        return CARD
    if action == "now":
        draft = dataclasses.replace(draft, due_at=None, weekly=None)
        await save(user.id, data.draft, draft)
        await _card(update, context, data.draft, draft)
        return CARD
    if action == "date":
        context.user_data[PENDING_KEY] = (data.draft, "")  # type: ignore[index]
        await show(
            update,
            t._(
                "📅 Type the date and time, as you would say it: for example "
                "“demain 18h”, “25/12 9:00” or “lundi 9h”."
            ),
            edit=False,
        )
        return DATE
    if action == "day" and value.isdigit():
        day = int(value) % 7
        weekly = draft.weekly or Weekly((), time(9, 0))
        days = tuple(sorted(set(weekly.days) ^ {day}))
        draft = dataclasses.replace(
            draft, weekly=Weekly(days, weekly.at) if days else None, due_at=None
        )
        await save(user.id, data.draft, draft)
        await _when_menu(update, context, data.draft, draft)
        return CARD
    if action == "time":
        context.user_data[PENDING_KEY] = (data.draft, "")  # type: ignore[index]
        await show(update, t._("⏰ Type the time, for example 9:00 or 18h30."), edit=False)
        return WEEKLY_TIME
    if action == "preview":
        await _preview(update, context, data.draft, draft)
        return CARD
    if action == "confirm":
        await _confirm(update, context, data.draft, draft)
        return ConversationHandler.END
    await _card(update, context, data.draft, draft)
    return CARD


async def _languages(
    update: Update, context: BotContext, draft_id: int, action: str, codes: list[str]
) -> None:
    t = context.t
    names = context.services.catalogs.language_name
    rows = [[button(names(code), Compose(draft_id, action, code))] for code in codes]
    rows.append([button(t._("⬅️ Back"), Compose(draft_id, "card"))])
    text = (
        t._("In which language is the text you wrote?")
        if action == "retag"
        else t._("Which language do you want to add?")
        if codes
        else t._("Every language already has its version.")
    )
    await show(update, text, InlineKeyboardMarkup(rows))


# -- who


async def _audience_step(user_id: int, data: Compose, draft: Draft, context: BotContext) -> Draft:
    audience = draft.audience
    action, value = data.action, data.value
    if action == "everyone":
        audience = Audience()
    elif action == "res" and value != "-":
        audience = audience.with_residence(value, value not in audience.residences)
    elif action == "ent" and "/" in value:
        residence, entrance = value.split("/", 1)
        on = (residence, entrance) not in audience.entrances
        audience = audience.with_entrance(residence, entrance, on)
    elif action == "topic" and value in TOPICS:
        audience = dataclasses.replace(audience, topic=value)
    elif action == "lang":
        supported = context.services.catalogs.supported
        audience = dataclasses.replace(audience, language=value if value in supported else None)
    if audience == draft.audience:
        return draft
    draft = dataclasses.replace(draft, audience=audience)
    await context.services.broadcasts.save_draft(user_id, data.draft, draft)
    return draft


async def _audience(update: Update, context: BotContext, draft_id: int, draft: Draft) -> None:
    t = context.t
    services = context.services
    audience = draft.audience
    reach = await services.broadcasts.reach(audience)
    rows = [
        [button(_tick(audience.everyone) + t._("Every resident"), Compose(draft_id, "everyone"))]
    ]
    places = await services.events.residences()
    for residence in places[:MAX_RESIDENCES]:
        chosen = residence.id in audience.residences
        rows.append(
            [button(_tick(chosen) + residence.name, Compose(draft_id, "res", residence.id))]
        )
        if chosen and residence.entrances:
            rows.append(
                [
                    button(
                        _tick((residence.id, e) in audience.entrances) + "🚪 " + e,
                        Compose(draft_id, "ent", f"{residence.id}/{e}"),
                    )
                    for e in residence.entrances[:6]
                ]
            )
    rows.append(
        [
            button(
                _tick(audience.topic == topic) + t._(TOPIC_LABELS[topic]),
                Compose(draft_id, "topic", topic),
            )
            for topic in TOPICS
            if topic != ANNOUNCEMENTS
        ]
    )
    rows.append(
        [button(_tick(audience.language is None) + t._("All languages"), Compose(draft_id, "lang"))]
        + [
            button(_tick(audience.language == code) + code, Compose(draft_id, "lang", code))
            for code in services.catalogs.supported
        ]
    )
    rows.append([button(t._("⬅️ Back"), Compose(draft_id, "card"))])
    names = {r.id: r.name for r in places}
    text = "\n".join(
        [
            bold(t._("👥 Who receives announcement #{id}?", id=draft_id)),
            t._(
                "Tap residences (and entrances), a topic or a language: each choice narrows "
                "the audience."
            ),
            "",
            t._("For: {audience}", audience=HTML(audience_text(t, audience, names))),
            _reach_line(t, reach, draft),
        ]
    )
    await show(update, text, InlineKeyboardMarkup(rows))


def _tick(on: bool) -> str:
    return "✅ " if on else "⬜ "


# -- when


async def _when_menu(update: Update, context: BotContext, draft_id: int, draft: Draft) -> None:
    t = context.t
    weekly = draft.weekly
    days = [
        button(
            _tick(weekly is not None and day in weekly.days) + t.weekday_name(day)[:3],
            Compose(draft_id, "day", str(day)),
        )
        for day in range(7)
    ]
    rows = [
        [
            button(
                _tick(draft.due_at is None and weekly is None) + t._("Now"),
                Compose(draft_id, "now"),
            )
        ],
        [button(t._("📅 Type a date and time"), Compose(draft_id, "date"))],
        days[:4],
        days[4:],
    ]
    if weekly is not None:
        rows.append(
            [
                button(
                    t._("⏰ Every week at {time}: change", time=weekly.at.strftime("%H:%M")),
                    Compose(draft_id, "time"),
                )
            ]
        )
    rows.append([button(t._("⬅️ Back"), Compose(draft_id, "card"))])
    text = "\n".join(
        [
            bold(t._("🕒 When does announcement #{id} go out?", id=draft_id)),
            t._("Now, at a date you type, or every week on the days you tick."),
            "",
            t._("🕒 When: {when}", when=HTML(_when(t, draft))),
        ]
    )
    await show(update, text, InlineKeyboardMarkup(rows))


async def _typed_step(
    update: Update, context: BotContext
) -> tuple[int, tuple[int, str], Draft, str] | None:
    """(user id, (draft id, language), draft, text) of a typed step, or None when the
    conversation's state is gone (a restart: pressing the card's button asks again)."""
    message = update.effective_message
    user = update.effective_user
    pending = context.user_data.get(PENDING_KEY) if context.user_data else None
    if message is None or user is None or not message.text or pending is None:
        return None
    found = await context.services.broadcasts.draft(pending[0])
    if found is None:
        return None
    return user.id, pending, found[1], message.text


async def got_date(update: Update, context: BotContext) -> int:
    step = await _typed_step(update, context)
    if step is None:
        return ConversationHandler.END
    user_id, pending, draft, text = step
    t = context.t
    services = context.services
    try:
        moment = parse_typed(text, t.locale, services.clock(), services.settings.tz)
    except WhenError as exc:
        await show(update, _date_problem(t, exc), edit=False)
        return DATE
    draft = dataclasses.replace(draft, due_at=moment, weekly=None)
    await services.broadcasts.save_draft(user_id, pending[0], draft)
    await _card(update, context, pending[0], draft, edit=False)
    return CARD


def _date_problem(t: Translator, exc: WhenError) -> str:
    if exc.reason == "past":
        return t._("This date is already past. Please type a date to come.")
    return t._("Sorry, I could not read this date. Try for example “demain 18h” or “25/12 9:00”.")


async def got_time(update: Update, context: BotContext) -> int:
    step = await _typed_step(update, context)
    if step is None or step[2].weekly is None:
        return ConversationHandler.END
    user_id, pending, draft, text = step
    t = context.t
    services = context.services
    at = _read_time(text)
    if at is None:
        await show(update, t._("Please type a time such as 9:00 or 18h30."), edit=False)
        return WEEKLY_TIME
    assert draft.weekly is not None
    draft = dataclasses.replace(draft, weekly=Weekly(draft.weekly.days, at))
    await services.broadcasts.save_draft(user_id, pending[0], draft)
    await _card(update, context, pending[0], draft, edit=False)
    return CARD


def _read_time(text: str) -> time | None:
    cleaned = HOURS.sub(lambda m: f"{int(m.group(1))}:{m.group(2) or '00'}", text.strip())
    hour, _, minute = cleaned.partition(":")
    if not hour.strip().isdigit() or (minute and not minute.strip().isdigit()):
        return None
    h, m = int(hour), int(minute or 0)
    return time(h, m) if 0 <= h < 24 and 0 <= m < 60 else None


# -- a translation


async def got_translation(update: Update, context: BotContext) -> int:
    step = await _typed_step(update, context)
    message = update.effective_message
    if step is None or message is None or not step[1][1]:
        return ConversationHandler.END
    user_id, pending, draft, plain = step
    t = context.t
    limit = CAPTION_LIMIT if draft.photo else TEXT_LIMIT
    if _size(plain) > limit:
        await show(update, _too_long(t, plain, limit), edit=False)
        return TRANSLATION
    draft = dataclasses.replace(draft, texts={**draft.texts, pending[1]: message.text_html})
    await context.services.broadcasts.save_draft(user_id, pending[0], draft)
    await _card(update, context, pending[0], draft, edit=False)
    return CARD


# -- preview and confirm


async def _preview(update: Update, context: BotContext, draft_id: int, draft: Draft) -> None:
    """Each version exactly as residents get it, then what confirming will do."""
    t = context.t
    chat = update.effective_chat
    if chat is None:
        return
    services = context.services
    reach = await services.broadcasts.reach(draft.audience)
    counts = reach.versions(list(draft.texts), draft.language)
    for lang, text in draft.texts.items():
        await chat.send_message(
            t._(
                "👁 {language}: {n} residents will receive this:",
                language=Catalogs.language_name(lang),
                n=t.number(counts.get(lang, 0)),
            )
        )
        try:
            if draft.photo:
                await chat.send_photo(draft.photo, caption=text)
            else:
                await chat.send_message(text)
        except BadRequest as exc:
            await chat.send_message(
                t._(
                    "⚠️ Telegram refuses this version: {reason}. Please write it again.",
                    reason=exc.message,
                )
            )
            return
    total = reach.residents + reach.groups
    rows = [
        [button(t._("✅ Confirm"), Compose(draft_id, "confirm"))],
        [button(t._("✏️ Change something"), Compose(draft_id, "card"))],
        [button(t._("✖️ Cancel"), Compose(draft_id, "cancel"))],
    ]
    text = "\n".join(
        [
            bold(t._("Confirm announcement #{id}?", id=draft_id)),
            t.ngettext("It goes to {n} chat.", "It goes to {n} chats.", total, n=t.number(total)),
            t._("🕒 When: {when}", when=HTML(_when(t, draft))),
        ]
    )
    await chat.send_message(text, reply_markup=InlineKeyboardMarkup(rows))


async def _confirm(update: Update, context: BotContext, draft_id: int, draft: Draft) -> None:
    t = context.t
    services = context.services
    due = await services.broadcasts.confirm(draft_id)
    if due is None:
        await show(update, t._("This draft is no longer open."))
        return
    user = update.effective_user
    if user is not None:
        await services.staff.audit(
            user.id,
            "announcement.create",
            f"#{draft_id}",
            {"due": due.isoformat(), "languages": sorted(draft.texts), "urgent": draft.urgent},
        )
    await announcements.tick(context.bot, context.job_queue, services)
    if draft.weekly is not None or draft.due_at is not None:
        text = t._(
            "🕒 Announcement #{id} is scheduled: {when}. /announcements to see or cancel it.",
            id=draft_id,
            when=HTML(_when(t, draft)),
        )
    else:
        text = t._(
            "📤 Announcement #{id} is being sent. You will get a report when it is done.",
            id=draft_id,
        )
    await show(update, text)


async def cancel(update: Update, context: BotContext) -> int:
    context.user_data.pop(PENDING_KEY, None)  # type: ignore[union-attr]
    await show(update, context.t._("Stopped. Your draft is kept: /announcements"), edit=False)
    return ConversationHandler.END


async def not_expected(update: Update, context: BotContext) -> int | None:
    """A sticker, a voice note... where a text was asked for: say what is expected."""
    await show(update, context.t._("Please send a text, or a photo with a caption."), edit=False)
    return None


_press = CallbackQueryHandler(pressed, pattern=is_kind(Compose))
_private = filters.ChatType.PRIVATE
_typed = _private & filters.TEXT & ~filters.COMMAND

# Its buttons are matched by their data, not by message: PTB's per_message advice does not apply.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)

HANDLERS = [
    ConversationHandler(
        entry_points=[CommandHandler("announce", start, _private), _press],
        states={
            TEXT: [
                MessageHandler(
                    _private & (filters.TEXT | filters.PHOTO) & ~filters.COMMAND, got_text
                ),
                MessageHandler(_private & ~filters.COMMAND, not_expected),
            ],
            CARD: [_press],
            TRANSLATION: [MessageHandler(_typed, got_translation), _press],
            DATE: [MessageHandler(_typed, got_date), _press],
            WEEKLY_TIME: [MessageHandler(_typed, got_time), _press],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        allow_reentry=True,
        conversation_timeout=None,
        name="announce",
    )
]
