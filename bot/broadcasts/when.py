"""When an announcement goes out: dates typed as staff type them, and weekly repeats.

Staff write "demain 18h", "25/12 9:00", "tomorrow 6pm", "الاثنين 9:00": `dateparser` reads
them in their language (and French, the association's), in the assistant's time zone, the
future preferred; "18h" / "9h30" are rewritten "18:00" / "9:30" first, which dateparser
would otherwise read as a number of hours. Weekly repeats are {"days": [0..6], "time":
"HH:MM"}, local time; each occurrence is computed, never stored ahead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

HOURS = re.compile(r"(?<![\d:])(\d{1,2})\s*[hH](?:\s*(\d{2}))?(?!\w)")
CLI_FORMAT = "%Y-%m-%d %H:%M"


class WhenError(ValueError):
    """A date that cannot be used: not understood, or in the past."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "unreadable" or "past"


def parse_typed(text: str, lang: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A date and time typed by staff, as an aware UTC datetime in the future."""
    import dateparser  # only staff type dates: kept off the start-up path

    cleaned = HOURS.sub(lambda m: f"{int(m.group(1))}:{m.group(2) or '00'}", text.strip())
    languages = list(dict.fromkeys([lang, "fr", "en"]))
    local_now = now.astimezone(tz)
    parsed = dateparser.parse(
        cleaned,
        languages=languages,
        settings={
            "TIMEZONE": str(tz),
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": local_now.replace(tzinfo=None),
            "DATE_ORDER": "MDY" if _us_order(cleaned) else "DMY",
        },
    )
    if parsed is None:
        raise WhenError("unreadable")
    moment = parsed.astimezone(ZoneInfo("UTC"))
    if moment <= now:
        raise WhenError("past")
    return moment


def _us_order(text: str) -> bool:
    """12/25 can only be month/day; 25/12 and 05/06 read day first, as in France."""
    match = re.search(r"\b(\d{1,2})/(\d{1,2})\b", text)
    return bool(match) and int(match.group(2)) > 12


def parse_cli(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """`--at "YYYY-MM-DD HH:MM"`, local time."""
    try:
        local = datetime.strptime(text.strip(), CLI_FORMAT).replace(tzinfo=tz)
    except ValueError:
        raise WhenError("unreadable") from None
    moment = local.astimezone(ZoneInfo("UTC"))
    if moment <= now:
        raise WhenError("past")
    return moment


@dataclass(frozen=True)
class Weekly:
    days: tuple[int, ...]  # 0 = Monday
    at: time

    def to_data(self) -> dict[str, Any]:
        return {"days": list(self.days), "time": self.at.strftime("%H:%M")}

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> Weekly | None:
        if not data:
            return None
        hour, minute = (int(part) for part in str(data["time"]).split(":"))
        return cls(tuple(sorted({int(d) % 7 for d in data["days"]})), time(hour, minute))

    def next_after(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The first occurrence strictly after `moment` (aware), in UTC."""
        local = moment.astimezone(tz)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            if day.weekday() not in self.days:
                continue
            candidate = datetime.combine(day, self.at, tzinfo=tz)
            if candidate > local:
                return candidate.astimezone(ZoneInfo("UTC"))
        raise ValueError("a weekly repeat needs at least one day")
