"""What staff change from the back office: residences, and events they add or edit.

Ownership keeps every row with one source of truth (bot/events/models.py): residences and
events written here have the source "web"; the content sync and iCalendar imports reconcile
only their own sources, so they never overwrite these. An event from the content files or a
feed is not edited here (its source would bring the old text back): staff move or cancel it
(EventService.move / cancel, which a later import respects), or duplicate it into a web event.
Moving or cancelling tells the residents who asked for a reminder, as the bot's commands do.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select

from bot.clock import Clock, system_clock
from bot.events.data import CANCELLED, EVENT_KINDS, POPUP, SCHEDULED, EventView, ResidenceView
from bot.events.models import Event, Residence
from bot.events.reminders import MOVED, queue_notices
from bot.events.service import WEB, EventService
from bot.events.views import event_view, residence_view
from bot.storage.database import Database

KINDS = (POPUP, *EVENT_KINDS)
MAX_TITLE = 100
MAX_DESCRIPTION = 2000
LONGEST_EVENT = timedelta(days=62)


class EditError(Exception):
    """A change refused, with a reason code the back office words for the staff member:
    past, order, too_long, title, kind, residence, not_web, unknown, name, place, coordinates."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class EventForm:
    """An event as staff describe it (times in UTC)."""

    kind: str
    titles: dict[str, str]
    starts_at: datetime
    ends_at: datetime
    descriptions: dict[str, str] = field(default_factory=dict)
    residence_id: str | None = None
    place: str = ""
    address: str = ""
    price_cents: int | None = None
    capacity: int | None = None
    registration: str | None = None


@dataclass(frozen=True)
class ResidenceForm:
    name: str
    address: str
    city: str
    latitude: float
    longitude: float
    entrances: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


def slug(text: str) -> str:
    """ "Résidence Les Lilas, Pantin" -> "residence-les-lilas-pantin" (a residence's id)."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:40].strip("-")


class EventEditor:
    def __init__(self, db: Database, events: EventService, clock: Clock = system_clock) -> None:
        self._db = db
        self._events = events
        self._clock = clock

    # -- residences

    async def save_residence(self, residence_id: str | None, form: ResidenceForm) -> ResidenceView:
        """Add (no id) or edit a residence; it is the back office's from then on."""
        if not form.name.strip() or not form.address.strip() or not form.city.strip():
            raise EditError("name")
        if not (-90 <= form.latitude <= 90 and -180 <= form.longitude <= 180):
            raise EditError("coordinates")
        now = self._clock()
        async with self._db.session() as session:
            if residence_id is None:
                base = slug(f"{form.name} {form.city.split()[-1] if form.city.split() else ''}")
                if len(base) < 2:
                    raise EditError("name")
                residence_id = base
                suffix = 2
                while await session.get(Residence, residence_id) is not None:
                    residence_id = f"{base[:36]}-{suffix}"
                    suffix += 1
                row = Residence(id=residence_id, sample=False)
                session.add(row)
            else:
                found = await session.get(Residence, residence_id)
                if found is None:
                    raise EditError("unknown")
                row = found
            row.name, row.address, row.city = (
                form.name.strip()[:200],
                form.address.strip()[:300],
                form.city.strip()[:100],
            )
            row.latitude, row.longitude = form.latitude, form.longitude
            row.entrances = [e.strip()[:64] for e in form.entrances if e.strip()]
            row.languages = list(form.languages) or None
            row.source, row.updated_at = WEB, now
            await session.flush()
            return residence_view(row)

    # -- events

    def _check(self, form: EventForm) -> None:
        now = self._clock()
        if form.kind not in KINDS:
            raise EditError("kind")
        titles = {k: v.strip() for k, v in form.titles.items() if v.strip()}
        if not titles or any(len(t) > MAX_TITLE for t in titles.values()):
            raise EditError("title")
        if form.ends_at <= form.starts_at:
            raise EditError("order")
        if form.ends_at - form.starts_at > LONGEST_EVENT:
            raise EditError("too_long")
        if form.starts_at < now:
            raise EditError("past")
        if form.residence_id is None and not form.place.strip():
            raise EditError("place")

    async def _columns(self, form: EventForm) -> dict[str, Any]:
        place, address, lat, lon = form.place.strip()[:200], form.address.strip()[:300], None, None
        if form.residence_id is not None:
            residence = await self._events.residence(form.residence_id)
            if residence is None:
                raise EditError("residence")
            place = place or residence.name
            address = address or f"{residence.address}, {residence.city}"
            lat, lon = residence.latitude, residence.longitude
        details: dict[str, Any] = {}
        if form.kind == POPUP:
            details = self._events.popup_details or {"accepts": [], "buying": True}
        return {
            "kind": form.kind,
            "titles": {k: v.strip() for k, v in form.titles.items() if v.strip()},
            "descriptions": {
                k: v.strip()[:MAX_DESCRIPTION] for k, v in form.descriptions.items() if v.strip()
            },
            "starts_at": form.starts_at,
            "ends_at": form.ends_at,
            "timezone": self._events.tz.key,
            "residence_id": form.residence_id,
            "place": place,
            "address": address,
            "latitude": lat,
            "longitude": lon,
            "price_cents": form.price_cents,
            "capacity": form.capacity,
            "registration": (form.registration or "").strip()[:500] or None,
            "details": details,
        }

    async def create(self, form: EventForm) -> EventView:
        self._check(form)
        columns = await self._columns(form)
        now = self._clock()
        key = f"{WEB}:{secrets.token_hex(8)}"
        async with self._db.session() as session:
            row = Event(
                **columns,
                key=key,
                source=WEB,
                series=key,
                status=SCHEDULED,
                all_day=False,
                accessibility={},
                sample=False,
                staff_changed=False,
                checksum="",
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            return event_view(row)

    async def update(self, event_id: int, form: EventForm) -> tuple[EventView, int]:
        """Edit an event added in the back office; a new start tells those reminded."""
        self._check(form)
        columns = await self._columns(form)
        now = self._clock()
        async with self._db.session() as session:
            row = await session.get(Event, event_id)
            if row is None:
                raise EditError("unknown")
            if row.source != WEB:
                raise EditError("not_web")
            if row.status == CANCELLED:
                raise EditError("cancelled")
            moved = row.starts_at != form.starts_at
            if moved:
                row.previous_starts_at = row.starts_at
            for name, value in columns.items():
                setattr(row, name, value)
            row.updated_at = now
            await session.flush()
            told = 0
            if moved:
                told = await queue_notices(
                    session, self._db.dialect, [(row.id, MOVED)], now, self._events.tz
                )
            return event_view(row), told

    async def source_of(self, event_id: int) -> str | None:
        async with self._db.reading() as session:
            return await session.scalar(select(Event.source).where(Event.id == event_id))

    # -- listings

    def _where(self, residence: str | None) -> list[Any]:
        if residence is None:
            return []
        if residence == "":
            return [Event.residence_id.is_(None)]
        return [Event.residence_id == residence]

    async def page(
        self,
        *,
        residence: str | None = None,
        kinds: tuple[str, ...] = KINDS,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[EventView], int]:
        """What is still to come (cancelled ones too, marked), soonest first, and how many."""
        now = self._clock()
        where = [Event.ends_at > now, Event.kind.in_(list(kinds)), *self._where(residence)]
        async with self._db.reading() as session:
            total = int(
                await session.scalar(select(func.count()).select_from(Event).where(*where)) or 0
            )
            rows = await session.scalars(
                select(Event)
                .where(*where)
                .order_by(Event.starts_at, Event.id)
                .offset(offset)
                .limit(limit)
            )
            return [event_view(r) for r in rows], total

    async def month(
        self,
        start: datetime,
        end: datetime,
        tz: tzinfo,
        *,
        residence: str | None = None,
        per_day: int = 6,
    ) -> tuple[dict[int, list[EventView]], dict[int, int]]:
        """A month of the calendar: occurrences starting in [start, end) by local day of the
        month (the first `per_day` of each day, soonest first) and how many each day has.
        Only the shown ones are loaded whole; the others are counted from (id, start)."""
        where = [Event.starts_at >= start, Event.starts_at < end, *self._where(residence)]
        counts: dict[int, int] = {}
        shown: list[int] = []
        async with self._db.reading() as session:
            stamps = await session.execute(
                select(Event.id, Event.starts_at)
                .where(*where)
                .order_by(Event.starts_at, Event.id)
                .limit(2000)
            )
            for event_id, starts_at in stamps:
                day = starts_at.astimezone(tz).day
                counts[day] = counts.get(day, 0) + 1
                if counts[day] <= per_day:
                    shown.append(event_id)
            by_day: dict[int, list[EventView]] = {}
            for first in range(0, len(shown), 500):
                rows = await session.scalars(
                    select(Event)
                    .where(Event.id.in_(shown[first : first + 500]))
                    .order_by(Event.starts_at, Event.id)
                )
                for row in rows:
                    event = event_view(row)
                    by_day.setdefault(event.starts_at.astimezone(tz).day, []).append(event)
        return by_day, counts
