"""How an event or a pop-up shop looks: its card, its line in a listing, its buttons.

Shared by the listings (handlers/events.py, handlers/popups.py) and the reminders
(handlers/reminders.py)."""

from __future__ import annotations

import html
from datetime import datetime
from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.events.data import EventView, pick
from bot.i18n import HTML, N_, Translator
from bot.telegram.callbacks import button
from handlers.buttons import ALL_KINDS, AddToCalendar, EventList, MapPin, Popups, RemindMe
from handlers.context import BotContext
from handlers.menu import menu_button
from handlers.replies import bold
from handlers.when import distance, price, when

DEEP_LINK = "ev-"
ICONS = {
    "popup": "♻️",
    "museum": "🖼️",
    "heritage_tour": "🏛️",
    "workshop": "🛠️",
    "other": "✨",
}
KIND_LABELS = {
    "museum": N_("🖼️ Museum"),
    "heritage_tour": N_("🏛️ Tours"),
    "workshop": N_("🛠️ Workshops"),
    "other": N_("✨ Other"),
}


def lang_of(context: BotContext) -> tuple[str, str]:
    catalogs = context.services.catalogs
    return context.locale or catalogs.default_locale, catalogs.default_locale


def title_html(t: Translator, event: EventView, lang: str, fallback: str) -> str:
    if event.is_popup:
        return t._("Pop-up recycling shop — {place}", place=event.place)
    return html.escape(event.title(lang, fallback))


def title_plain(event: EventView, lang: str, fallback: str) -> str:
    return event.place if event.is_popup else event.title(lang, fallback)


def short_line(
    t: Translator,
    event: EventView,
    now: datetime,
    lang: str,
    fallback: str,
    km: float | None = None,
) -> str:
    """One line of a listing: icon, title, when (or cancelled), distance."""
    icon = ICONS.get(event.kind, "✨")
    title = html.escape(title_plain(event, lang, fallback))
    if event.postponed:
        return f"{icon} {title} — " + t._("postponed, new date to come")
    span = when(t, event.starts_at, event.ends_at, now, all_day=event.all_day)
    if event.cancelled:
        return f"{icon} <s>{title} — {span}</s> — " + bold(t._("cancelled"))
    line = f"{icon} <b>{title}</b> — {span}"
    if km is not None:
        line += f" ({distance(t, km)})"
    return line


def item_labels(context: BotContext, ids: list[str], lang: str, fallback: str) -> list[str]:
    items = context.services.whatson.items.items
    return [items[i].label(lang, fallback) for i in ids if i in items]


def card_text(context: BotContext, event: EventView, lang: str, fallback: str) -> str:
    services = context.services
    t = services.catalogs.get(lang)
    now = services.clock()
    lines = [f"{ICONS.get(event.kind, '✨')} " + bold(title_html(t, event, lang, fallback))]
    if event.cancelled:
        lines.append("❌ " + bold(t._("Cancelled.")))
    elif event.postponed:
        lines.append("⏳ " + bold(t._("Postponed: the new date will be announced here.")))
    elif event.previous_starts_at is not None and event.previous_starts_at != event.starts_at:
        before = when(t, event.previous_starts_at, event.previous_starts_at, now)
        lines.append("🔁 " + t._("New date (it was {when}).", when=HTML(before)))
    if not event.postponed:
        span = when(t, event.starts_at, event.ends_at, now, all_day=event.all_day)
        if event.ends_at <= now:
            lines.append("📅 " + t._("Already over ({when}).", when=HTML(span)))
        else:
            lines.append("📅 " + span)
    where = html.escape(event.place)
    if event.address:
        where += ", " + html.escape(event.address)
    if where:
        lines.append("📍 " + where)
    spot = event.description(lang, fallback) if event.is_popup else ""
    if spot:
        lines.append("↳ " + html.escape(spot))
    if event.is_popup:
        details = event.details
        accepts = item_labels(context, list(details.get("accepts") or []), lang, fallback)
        never = [i.id for i in services.whatson.items.items.values() if i.accepted == "never"]
        refused = item_labels(context, list(details.get("refuses") or []) + never, lang, fallback)
        if accepts:
            lines.append("✅ " + t._("Bring: {items}.", items=", ".join(accepts)))
            lines.append("   " + t._("Clean and in good condition, please."))
        if refused:
            lines.append("🚫 " + t._("Not taken: {items}.", items=", ".join(refused)))
        if details.get("buying", True):
            lines.append("🛍️ " + t._("Second-hand things for sale at small prices."))
        else:
            lines.append("🛍️ " + t._("Drop-off only: nothing for sale at this one."))
        if details.get("volunteer"):
            lines.append("🤝 " + t._("To volunteer: {contact}", contact=details["volunteer"]))
    else:
        cost = price(t, event.price_cents)
        if cost:
            lines.append("💶 " + cost)
        if event.capacity:
            lines.append("👥 " + t.ngettext("{n} place", "{n} places", event.capacity))
        if event.registration:
            lines.append("✍️ " + t._("To sign up: {how}", how=event.registration))
        access = pick(event.accessibility, lang, fallback)
        if access:
            lines.append("♿ " + html.escape(access))
        description = event.description(lang, fallback)
        if description:
            lines.append("\n" + html.escape(description))
    if event.sample:
        lines.append("\n<i>" + t._("🧪 Sample data for the demo.") + "</i>")
    return "\n".join(lines)


def event_link(context: BotContext, event: EventView) -> str | None:
    """The deep link that opens this event for whoever taps it (None before getMe)."""
    username = context.bot.username if context.bot else None
    return f"https://t.me/{username}?start={DEEP_LINK}{event.id}" if username else None


def share_url(context: BotContext, event: EventView, text: str) -> str | None:
    link = event_link(context, event)
    if link is None:
        return None
    return f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(text[:200], safe='')}"


def card_keyboard(
    context: BotContext, event: EventView, lang: str, fallback: str, reminded: bool
) -> InlineKeyboardMarkup:
    services = context.services
    t = services.catalogs.get(lang)
    now = services.clock()
    rows: list[list[InlineKeyboardButton]] = []
    if not event.cancelled and not event.postponed and event.ends_at > now:
        remind = (
            button(t._("🔕 Stop reminders"), RemindMe(event.id, False))
            if reminded
            else button(t._("⏰ Remind me"), RemindMe(event.id, True))
        )
        rows.append([button(t._("📅 Add to my calendar"), AddToCalendar(event.id)), remind])
    second: list[InlineKeyboardButton] = []
    if event.has_map:
        second.append(button(t._("📍 Map"), MapPin(event.id)))
    url = share_url(context, event, title_plain(event, lang, fallback))
    if url and not event.cancelled:
        second.append(InlineKeyboardButton(t._("📤 Share"), url=url))
    if second:
        rows.append(second)
    back = Popups() if event.is_popup else EventList(ALL_KINDS, 0)
    rows.append([button(t._("⬅️ Back"), back), menu_button(t)])
    return InlineKeyboardMarkup(rows)


def gone_text(context: BotContext) -> str:
    t = context.t
    return t._(
        "This event no longer exists: it may have been removed. Here are the ones coming up:"
    )


def gone_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    t = context.t
    return InlineKeyboardMarkup(
        [
            [button(t._("🎭 Cultural events"), EventList(ALL_KINDS, 0))],
            [button(t._("♻️ Pop-up recycling shops"), Popups())],
            [menu_button(t)],
        ]
    )
