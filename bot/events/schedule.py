"""The dates of content rules, from today: pure functions, local hours turned into UTC.

Hours are local to TIMEZONE and converted day by day, so a 10:00 pop-up shop stays at 10:00
on both sides of a daylight-saving change (08:00 UTC in summer, 09:00 UTC in winter).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.events.content import ORDINALS, WEEKDAYS, When

HORIZON_DAYS = 60  # how far ahead content rules are planned (the daily sync moves it on)
EPOCH = date(2024, 1, 1)  # a Monday: "every other week" counts weeks from it


def _hour(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def span(day: date, when: When, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end in UTC of the rule's hours on a local day (an end before the start is
    the next morning)."""
    start = datetime.combine(day, _hour(when.start), tzinfo=tz)
    end = datetime.combine(day, _hour(when.end), tzinfo=tz)
    if end <= start:
        end = datetime.combine(day + timedelta(days=1), _hour(when.end), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    days = [
        d
        for d in calendar.Calendar().itermonthdates(year, month)
        if d.month == month and d.weekday() == weekday
    ]
    if nth == -1:
        return days[-1]
    return days[nth - 1] if nth <= len(days) else None


def days(when: When, today: date, horizon: int = HORIZON_DAYS) -> list[date]:
    """The local days a rule gives from today to today + horizon. A rolling one-off ("in")
    gives today + N: the service keeps the one already planned while it is upcoming."""
    last = today + timedelta(days=horizon)
    if when.on is not None:
        return [when.on] if today <= when.on <= last else []
    if when.in_days is not None:
        return [today + timedelta(days=when.in_days)]
    assert when.every is not None
    parts = when.every.split()
    weekday = WEEKDAYS.index(parts[-1])
    if len(parts) == 1:
        first = today + timedelta(days=(weekday - today.weekday()) % 7)
        out = []
        day = first
        while day <= last:
            if ((day - EPOCH).days // 7) % when.weeks == 0:
                out.append(day)
            day += timedelta(days=7)
        return out
    nth = ORDINALS[parts[0]]
    out = []
    year, month = today.year, today.month
    while date(year, month, 1) <= last:
        day_ = _nth_weekday(year, month, weekday, nth)
        if day_ is not None and today <= day_ <= last:
            out.append(day_)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
