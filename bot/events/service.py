"""Events and pop-up shops: listings, places, staff changes, and keeping the table in step with
its sources (content rules, iCalendar feeds) without duplicates.

Every source hands a set of occurrences with stable keys; `_reconcile` adds what is new,
updates what changed, and treats what vanished from a source as cancelled. A change that
matters to residents (cancelled, moved, postponed) queues a notice for everyone who asked
for a reminder (bot/events/reminders.py). A staff member's cancel or move wins over later
imports of the same occurrence.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, system_clock
from bot.events import ics, schedule
from bot.events.content import EventsContent, EventSpec, PopupSpec
from bot.events.data import (
    CANCELLED,
    POPUP,
    POSTPONED,
    SCHEDULED,
    Change,
    EventData,
    EventView,
    FeedPreview,
    Nearby,
    Remark,
    Report,
    ResidenceView,
    pick,
)
from bot.events.geo import distance_km
from bot.events.models import Event, Reminder, Residence
from bot.events.reminders import (
    CANCELLED_NOTICE,
    MOVED,
    POSTPONED_NOTICE,
    queue_notices,
)
from bot.events.views import event_view, residence_view
from bot.i18n import N_
from bot.storage.database import Database
from bot.storage.upsert import upsert

log = logging.getLogger(__name__)
CONTENT = "content"
WEB = "web"  # added or edited in the staff back office: no import or sync touches it
# An event that started up to this long ago may still be on (a museum open for weeks): the
# bound lets the start-time index serve "what is still to come" queries.
LONGEST = timedelta(days=31)
# "The nearest pop-up shop" looks this far ahead: a date months away helps nobody choose, and
# the bound keeps the query to a few weeks of rows however long the agenda is.
NEARBY_HORIZON = timedelta(days=62)
_UPDATABLE = (
    "series",
    "kind",
    "status",
    "starts_at",
    "ends_at",
    "all_day",
    "timezone",
    "titles",
    "descriptions",
    "accessibility",
    "residence_id",
    "place",
    "address",
    "latitude",
    "longitude",
    "price_cents",
    "capacity",
    "registration",
    "details",
    "sample",
)
_TIMING = ("status", "starts_at", "ends_at", "all_day")


def _popup_data(spec: PopupSpec, day: Any, tz: ZoneInfo, default_lang: str) -> EventData:
    start, end = schedule.span(day, spec.when, tz)
    place = spec.place
    return EventData(
        key=f"{CONTENT}:{spec.id}:{day.isoformat()}",
        series=f"{CONTENT}:{spec.id}",
        kind=POPUP,
        starts_at=start,
        ends_at=end,
        timezone=tz.key,
        titles={default_lang: place.name},
        status=spec.status,
        descriptions=dict(spec.spot),
        residence_id=place.id if place.residence else None,
        place=place.name,
        address=f"{place.address}, {place.city}",
        latitude=place.latitude,
        longitude=place.longitude,
        details={
            "accepts": list(spec.accepts),
            "refuses": list(spec.refuses),
            "buying": spec.buying,
            "volunteer": spec.volunteer,
        },
        sample=spec.sample,
    )


def _event_data(spec: EventSpec, day: Any, tz: ZoneInfo) -> EventData:
    start, end = schedule.span(day, spec.when, tz)
    place = spec.place
    return EventData(
        key=f"{CONTENT}:{spec.id}:{day.isoformat()}",
        series=f"{CONTENT}:{spec.id}",
        kind=spec.kind,
        starts_at=start,
        ends_at=end,
        timezone=tz.key,
        titles=dict(spec.title),
        status=spec.status,
        descriptions=dict(spec.description),
        accessibility=dict(spec.accessibility),
        residence_id=place.id if place.residence else None,
        place=place.name,
        address=f"{place.address}, {place.city}",
        latitude=place.latitude,
        longitude=place.longitude,
        price_cents=spec.price_cents,
        capacity=spec.capacity,
        registration=spec.registration,
        sample=spec.sample,
    )


def _overridden(ids: list[str]) -> list[Remark]:
    message = N_(
        "places.yaml: {place} is managed in the back office now; its entry in the file "
        "is ignored (delete it there)."
    )
    return [Remark(message, place=place_id) for place_id in ids]


def source_name(location: str) -> str:
    """What names a feed: its URL, or its file's absolute path (so `agenda.ics` and
    `./agenda.ics` are the same feed, and what one lists no longer is cancelled)."""
    if location.startswith(("http://", "https://")):
        return location
    return str(Path(location.removeprefix("file://")).expanduser().resolve())


MAX_REDIRECTS = 5
PRIVATE = N_("{address}: a private network address, not allowed.")


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host is written as, if it is one (aiohttp connects to it unresolved)."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def _public(host: str) -> bool:
    """An address on the internet at large, not the server's own networks."""
    address = _address(host)
    return address is not None and address.is_global


class _PublicResolver:
    """aiohttp's resolver, refusing a name that resolves to a non-public address."""

    def __init__(self) -> None:
        import aiohttp

        self._inner = aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[dict[str, Any]]:
        found = await self._inner.resolve(host, port, family)
        if not found or not all(_public(entry["host"]) for entry in found):
            raise ics.FeedError(PRIVATE, address=host)
        return found

    async def close(self) -> None:
        await self._inner.close()


async def read_source(location: str, *, timeout: float = 30.0, public_only: bool = False) -> bytes:
    """The bytes of a feed: an http(s) URL or a file path. Raises ics.FeedError.

    `public_only` (addresses typed by staff): every host, redirects included, must resolve
    to public addresses only, checked on the addresses actually connected to (a name that
    resolves to 127.0.0.1 or 169.254.169.254 is refused, whatever it is called)."""
    if location.startswith(("http://", "https://")):
        import aiohttp
        from yarl import URL

        try:
            client_timeout = aiohttp.ClientTimeout(total=timeout)
            connector = aiohttp.TCPConnector(resolver=_PublicResolver()) if public_only else None
            async with aiohttp.ClientSession(timeout=client_timeout, connector=connector) as http:
                url = location
                for _ in range(MAX_REDIRECTS + 1):
                    host = URL(url).host or ""
                    if public_only and _address(host) is not None and not _public(host):
                        raise ics.FeedError(PRIVATE, address=url)
                    async with http.get(url, allow_redirects=False) as response:
                        target = response.headers.get("Location")
                        if response.status in (301, 302, 303, 307, 308) and target:
                            url = str(response.url.join(URL(target)))
                            continue
                        if response.status != 200:
                            raise ics.FeedError(
                                N_("{address}: the server answered HTTP {status}."),
                                address=location,
                                status=response.status,
                            )
                        return await response.content.read(ics.MAX_BYTES + 1)
                raise ics.FeedError(N_("{address}: too many redirects."), address=location)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ics.FeedError(
                N_("{address}: cannot be fetched ({detail})."),
                address=location,
                detail=type(exc).__name__,
            ) from None
    path = Path(location.removeprefix("file://")).expanduser()
    try:
        return await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise ics.FeedError(
            N_("{address}: cannot be read ({detail})."),
            address=location,
            detail=exc.strerror or exc,
        ) from None


class EventService:
    def __init__(
        self,
        db: Database,
        clock: Clock = system_clock,
        *,
        tz: ZoneInfo | None = None,
        default_locale: str = "fr",
    ) -> None:
        self._db = db
        self._clock = clock
        self.tz = tz or ZoneInfo("Europe/Paris")
        self.default_locale = default_locale
        self._popup_details: dict[str, Any] = {}

    # -- sources

    @property
    def popup_details(self) -> dict[str, Any]:
        """What a pop-up shop from a feed or the back office takes by default."""
        return dict(self._popup_details)

    def use_content(self, content: EventsContent) -> None:
        """What a pop-up shop from a feed takes: the item list's defaults."""
        takeable = [i.id for i in content.items if i.accepted != "never"]
        self._popup_details = {"accepts": takeable, "refuses": [], "buying": True}

    async def sync_content(self, content: EventsContent) -> Report:
        """Residences and the content rules' occurrences, from today to the horizon. When
        nothing changed (most start-ups, most runs of the periodic sync), nothing is written."""
        now = self._clock()
        today = now.astimezone(self.tz).date()
        self.use_content(content)
        residences = {
            p.id: (
                p.name,
                p.address,
                p.city,
                p.latitude,
                p.longitude,
                list(p.entrances),
                p.sample,
                list(p.languages) or None,
            )
            for p in content.residences
        }
        async with self._db.reading() as session:
            stored: dict[str, tuple[Any, ...]] = {}
            owned_by_web: set[str] = set()
            for row in await session.execute(
                select(
                    Residence.id,
                    Residence.source,
                    Residence.name,
                    Residence.address,
                    Residence.city,
                    Residence.latitude,
                    Residence.longitude,
                    Residence.entrances,
                    Residence.sample,
                    Residence.languages,
                )
            ):
                if row[1] == WEB:
                    owned_by_web.add(row[0])
                else:
                    stored[row[0]] = tuple(row[2:])
            upcoming = await session.execute(
                select(Event.series, Event.starts_at).where(
                    Event.source == CONTENT, Event.ends_at > now
                )
            )
            rolling: dict[str, list[Any]] = {}
            for series, starts_at in upcoming.all():
                rolling.setdefault(series, []).append(starts_at.astimezone(self.tz).date())
            desired = self._content_occurrences(content, today, rolling, now)
            todo, gone, unchanged = await self._plan(session, CONTENT, desired, now)
        # The back office owns the residences staff added or edited: the file never overwrites
        # them (nor deletes them); its entry for one of them is reported as overridden.
        overridden = sorted(owned_by_web & set(residences))
        changed_places = {
            k: v for k, v in residences.items() if k not in owned_by_web and stored.get(k) != v
        }
        removed_places = set(stored) - set(residences)
        if not todo and not gone and not changed_places and not removed_places:
            return Report(unchanged=unchanged, notes=_overridden(overridden))
        async with self._db.session() as session:
            for place_id, values in changed_places.items():
                names = (
                    "name",
                    "address",
                    "city",
                    "latitude",
                    "longitude",
                    "entrances",
                    "sample",
                    "languages",
                )
                columns = dict(zip(names, values, strict=True))
                await session.execute(
                    upsert(
                        self._db.dialect,
                        Residence.__table__,  # type: ignore[arg-type]
                        {"id": place_id, **columns, "source": CONTENT, "updated_at": now},
                        key=["id"],
                        update=[*columns, "updated_at"],
                    )
                )
            if removed_places:
                await session.execute(
                    delete(Residence).where(
                        Residence.id.in_(sorted(removed_places)), Residence.source == CONTENT
                    )
                )
            report = await self._reconcile(session, CONTENT, desired, now)
            report.notes += _overridden(overridden)
            return report

    def _content_occurrences(
        self,
        content: EventsContent,
        today: Any,
        rolling: dict[str, list[Any]],
        now: datetime,
    ) -> dict[str, EventData]:
        desired: dict[str, EventData] = {}
        specs: list[PopupSpec | EventSpec] = [*content.popups, *content.events]
        for spec in specs:
            series = f"{CONTENT}:{spec.id}"
            if spec.when.in_days is not None and rolling.get(series):
                days = rolling[series]  # the one planned stays while it is upcoming
            else:
                days = schedule.days(spec.when, today)
            for day in days:
                if isinstance(spec, PopupSpec):
                    data = _popup_data(spec, day, self.tz, self.default_locale)
                else:
                    data = _event_data(spec, day, self.tz)
                if data.ends_at > now:
                    desired[data.key] = data
        return desired

    async def _plan(
        self, session: AsyncSession, source: str, desired: dict[str, EventData], now: datetime
    ) -> tuple[list[str], list[str], int]:
        """(keys to add or update, keys gone from the source, how many are unchanged)."""
        stored: dict[str, str] = {}
        settled: set[str] = set()  # cancelled, or changed by staff: nothing to do when gone
        for key, checksum, status, staff_changed in await session.execute(
            select(Event.key, Event.checksum, Event.status, Event.staff_changed).where(
                Event.source == source, Event.ends_at > now
            )
        ):
            stored[key] = checksum
            if status == CANCELLED or staff_changed:
                settled.add(key)
        todo = [k for k, d in desired.items() if stored.get(k) != d.checksum()]
        gone = [k for k in stored if k not in desired and k not in settled]
        return todo, gone, len(desired) - len(todo)

    async def _parse_feed(self, data: bytes, source: str, now: datetime) -> tuple[ics.Feed, str]:
        name = source_name(source)
        residences = await self.residences()
        feed = await asyncio.to_thread(
            ics.parse,
            data,
            source=name,
            now=now,
            tz=self.tz,
            default_lang=self.default_locale,
            residences=residences,
            popup_details=self._popup_details,
        )
        return feed, f"ics:{name}"[:255]

    async def import_feed(self, data: bytes, source: str) -> Report:
        """An iCalendar agenda; what it no longer lists is taken as cancelled. Raises
        ics.FeedError when the file cannot be read at all."""
        now = self._clock()
        feed, key = await self._parse_feed(data, source, now)
        desired = {o.key: o for o in feed.occurrences}
        async with self._db.session() as session:
            report = await self._reconcile(session, key, desired, now)
        report.skipped = feed.skipped + report.skipped
        report.notes = feed.notes + report.notes
        return report

    async def preview_feed(self, data: bytes, source: str) -> FeedPreview:
        """What `import_feed` would change, read only: nothing is written. Raises
        ics.FeedError when the file cannot be read at all."""
        now = self._clock()
        feed, key = await self._parse_feed(data, source, now)
        desired = {o.key: o for o in feed.occurrences}
        preview = FeedPreview(skipped=list(feed.skipped), notes=list(feed.notes))
        async with self._db.reading() as session:
            stored = {
                row.key: row
                for row in (
                    await session.execute(
                        select(
                            Event.id,
                            Event.key,
                            Event.checksum,
                            Event.status,
                            Event.staff_changed,
                            Event.starts_at,
                            Event.titles,
                        ).where(Event.source == key, Event.ends_at > now)
                    )
                ).all()
            }
            touched: list[int] = []
            for k, data_ in sorted(desired.items(), key=lambda pair: pair[1].starts_at):
                title = pick(data_.titles, self.default_locale, self.default_locale)
                row = stored.get(k)
                if row is None:
                    target = preview.cancelled if data_.status == CANCELLED else preview.added
                    target.append(Change(title, data_.starts_at))
                elif row.checksum == data_.checksum():
                    preview.unchanged += 1
                elif row.staff_changed:
                    preview.kept.append(Change(title, row.starts_at))
                elif data_.status == CANCELLED and row.status != CANCELLED:
                    preview.cancelled.append(Change(title, row.starts_at))
                    touched.append(row.id)
                elif data_.starts_at != row.starts_at:
                    preview.moved.append(Change(title, data_.starts_at, row.starts_at))
                    touched.append(row.id)
                else:
                    preview.updated.append(Change(title, data_.starts_at))
            for k, row in stored.items():
                if k not in desired and row.status != CANCELLED and not row.staff_changed:
                    title = pick(row.titles, self.default_locale, self.default_locale)
                    preview.cancelled.append(Change(title, row.starts_at))
                    touched.append(row.id)
            if touched:
                preview.reminded = int(
                    await session.scalar(
                        select(func.count(func.distinct(Reminder.user_id))).where(
                            Reminder.event_id.in_(touched)
                        )
                    )
                    or 0
                )
        return preview

    async def _reconcile(
        self, session: AsyncSession, source: str, desired: dict[str, EventData], now: datetime
    ) -> Report:
        report = Report()
        todo, gone_keys, report.unchanged = await self._plan(session, source, desired, now)
        existing: dict[str, Event] = {}
        wanted = todo + gone_keys
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for row in await session.scalars(select(Event).where(Event.key.in_(chunk))):
                existing[row.key] = row
        changes: list[tuple[Event, str]] = []
        for key in todo:
            data = desired[key]
            checksum = data.checksum()
            row = existing.get(key)
            if row is None:
                session.add(
                    Event(
                        **data.columns(),
                        source=source,
                        checksum=checksum,
                        updated_at=now,
                        staff_changed=False,
                    )
                )
                if data.status == CANCELLED:
                    report.cancelled += 1
                else:
                    report.added += 1
                continue
            if row.checksum == checksum:
                report.unchanged += 1
                continue
            old_start, old_status = row.starts_at, row.status
            columns = data.columns()
            for name in _UPDATABLE:
                if row.staff_changed and name in _TIMING:
                    continue
                setattr(row, name, columns[name])
            row.checksum, row.updated_at = checksum, now
            if row.staff_changed:
                report.kept_staff_changes += 1
                continue
            if row.status == CANCELLED and old_status != CANCELLED:
                report.cancelled += 1
                changes.append((row, CANCELLED_NOTICE))
            elif row.status == POSTPONED and old_status != POSTPONED:
                report.updated += 1
                changes.append((row, POSTPONED_NOTICE))
            elif row.status == SCHEDULED and (
                row.starts_at != old_start or old_status != SCHEDULED
            ):
                report.updated += 1
                report.moved += 1
                row.previous_starts_at = old_start
                changes.append((row, MOVED))
            else:
                report.updated += 1
        gone = [existing[key] for key in gone_keys if key in existing]
        if gone:
            subscribed = set(
                await session.scalars(
                    select(Reminder.event_id)
                    .where(Reminder.event_id.in_([r.id for r in gone]))
                    .distinct()
                )
            )
            for row in gone:
                if row.status == CANCELLED or row.staff_changed:
                    continue
                if source == CONTENT and row.id not in subscribed:
                    await session.delete(row)
                    report.removed += 1
                    continue
                row.status, row.updated_at = CANCELLED, now
                report.cancelled += 1
                changes.append((row, CANCELLED_NOTICE))
        await session.flush()
        report.changed_events = [row.id for row, _ in changes]
        report.notified = await queue_notices(
            session, self._db.dialect, [(row.id, kind) for row, kind in changes], now, self.tz
        )
        return report

    # -- staff

    async def cancel(self, event_id: int) -> tuple[EventView | None, int]:
        """Cancel an occurrence; returns it and how many residents will be told."""
        now = self._clock()
        async with self._db.session() as session:
            row = await session.get(Event, event_id)
            if row is None:
                return None, 0
            if row.status == CANCELLED:
                return event_view(row), 0
            row.status, row.staff_changed, row.updated_at = CANCELLED, True, now
            await session.flush()
            told = await queue_notices(
                session, self._db.dialect, [(row.id, CANCELLED_NOTICE)], now, self.tz
            )
            return event_view(row), told

    async def move(self, event_id: int, starts_at: datetime) -> tuple[EventView | None, int]:
        """Move an occurrence to a new start (same duration); it is scheduled again."""
        now = self._clock()
        async with self._db.session() as session:
            row = await session.get(Event, event_id)
            if row is None:
                return None, 0
            duration = row.ends_at - row.starts_at
            row.previous_starts_at = row.starts_at
            row.starts_at, row.ends_at = starts_at, starts_at + duration
            row.status, row.staff_changed, row.updated_at = SCHEDULED, True, now
            await session.flush()
            told = await queue_notices(session, self._db.dialect, [(row.id, MOVED)], now, self.tz)
            return event_view(row), told

    # -- residents

    async def get(self, event_id: int) -> EventView | None:
        async with self._db.reading() as session:
            row = await session.get(Event, event_id)
            return event_view(row) if row is not None else None

    def _still_on(self, now: datetime) -> Any:
        return (Event.starts_at > now - LONGEST) & (Event.ends_at > now)

    async def upcoming(
        self, *, kinds: Iterable[str], offset: int = 0, limit: int = 5
    ) -> tuple[list[EventView], bool]:
        """The next occurrences of these kinds, soonest first; and whether more follow."""
        now = self._clock()
        async with self._db.reading() as session:
            rows = await session.scalars(
                select(Event)
                .where(self._still_on(now), Event.kind.in_(list(kinds)))
                .order_by(Event.starts_at, Event.id)
                .offset(offset)
                .limit(limit + 1)
            )
            found = [event_view(r) for r in rows]
        return found[:limit], len(found) > limit

    async def count_upcoming(self, kinds: Iterable[str]) -> int:
        now = self._clock()
        async with self._db.reading() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(Event)
                    .where(self._still_on(now), Event.kind.in_(list(kinds)))
                )
                or 0
            )

    async def popups_at(self, residence_id: str, *, limit: int = 3) -> list[EventView]:
        now = self._clock()
        async with self._db.reading() as session:
            rows = await session.scalars(
                select(Event)
                .where(self._still_on(now), Event.kind == POPUP, Event.residence_id == residence_id)
                .order_by(Event.starts_at, Event.id)
                .limit(limit)
            )
            return [event_view(r) for r in rows]

    async def nearest_popups(
        self, latitude: float, longitude: float, *, limit: int = 3, skip: str | None = None
    ) -> list[Nearby]:
        """The next pop-up shop at each of the `limit` nearest places that have one coming
        (not cancelled), nearest first; `skip` leaves out a residence already shown."""
        now = self._clock()
        place = (Event.residence_id, Event.place, Event.latitude, Event.longitude)
        coming = (
            self._still_on(now),
            Event.starts_at < now + NEARBY_HORIZON,
            Event.kind == POPUP,
            Event.status != CANCELLED,
            Event.latitude.is_not(None),
        )
        async with self._db.reading() as session:
            # One row per place (a few hundred at most), not one per occurrence.
            places = await session.execute(select(*place).where(*coming).distinct())
            ranked = sorted(
                (
                    (distance_km(latitude, longitude, lat, lon), (residence_id, name, lat, lon))
                    for residence_id, name, lat, lon in places.all()
                    if skip is None or residence_id != skip
                ),
                key=lambda pair: pair[0],
            )[:limit]
            out = []
            for km, (residence_id, name, lat, lon) in ranked:
                same_place = (
                    Event.residence_id == residence_id
                    if residence_id is not None
                    else (Event.residence_id.is_(None))
                    & (Event.place == name)
                    & (Event.latitude == lat)
                    & (Event.longitude == lon)
                )
                row = await session.scalar(
                    select(Event)
                    .where(*coming, same_place)
                    .order_by(Event.starts_at, Event.id)
                    .limit(1)
                )
                if row is not None:
                    out.append(Nearby(event_view(row), km))
        return out

    async def next_popups(self, *, limit: int = 5) -> list[EventView]:
        found, _ = await self.upcoming(kinds=(POPUP,), limit=limit)
        return found

    async def residences(self) -> list[ResidenceView]:
        async with self._db.reading() as session:
            rows = await session.scalars(select(Residence).order_by(Residence.city, Residence.name))
            return [residence_view(r) for r in rows]

    async def residence(self, residence_id: str | None) -> ResidenceView | None:
        if not residence_id:
            return None
        async with self._db.reading() as session:
            row = await session.get(Residence, residence_id)
            return residence_view(row) if row is not None else None

    async def nearest_residences(
        self, latitude: float, longitude: float, *, limit: int = 3
    ) -> list[tuple[ResidenceView, float]]:
        ranked = [
            (r, distance_km(latitude, longitude, r.latitude, r.longitude))
            for r in await self.residences()
        ]
        ranked.sort(key=lambda pair: pair[1])
        return ranked[:limit]

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def parse_local(self, text: str) -> datetime | None:
        """ "2026-12-05 14:00" (local time) -> UTC; None when it is not such a date."""
        try:
            naive = datetime.strptime(" ".join(text.split()), "%Y-%m-%d %H:%M")
        except ValueError:
            return None
        return naive.replace(tzinfo=self.tz).astimezone(UTC)
