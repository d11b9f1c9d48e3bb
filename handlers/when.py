"""Dates, distances and prices as residents read them, in their language and TIMEZONE.

"today, 14:00–17:00", "tomorrow", "this Saturday" where they help, else the day and month;
hours come from Babel in the resident's locale, converted from UTC for the day itself, so
they stay right across daylight-saving changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.i18n import Translator


def hours(t: Translator, start: datetime, end: datetime, all_day: bool) -> str:
    if all_day:
        return t._("all day")
    if end > start:
        return f"{t.time(start)}–{t.time(end)}"
    return t.time(start)


def when(
    t: Translator, start: datetime, end: datetime, now: datetime, *, all_day: bool = False
) -> str:
    """When an occurrence is, relative to now where it helps."""
    local_start, local_end = start.astimezone(t.tz), end.astimezone(t.tz)
    today = now.astimezone(t.tz).date()
    if end - start > timedelta(days=1):
        last = local_end - timedelta(seconds=1) if all_day else local_end
        if start <= now:
            return t._("until {day}", day=t.day(last))
        return t._("from {first} to {last}", first=t.day(local_start), last=t.day(last))
    if start <= now < end and not all_day:
        return t._("now, until {time}", time=t.time(end))
    span = hours(t, start, end, all_day)
    days = (local_start.date() - today).days
    if days == 0:
        return t._("today, {hours}", hours=span)
    if days == 1:
        return t._("tomorrow, {hours}", hours=span)
    if 2 <= days <= 6:
        return t._("this {weekday}, {hours}", weekday=t.weekday(start), hours=span)
    return t._("{day}, {hours}", day=t.day(start, year=local_start.year != today.year), hours=span)


def distance(t: Translator, km: float) -> str:
    if km < 1:
        return t._("{meters} m", meters=t.number(max(50, round(km * 1000 / 50) * 50)))
    if km < 10:
        return t._("{km} km", km=t.number(round(km, 1)))
    return t._("{km} km", km=t.number(round(km)))


def price(t: Translator, cents: int | None) -> str | None:
    if cents is None:
        return None
    if cents == 0:
        return t._("Free")
    return t.money(cents / 100)
