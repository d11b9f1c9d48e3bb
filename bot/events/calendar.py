"""One event as an .ics file a phone's calendar app imports ("add to my calendar").

Times are written in the event's own time zone with its VTIMEZONE, so the calendar shows the
right hour whatever zone the phone is in, across daylight-saving changes.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bot.events.data import CANCELLED, EventView

PRODID = "-//Residents' assistant//Events//EN"
_SLUG = re.compile(r"[^a-z0-9]+")


def file_name(event: EventView, title: str) -> str:
    slug = _SLUG.sub("-", title.lower()).strip("-")[:40] or "event"
    return f"{slug}-{event.id}.ics"


def to_ics(
    event: EventView,
    *,
    title: str,
    description: str,
    location: str,
    url: str | None,
    domain: str,
    stamp: datetime,
) -> bytes:
    """A VCALENDAR with one VEVENT. `stamp` is now (DTSTAMP), from the injected clock."""
    tz = ZoneInfo(event.timezone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    vevent = icalendar.Event()
    vevent.add("uid", f"event-{event.id}@{domain}")
    vevent.add("dtstamp", stamp)
    if event.all_day:
        first: date = event.starts_at.astimezone(tz).date()
        last = max(event.ends_at.astimezone(tz).date(), first + timedelta(days=1))
        vevent.add("dtstart", first)
        vevent.add("dtend", last)
    else:
        vevent.add("dtstart", event.starts_at.astimezone(tz))
        vevent.add("dtend", max(event.ends_at, event.starts_at).astimezone(tz))
    vevent.add("summary", title)
    if description:
        vevent.add("description", description)
    if location:
        vevent.add("location", location)
    if event.has_map:
        vevent.add("geo", (event.latitude, event.longitude))
    if url:
        vevent.add("url", url)
    vevent.add("status", "CANCELLED" if event.status == CANCELLED else "CONFIRMED")
    calendar.add_component(vevent)
    if not event.all_day:
        year = event.starts_at.year
        calendar.add_missing_timezones(
            first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1)
        )
    return bytes(calendar.to_ical())
