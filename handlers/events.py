"""Cultural events (and the card every pop-up shop shares with them): the listing by kind, an
event's card with "add to my calendar", "remind me", "share" and the map pin, deep links
(`/start ev-<id>`), and the staff's /event_cancel and /event_move."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.events.calendar import file_name, to_ics
from bot.events.data import EVENT_KINDS, EventView
from bot.i18n import HTML, Translator
from bot.telegram.callbacks import button, decode, is_kind
from handlers import reminders
from handlers.access import staff_only
from handlers.buttons import (
    ALL_KINDS,
    AddToCalendar,
    EventList,
    MapPin,
    RemindMe,
    ShowEvent,
    Topic,
)
from handlers.context import BotContext
from handlers.eventcards import (
    DEEP_LINK,
    ICONS,
    KIND_LABELS,
    card_keyboard,
    card_text,
    event_link,
    gone_keyboard,
    gone_text,
    lang_of,
    short_line,
    title_html,
    title_plain,
)
from handlers.fallback import stale_button
from handlers.menu import menu_button
from handlers.replies import bold, show
from handlers.when import when

log = logging.getLogger(__name__)
PAGE_SIZE = 5


async def render_card(
    update: Update, context: BotContext, event: EventView, *, edit: bool = True
) -> None:
    lang, fallback = lang_of(context)
    user = update.effective_user
    services = context.services
    reminded = user is not None and await services.reminders.is_set(user.id, event.id)
    text = card_text(context, event, lang, fallback)
    if user is not None and await services.staff.is_staff(user.id):
        text += "\n" + services.catalogs.get(lang)._("🆔 Staff: event number {id}", id=event.id)
    await show(update, text, card_keyboard(context, event, lang, fallback, reminded), edit=edit)


# -- the listing


def listing_keyboard(
    t: Translator, events: list[EventView], kind: str, page: int, more: bool, lang: str, fb: str
) -> InlineKeyboardMarkup:
    rows = [
        [button(f"{ICONS.get(e.kind, '✨')} {title_plain(e, lang, fb)}"[:60], ShowEvent(e.id))]
        for e in events
    ]
    filters_row = [
        button(("✅ " if kind == ALL_KINDS else "") + t._("All"), EventList(ALL_KINDS, 0))
    ]
    for key, label in KIND_LABELS.items():
        filters_row.append(button(("✅ " if kind == key else "") + t._(label), EventList(key, 0)))
    rows.append(filters_row[:3])
    rows.append(filters_row[3:])
    nav = []
    if page > 0:
        nav.append(button("◀️", EventList(kind, page - 1)))
    if more:
        nav.append(button("▶️", EventList(kind, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([button(t._("📚 Tips and answers"), Topic("events")), menu_button(t)])
    return InlineKeyboardMarkup(rows)


async def listing(
    context: BotContext, kind: str, page: int, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    services = context.services
    fallback = services.catalogs.default_locale
    t = services.catalogs.get(lang)
    kinds = EVENT_KINDS if kind == ALL_KINDS else (kind,)
    events, more = await services.events.upcoming(
        kinds=kinds, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    if not events and page > 0:
        page = 0
        events, more = await services.events.upcoming(kinds=kinds, limit=PAGE_SIZE)
    now = services.clock()
    header = bold(t._("🎭 Cultural events"))
    if kind != ALL_KINDS:
        header += " · " + t._(KIND_LABELS[kind])
    if page > 0:
        header += " " + t._("(page {page})", page=page + 1)
    if not events:
        body = t._("No event is announced for now. Come back in a few days!")
    else:
        body = "\n".join(short_line(t, e, now, lang, fallback) for e in events)
        body += "\n\n" + t._("Tap an event to see it, add it to your calendar or get a reminder.")
    keyboard = listing_keyboard(t, events, kind, page, more, lang, fallback)
    return header + "\n\n" + body, keyboard


async def on_list(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = decode(query.data) if query else None
    valid = isinstance(data, EventList) and (data.kind == ALL_KINDS or data.kind in KIND_LABELS)
    if query is None or not valid:
        await stale_button(update, context)
        return
    assert isinstance(data, EventList)
    await query.answer()
    lang, _ = lang_of(context)
    text, keyboard = await listing(context, data.kind, min(data.page, 1000), lang)
    await show(update, text, keyboard)


# -- an event


async def _event_of(update: Update, context: BotContext, kind: type) -> EventView | None:
    """The event a button names, or None after the stale-button reply."""
    query = update.callback_query
    data = decode(query.data) if query else None
    event = await context.services.events.get(data.event) if isinstance(data, kind) else None
    if query is None or event is None:
        if query is not None and isinstance(data, kind):
            await query.answer(context.t._("This event no longer exists."))
            await show(update, gone_text(context), gone_keyboard(context), edit=False)
            return None
        await stale_button(update, context)
        return None
    return event


async def on_show(update: Update, context: BotContext) -> None:
    event = await _event_of(update, context, ShowEvent)
    if event is None:
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await render_card(update, context, event)


async def on_calendar(update: Update, context: BotContext) -> None:
    event = await _event_of(update, context, AddToCalendar)
    if event is None:
        return
    query, chat = update.callback_query, update.effective_chat
    assert query is not None
    t = context.t
    lang, fallback = lang_of(context)
    await query.answer(t._("Here is the file for your calendar."))
    if chat is None:
        return
    title = title_plain(event, lang, fallback)
    location = ", ".join(p for p in (event.place, event.address) if p)
    username = context.bot.username
    link = event_link(context, event)
    data = to_ics(
        event,
        title=title if not event.is_popup else html.unescape(title_html(t, event, lang, fallback)),
        description=event.description(lang, fallback),
        location=location,
        url=link,
        domain=f"{username or 'residents-bot'}.t.me",
        stamp=context.services.clock(),
    )
    await chat.send_document(
        InputFile(data, filename=file_name(event, title)),
        caption=t._("Open this file to add “{title}” to your phone's calendar.", title=title),
    )


async def on_remind(update: Update, context: BotContext) -> None:
    event = await _event_of(update, context, RemindMe)
    if event is None:
        return
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None
    data = decode(query.data)
    assert isinstance(data, RemindMe)
    if user is None or chat is None:
        return
    services = context.services
    t = context.t
    if not data.on:
        ids = await services.reminders.forget(user.id, event.id)
        reminders.unschedule(context.job_queue, ids)
        await query.answer(t._("Reminders stopped."))
        await render_card(update, context, event)
        return
    result = await services.reminders.remind(user.id, chat.id, event.id)
    if result.status == "set":
        reminders.schedule(context.job_queue, result.scheduled, services.clock())
        if len(result.scheduled) > 1:
            toast = t._("I will remind you the day before at 18:00, and one hour before.")
        else:
            toast = t._("I will remind you before it starts.")
    elif result.status == "too_late":
        toast = t._("It starts too soon for a reminder.")
    else:
        toast = t._("This event is cancelled or postponed: no reminder.")
    await query.answer(toast, show_alert=result.status == "set")
    await render_card(update, context, event)


async def on_map(update: Update, context: BotContext) -> None:
    event = await _event_of(update, context, MapPin)
    if event is None:
        return
    query, chat = update.callback_query, update.effective_chat
    assert query is not None
    await query.answer()
    if chat is None or event.latitude is None or event.longitude is None:
        return
    lang, fallback = lang_of(context)
    await chat.send_venue(
        latitude=event.latitude,
        longitude=event.longitude,
        title=title_plain(event, lang, fallback)[:100],
        address=event.address or event.place,
    )


async def on_deep_link(update: Update, context: BotContext) -> None:
    """`/start ev-<id>`: someone shared an event; open its card (or say it is gone)."""
    payload = (context.args or [""])[0]
    number = payload.removeprefix(DEEP_LINK)
    event = await context.services.events.get(int(number)) if number.isdigit() else None
    if event is None:
        await show(update, gone_text(context), gone_keyboard(context), edit=False)
        return
    await render_card(update, context, event, edit=False)


# -- staff


def _actor(update: Update) -> int:
    return update.effective_user.id if update.effective_user else 0


async def event_cancel(update: Update, context: BotContext) -> None:
    if not await staff_only(update, context):
        return
    t = context.t
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit():
        await show(
            update,
            t._("Usage: /event_cancel NUMBER (the number is on the event's card)."),
            edit=False,
        )
        return
    event, told = await context.services.events.cancel(int(args[0]))
    if event is None:
        await show(update, t._("No event number {id}.", id=args[0]), edit=False)
        return
    await context.services.staff.audit(
        _actor(update), "event.cancel", str(event.id), {"told": told}
    )
    lang, fallback = lang_of(context)
    await show(
        update,
        t._("Cancelled: {title}.", title=HTML(title_html(t, event, lang, fallback)))
        + "\n"
        + t.ngettext(
            "{n} resident who asked for a reminder is told.",
            "{n} residents who asked for a reminder are told.",
            told,
        ),
        edit=False,
    )
    await reminders.after_change(context)


async def event_move(update: Update, context: BotContext) -> None:
    if not await staff_only(update, context):
        return
    t = context.t
    args = context.args or []
    services = context.services
    starts_at = services.events.parse_local(" ".join(args[1:])) if len(args) == 3 else None
    if not args or not args[0].isdigit() or starts_at is None:
        await show(
            update,
            t._(
                "Usage: /event_move NUMBER YYYY-MM-DD HH:MM (local time), "
                "e.g. /event_move 12 2027-01-16 14:00."
            ),
            edit=False,
        )
        return
    if starts_at <= services.clock():
        await show(update, t._("This date is in the past."), edit=False)
        return
    event, told = await services.events.move(int(args[0]), starts_at)
    if event is None:
        await show(update, t._("No event number {id}.", id=args[0]), edit=False)
        return
    await services.staff.audit(
        _actor(update),
        "event.move",
        str(event.id),
        {"starts_at": event.starts_at.isoformat(), "told": told},
    )
    lang, fallback = lang_of(context)
    span = when(t, event.starts_at, event.ends_at, services.clock(), all_day=event.all_day)
    await show(
        update,
        t._(
            "Moved: {title}, now {when}.",
            title=HTML(title_html(t, event, lang, fallback)),
            when=HTML(span),
        )
        + "\n"
        + t.ngettext(
            "{n} resident who asked for a reminder is told.",
            "{n} residents who asked for a reminder are told.",
            told,
        ),
        edit=False,
    )
    await reminders.after_change(context)


HANDLERS = [
    CommandHandler("start", on_deep_link, filters.Regex(rf"^/start(@\w+)?\s+{DEEP_LINK}")),
    CommandHandler("event_cancel", event_cancel, filters.ChatType.PRIVATE),
    CommandHandler("event_move", event_move, filters.ChatType.PRIVATE),
    CallbackQueryHandler(on_list, pattern=is_kind(EventList)),
    CallbackQueryHandler(on_show, pattern=is_kind(ShowEvent)),
    CallbackQueryHandler(on_calendar, pattern=is_kind(AddToCalendar)),
    CallbackQueryHandler(on_remind, pattern=is_kind(RemindMe)),
    CallbackQueryHandler(on_map, pattern=is_kind(MapPin)),
]
