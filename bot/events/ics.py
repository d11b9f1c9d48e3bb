"""Reading an iCalendar (.ics) agenda into occurrences: pure, no database.

`icalendar` parses; `recurring-ical-events` expands RRULE, RDATE, EXDATE and moved occurrences
(a VEVENT with a RECURRENCE-ID), with time zones. Each series (UID) is expanded on its own, so
one broken or absurd event is reported and skipped while the rest goes through:
- no UID, no DTSTART or no SUMMARY: skipped, with the reason;
- a rule repeating more than daily (HOURLY, MINUTELY, SECONDLY): skipped as absurd;
- more than MAX_PER_SERIES occurrences in the window: the first ones kept, and said so;
- text not in UTF-8: read as Windows-1252 (what spreadsheet exports use), and said so.

An occurrence's key is its source, UID and RECURRENCE-ID: a re-import finds the same rows, and
a moved occurrence keeps its row (and its reminders) with a new time.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from bot.events.data import CANCELLED, POPUP, SCHEDULED, EventData, Remark, ResidenceView
from bot.i18n import N_

WINDOW = timedelta(days=366)
MAX_PER_SERIES = 120
MAX_OCCURRENCES = 50_000
MAX_BYTES = 20 * 1024 * 1024
TOO_FREQUENT = {"SECONDLY", "MINUTELY", "HOURLY"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_KINDS = (
    (POPUP, ("popup", "pop-up", "ressourcerie", "recyclerie", "recycling")),
    ("museum", ("museum", "musée", "musee", "exposition", "exhibition")),
    ("heritage_tour", ("heritage", "patrimoine", "visite", "tour", "balade")),
    ("workshop", ("workshop", "atelier")),
)


class FeedError(Exception):
    """The whole file cannot be read: nothing is imported. `remark` says why, translatable."""

    def __init__(self, message: str, **values: Any) -> None:
        self.remark = Remark(message, **values)
        super().__init__(self.remark)


@dataclass
class Feed:
    occurrences: list[EventData] = field(default_factory=list)
    skipped: list[Remark] = field(default_factory=list)
    notes: list[Remark] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, Remark | None]:
    """The text of a feed, and a note when it was not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), Remark(N_("The file is in UTF-16: read as such."))
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), Remark(
            N_("The file is not in UTF-8: read as Windows-1252 (check the accents).")
        )


def _clean(value: Any, limit: int) -> str:
    return _CONTROL.sub("", str(value)).strip()[:limit]


def _texts(component: Any, name: str, default_lang: str, limit: int) -> dict[str, str]:
    """SUMMARY or DESCRIPTION, one per LANGUAGE parameter when the feed gives several."""
    values = component.get(name)
    if values is None:
        return {}
    out: dict[str, str] = {}
    for value in values if isinstance(values, list) else [values]:
        params = getattr(value, "params", {}) or {}
        lang = str(params.get("LANGUAGE") or default_lang).split("-")[0].lower()
        text = _clean(value, limit)
        if text and lang not in out:
            out[lang] = text
    return out


def _when(value: Any, tz: ZoneInfo) -> tuple[datetime, bool]:
    """(UTC datetime, all day): a DATE is a local midnight; a floating time is local."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=tz)
        return aware.astimezone(UTC), False
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=tz).astimezone(UTC), True
    raise ValueError(f"not a date: {value!r}")


def _zone_name(value: Any, default: ZoneInfo) -> str:
    """The IANA zone of a start time (its TZID), for the calendar file; else TIMEZONE."""
    name = getattr(getattr(value, "tzinfo", None), "key", None)
    if not name or name == "UTC":
        return default.key
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return default.key
    return str(name)


def _kind(component: Any) -> str:
    raw = component.get("CATEGORIES")
    words: list[str] = []
    for value in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        cats = getattr(value, "cats", None)
        words += [str(c).lower() for c in cats] if cats is not None else [str(value).lower()]
    for kind, names in _KINDS:
        if any(name in word for word in words for name in names):
            return kind
    return "other"


def _digest(text: str, size: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def _place(
    component: Any, residences: dict[str, ResidenceView]
) -> tuple[str | None, str, str, float | None, float | None]:
    location = _clean(component.get("LOCATION") or "", 500)
    name, _, address = location.partition(",")
    residence = residences.get(name.strip().lower())
    lat = lon = None
    geo = component.get("GEO")
    if geo is not None:
        try:
            lat, lon = float(geo.latitude), float(geo.longitude)
        except (AttributeError, TypeError, ValueError):
            lat = lon = None
        if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
            lat = lon = None
    if residence is not None:
        if lat is None:
            lat, lon = residence.latitude, residence.longitude
        return residence.id, residence.name, address.strip() or residence.address, lat, lon
    return None, name.strip()[:200], address.strip()[:300], lat, lon


class _Inherited:
    """An occurrence's properties, falling back on its series' master VEVENT."""

    _OWN = frozenset({"CATEGORIES", "LOCATION", "GEO", "DESCRIPTION", "URL"})

    def __init__(self, occurrence: Any, master: Any) -> None:
        self.occurrence, self.master = occurrence, master

    def get(self, name: str, default: Any = None) -> Any:
        value = self.occurrence.get(name)
        if value is None and name.upper() in self._OWN:
            value = self.master.get(name)
        return default if value is None else value


def _series_problem(components: list[Any], uid: str) -> Remark | None:
    for component in components:
        if component.get("DTSTART") is None:
            return Remark(N_("{uid}: no DTSTART (start date)."), uid=uid)
        try:
            start = component.decoded("DTSTART")
        except Exception:
            return Remark(N_("{uid}: DTSTART is not a date."), uid=uid)
        if not isinstance(start, date):
            return Remark(N_("{uid}: DTSTART is not a date."), uid=uid)
        rules = component.get("RRULE")
        for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
            freq = [str(f).upper() for f in (rule.get("FREQ") or [])]
            if not freq:
                return Remark(N_("{uid}: RRULE without FREQ."), uid=uid)
            if TOO_FREQUENT & set(freq):
                return Remark(
                    N_("{uid}: repeats {unit}: absurd for an event."), uid=uid, unit=freq[0].lower()
                )
    if not any(_texts(c, "SUMMARY", "x", 200) for c in components):
        return Remark(N_("{uid}: no SUMMARY (title)."), uid=uid)
    return None


def parse(
    data: bytes,
    *,
    source: str,
    now: datetime,
    tz: ZoneInfo,
    default_lang: str,
    residences: Iterable[ResidenceView] = (),
    popup_details: dict[str, Any] | None = None,
) -> Feed:
    """Occurrences from now to a year ahead. Raises FeedError when the file is unreadable."""
    if len(data) > MAX_BYTES:
        raise FeedError(N_("The file is over {mb} MB."), mb=MAX_BYTES // (1024 * 1024))
    text, note = decode(data)
    if "BEGIN:VCALENDAR" not in text[:4096].upper():
        raise FeedError(N_("Not an iCalendar file (no BEGIN:VCALENDAR)."))
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as exc:
        raise FeedError(
            N_("Not a valid iCalendar file: {detail}"), detail=_clean(exc, 200)
        ) from None
    feed = Feed()
    if note:
        feed.notes.append(note)
    by_name = {r.name.strip().lower(): r for r in residences}
    timezones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    series: dict[str, list[Any]] = {}
    for component in calendar.walk("VEVENT"):
        uid = _clean(component.get("UID") or "", 300)
        if not uid:
            title = _clean(component.get("SUMMARY") or "?", 60)
            feed.skipped.append(
                Remark(N_("An event without UID ({title}): cannot be tracked."), title=title)
            )
            continue
        series.setdefault(uid, []).append(component)
    window_end = now + WINDOW
    source_tag = f"ics:{_digest(source, 10)}"
    for uid, components in series.items():
        problem = _series_problem(components, uid)
        if problem:
            feed.skipped.append(problem)
            continue
        if len(feed.occurrences) >= MAX_OCCURRENCES:
            feed.skipped.append(
                Remark(
                    N_("{uid}: over {count} occurrences in this file."),
                    uid=uid,
                    count=MAX_OCCURRENCES,
                )
            )
            continue
        try:
            _expand(
                feed,
                uid,
                components,
                timezones,
                calendar,
                now,
                window_end,
                tz,
                source_tag,
                default_lang,
                by_name,
                popup_details or {},
            )
        except Exception as exc:  # a series the library cannot expand: report it, go on
            feed.skipped.append(
                Remark(N_("{uid}: cannot be read ({detail})."), uid=uid, detail=_clean(exc, 120))
            )
    return feed


def _expand(
    feed: Feed,
    uid: str,
    components: list[Any],
    timezones: list[Any],
    calendar: Any,
    now: datetime,
    window_end: datetime,
    tz: ZoneInfo,
    source_tag: str,
    default_lang: str,
    residences: dict[str, ResidenceView],
    popup_details: dict[str, Any],
) -> None:
    sub = icalendar.Calendar()
    for name in ("X-WR-TIMEZONE",):
        if calendar.get(name) is not None:
            sub.add(name, calendar.get(name))
    for zone in timezones:
        sub.add_component(zone)
    for component in components:
        sub.add_component(component)
    recurring = len(components) > 1 or any(
        c.get(p) is not None for c in components for p in ("RRULE", "RDATE")
    )
    series_key = f"{source_tag}:{_digest(uid, 24)}"
    master = next((c for c in components if c.get("RECURRENCE-ID") is None), components[0])
    query = recurring_ical_events.of(sub)
    for taken, occurrence in enumerate(itertools.islice(query.after(now), MAX_PER_SERIES + 1)):
        raw_start = occurrence.decoded("DTSTART")
        start, all_day = _when(raw_start, tz)
        if start > window_end:
            break
        if taken == MAX_PER_SERIES:
            feed.notes.append(
                Remark(
                    N_(
                        "{uid}: more than {count} occurrences in the coming year: "
                        "the first {count} kept."
                    ),
                    uid=uid,
                    count=MAX_PER_SERIES,
                )
            )
            break
        if occurrence.get("DTEND") is not None:
            end, _ = _when(occurrence.decoded("DTEND"), tz)
        elif occurrence.get("DURATION") is not None:
            end = start + occurrence.decoded("DURATION")
        else:
            end = start + (timedelta(days=1) if all_day else timedelta(0))
        if end < start:
            feed.notes.append(
                Remark(N_("{uid}: ends before it starts; taken as ending at its start."), uid=uid)
            )
            end = start
        key = series_key
        if recurring:
            rid = occurrence.get("RECURRENCE-ID")
            origin = _when(occurrence.decoded("RECURRENCE-ID"), tz)[0] if rid else start
            key = f"{series_key}:{origin.strftime('%Y%m%dT%H%M%SZ')}"
        # A moved or cancelled occurrence often says only what changed: the rest is the series'.
        described = _Inherited(occurrence, master)
        kind = _kind(described)
        residence_id, place, address, lat, lon = _place(described, residences)
        status = str(occurrence.get("STATUS") or "").upper()
        url = described.get("URL")
        feed.occurrences.append(
            EventData(
                key=key,
                series=series_key,
                kind=kind,
                starts_at=start,
                ends_at=end,
                timezone=_zone_name(raw_start, tz),
                titles=_texts(occurrence, "SUMMARY", default_lang, 200)
                or _texts(components[0], "SUMMARY", default_lang, 200),
                status=CANCELLED if status == "CANCELLED" else SCHEDULED,
                all_day=all_day,
                descriptions=_texts(described, "DESCRIPTION", default_lang, 2000),
                residence_id=residence_id,
                place=place,
                address=address,
                latitude=lat,
                longitude=lon,
                registration=_clean(url, 500) if url else None,
                details=dict(popup_details) if kind == POPUP else {},
            )
        )
