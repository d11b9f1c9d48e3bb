"""Shared by the events tests: reading keyboards, finding sample events, feeds."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bot.events.data import EventView
from tests.conftest import Harness


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for b in buttons(message)]


def data_of(message: dict[str, Any]) -> list[str]:
    return [b.get("callback_data", "") for b in buttons(message)]


def button_data(message: dict[str, Any], startswith: str) -> str:
    """The callback data of the first button whose label starts with `startswith`."""
    for button in buttons(message):
        if button["text"].startswith(startswith):
            return str(button.get("callback_data") or button.get("url"))
    raise AssertionError(f"no button {startswith!r} in {labels(message)}")


def deep_link_payload(share_url: str) -> str:
    """The /start payload inside a t.me/share/url?url=... button."""
    inner = unquote(parse_qs(urlsplit(share_url).query)["url"][0])
    return parse_qs(urlsplit(inner).query)["start"][0]


async def event_titled(harness: Harness, title: str, kinds: tuple[str, ...]) -> EventView:
    events, _ = await harness.services.events.upcoming(kinds=kinds, limit=200)
    found = [e for e in events if title in e.title("fr", "fr")]
    assert found, f"no upcoming event titled {title!r}"
    return found[0]


def ics(*events: str, tz: bool = True) -> bytes:
    """A VCALENDAR around VEVENT bodies (CRLF lines), with Europe/Paris's VTIMEZONE."""
    zone = [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Paris",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Association//Agenda//FR"]
    lines += zone if tz else []
    for body in events:
        lines += ["BEGIN:VEVENT", *body.strip().splitlines(), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(line.strip() for line in lines) + "\r\n").encode()


def local(moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d %H:%M")
