"""Pop-up recycling shops: the next ones (at the resident's residence first, then the nearest),
choosing "my residence" (from a list or a shared location), the nearest shops to a shared
location with their distance, and "can I bring this?"."""

from __future__ import annotations

import html

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.events.data import EventView
from bot.events.geo import NEAR_KM
from bot.events.items import Verdict
from bot.telegram.callbacks import button, decode, is_kind
from handlers.buttons import (
    AskItem,
    AskLocation,
    ChooseResidence,
    Popups,
    ResidenceList,
    ShowEvent,
    Topic,
)
from handlers.context import BotContext
from handlers.eventcards import lang_of, short_line
from handlers.fallback import stale_button
from handlers.menu import menu_button
from handlers.replies import RepliesToPrompt, bold, show
from handlers.when import distance

RESIDENCES_PER_PAGE = 8
HOME_KM = 1.0  # a shared location this close to a residence: offer "I live here"
ITEM_PROMPT = "❓"  # the "which object?" prompt starts with it in every language


def _event_button(event: EventView, t_day: str) -> InlineKeyboardButton:
    return button(f"♻️ {event.place} · {t_day}"[:60], ShowEvent(event.id))


async def screen(
    context: BotContext, user_id: int | None, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The recycling screen: the resident's residence first, then the nearest ones."""
    services = context.services
    t = services.catalogs.get(lang)
    fallback = services.catalogs.default_locale
    now = services.clock()
    chosen = await services.residents.residence(user_id) if user_id else None
    residence = await services.events.residence(chosen)
    lines = [bold(t._("♻️ Pop-up recycling shops"))]
    shown: list[EventView] = []
    if residence is not None:
        lines.append(
            "🏢 " + t._("Your residence: {name}, {city}", name=residence.name, city=residence.city)
        )
        mine = await services.events.popups_at(residence.id, limit=2)
        if mine:
            lines.append("\n" + bold(t._("Next at your residence:")))
            lines += [short_line(t, e, now, lang, fallback) for e in mine]
            shown += mine
        else:
            lines.append(t._("No pop-up shop is announced at your residence yet."))
        near = await services.events.nearest_popups(
            residence.latitude, residence.longitude, limit=3, skip=residence.id
        )
        near = [n for n in near if n.km <= NEAR_KM]
        if near:
            lines.append("\n" + bold(t._("Also near you:")))
            lines += [short_line(t, n.event, now, lang, fallback, n.km) for n in near]
            shown += [n.event for n in near]
    else:
        upcoming = await services.events.next_popups(limit=4)
        if upcoming:
            lines.append("\n" + bold(t._("The next ones:")))
            lines += [short_line(t, e, now, lang, fallback) for e in upcoming]
            shown += upcoming
        lines.append("\n" + t._("Tell me where you live to see yours first."))
    if not shown:
        lines.append(t._("No pop-up shop is announced for now. Come back in a few days!"))
    rows = [[_event_button(e, t.day(e.starts_at))] for e in shown]
    rows.append(
        [
            button(t._("📍 Nearest to me"), AskLocation()),
            button(
                t._("🏢 Change my residence") if residence else t._("🏢 My residence"),
                ResidenceList(0),
            ),
        ]
    )
    rows.append([button(t._("❓ Can I bring this?"), AskItem())])
    rows.append([button(t._("📚 Tips and answers"), Topic("recycling")), menu_button(t)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def on_popups(update: Update, context: BotContext) -> None:
    if update.callback_query:
        await update.callback_query.answer()
    user = update.effective_user
    lang, _ = lang_of(context)
    text, keyboard = await screen(context, user.id if user else None, lang)
    await show(update, text, keyboard)


# -- my residence


async def on_residences(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = decode(query.data) if query else None
    if query is None or not isinstance(data, ResidenceList):
        await stale_button(update, context)
        return
    await query.answer()
    t = context.t
    residences = await context.services.events.residences()
    pages = max(1, -(-len(residences) // RESIDENCES_PER_PAGE))
    page = min(data.page, pages - 1)
    shown = residences[page * RESIDENCES_PER_PAGE : (page + 1) * RESIDENCES_PER_PAGE]
    rows = [[button(f"{r.name} ({r.city})"[:60], ChooseResidence(r.id))] for r in shown]
    nav = []
    if page > 0:
        nav.append(button("◀️", ResidenceList(page - 1)))
    if page < pages - 1:
        nav.append(button("▶️", ResidenceList(page + 1)))
    if nav:
        rows.append(nav)
    rows.append([button(t._("📍 Find it with my location"), AskLocation())])
    rows.append([button(t._("⬅️ Back"), Popups()), menu_button(t)])
    text = bold(t._("Which residence do you live in?"))
    if pages > 1:
        text += " " + t._("(page {page} of {pages})", page=page + 1, pages=pages)
    await show(update, text, InlineKeyboardMarkup(rows))


async def on_choose(update: Update, context: BotContext) -> None:
    query = update.callback_query
    user, chat = update.effective_user, update.effective_chat
    data = decode(query.data) if query else None
    services = context.services
    residence = (
        await services.events.residence(data.residence)
        if isinstance(data, ChooseResidence)
        else None
    )
    if query is None or user is None or chat is None or residence is None:
        await stale_button(update, context)
        return
    await services.residents.set_residence(user.id, chat.id, residence.id)
    t = context.t
    await query.answer(html.unescape(t._("Saved: {name}.", name=residence.name)))
    lang, _ = lang_of(context)
    text, keyboard = await screen(context, user.id, lang)
    await show(update, text, keyboard)


# -- a shared location


async def on_ask_location(update: Update, context: BotContext) -> None:
    if update.callback_query:
        await update.callback_query.answer()
    chat = update.effective_chat
    if chat is None:
        return
    t = context.t
    keyboard = ReplyKeyboardMarkup(
        [
            [KeyboardButton(t._("📍 Send my location"), request_location=True)],
            [KeyboardButton(t._("❌ Cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await chat.send_message(
        t._(
            "Tap “📍 Send my location” below. I only use it to find the nearest pop-up "
            "shops; it is not kept."
        ),
        reply_markup=keyboard,
    )


async def on_cancel_location(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    t = context.t
    await chat.send_message(t._("OK, no location."), reply_markup=ReplyKeyboardRemove())
    user = update.effective_user
    lang, _ = lang_of(context)
    text, keyboard = await screen(context, user.id if user else None, lang)
    await show(update, text, keyboard, edit=False)


async def on_location(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    location = message.location if message else None
    if location is None or chat is None:
        return
    services = context.services
    t = context.t
    lang, fallback = lang_of(context)
    now = services.clock()
    lat, lon = location.latitude, location.longitude
    await chat.send_message(t._("📍 Thank you, let me look."), reply_markup=ReplyKeyboardRemove())
    near = await services.events.nearest_popups(lat, lon, limit=3)
    homes = await services.events.nearest_residences(lat, lon, limit=1)
    rows: list[list[InlineKeyboardButton]] = []
    if not near or near[0].km > NEAR_KM:
        lines = [
            bold(t._("No pop-up shop near you.")),
            t._("They come to the association's residences only."),
        ]
        if near:
            lines.append(
                t._(
                    "The nearest is at {place}, {distance} away.",
                    place=near[0].event.place,
                    distance=distance(t, near[0].km),
                )
            )
        rows.append([button(t._("🏢 My residence"), ResidenceList(0))])
    else:
        lines = [bold(t._("The nearest pop-up shops:"))]
        lines += [short_line(t, n.event, now, lang, fallback, n.km) for n in near]
        rows += [[_event_button(n.event, t.day(n.event.starts_at))] for n in near]
        if homes and homes[0][1] <= HOME_KM:
            home = homes[0][0]
            rows.append(
                [button(t._("🏢 I live at {name}", name=home.name)[:60], ChooseResidence(home.id))]
            )
    rows.append([button(t._("❓ Can I bring this?"), AskItem()), menu_button(t)])
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows), edit=False)


# -- can I bring this?


async def on_ask_item(update: Update, context: BotContext) -> None:
    if update.callback_query:
        await update.callback_query.answer()
    chat = update.effective_chat
    if chat is None:
        return
    t = context.t
    await chat.send_message(
        ITEM_PROMPT
        + " "
        + t._(
            "Which object would you like to bring? Write it in a few words, for example "
            "“a working microwave” or “children's clothes”."
        ),
        reply_markup=ForceReply(input_field_placeholder=t._("e.g. a broken kettle")[:64]),
    )


def verdict_text(context: BotContext, verdict: Verdict | None, lang: str) -> str:
    services = context.services
    t = services.catalogs.get(lang)
    fallback = services.catalogs.default_locale
    if verdict is None:
        takeable = [
            i.label(lang, fallback)
            for i in services.whatson.items.items.values()
            if i.accepted != "never"
        ]
        return "\n".join(
            [
                bold(t._("I do not know this object.")),
                t._("The pop-up shops take: {items}.", items=", ".join(takeable)),
                t._("If in doubt, ask the team on site."),
            ]
        )
    item = verdict.item
    label = item.label(lang, fallback)

    def text(texts: dict[str, str]) -> str:
        return html.escape(texts.get(lang) or texts.get(fallback) or "")

    if verdict.accepted is True:
        lines = ["✅ " + bold(t._("Yes, the pop-up shops take it ({item}).", item=label))]
        if item.note:
            lines.append(text(item.note))
    elif verdict.accepted is False:
        if item.accepted == "if_usable":
            head = t._("No, not when it is broken or worn ({item}).", item=label)
        else:
            head = t._("No, the pop-up shops do not take it ({item}).", item=label)
        lines = ["🚫 " + bold(head), text(item.reason), "👉 " + text(item.elsewhere)]
    else:
        lines = [
            "✅ " + bold(t._("Yes, if it works and is in good condition ({item}).", item=label))
        ]
        if item.note:
            lines.append(text(item.note))
        lines.append(t._("If it is broken or worn:") + " " + text(item.reason))
        lines.append("👉 " + text(item.elsewhere))
    return "\n".join(lines)


async def answer_item(
    update: Update, context: BotContext, verdict: Verdict | None, lang: str
) -> None:
    services = context.services
    t = services.catalogs.get(lang)
    user = update.effective_user
    text = verdict_text(context, verdict, lang)
    if verdict is None or verdict.accepted is not False:
        chosen = await services.residents.residence(user.id) if user else None
        upcoming = await services.events.popups_at(chosen, limit=1) if chosen else []
        upcoming = upcoming or await services.events.next_popups(limit=1)
        if upcoming:
            line = short_line(
                t, upcoming[0], services.clock(), lang, services.catalogs.default_locale
            )
            text += "\n\n" + t._("Next pop-up shop:") + "\n" + line
    keyboard = InlineKeyboardMarkup(
        [
            [button(t._("❓ Another object"), AskItem())],
            [button(t._("♻️ Pop-up recycling shops"), Popups()), menu_button(t)],
        ]
    )
    await show(update, text, keyboard, edit=False)


async def on_item(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    verdict = context.services.whatson.items.match(message.text)
    lang, _ = lang_of(context)
    await answer_item(update, context, verdict, lang)


PRIVATE = filters.ChatType.PRIVATE
NEW = PRIVATE & ~filters.UpdateType.EDITED
HANDLERS = [
    CallbackQueryHandler(on_popups, pattern=is_kind(Popups)),
    CallbackQueryHandler(on_residences, pattern=is_kind(ResidenceList)),
    CallbackQueryHandler(on_choose, pattern=is_kind(ChooseResidence)),
    CallbackQueryHandler(on_ask_location, pattern=is_kind(AskLocation)),
    CallbackQueryHandler(on_ask_item, pattern=is_kind(AskItem)),
    MessageHandler(NEW & filters.LOCATION, on_location),
    MessageHandler(NEW & filters.TEXT & ~filters.COMMAND & RepliesToPrompt(ITEM_PROMPT), on_item),
    MessageHandler(
        NEW & filters.TEXT & ~filters.COMMAND & filters.Regex("^❌"), on_cancel_location
    ),
]
