"""What's on, at scale: importing an agenda, listing the next events, the nearest pop-up shop.

Builds a fresh SQLite database (the default backend) with 200 residences, imports a
2,000-event iCalendar feed (timed: target under 5 s; then imported again, which must change
nothing), fills up to 5,000 events with a second feed, then times, over many random calls:
- the next events (a page of 5, any kind or one kind, first pages), as the listing does;
- the nearest pop-up shops to a random location in Île-de-France, as a shared location does;
- the next pop-up shops at a residence, as the recycling screen does.
Target: p95 under 20 ms each. Run: python -m bench.events [--calls 500]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.events.content import EventsContent, Place
from bot.events.data import EVENT_KINDS
from bot.events.service import EventService
from bot.storage.database import Database
from bot.storage.migrate import upgrade

PARIS = ZoneInfo("Europe/Paris")
CATEGORIES = ["Ressourcerie", "Musée", "Patrimoine", "Atelier", "Concert"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def residences(count: int, rng: random.Random) -> list[Place]:
    return [
        Place(
            id=f"bench-{i}",
            name=f"Résidence Bench {i}",
            address=f"{i} rue du Test",
            city="93000 Bobigny",
            latitude=round(48.75 + rng.random() * 0.25, 5),
            longitude=round(2.2 + rng.random() * 0.4, 5),
            entrances=(),
            residence=True,
            sample=True,
        )
        for i in range(count)
    ]


def feed(count: int, places: list[Place], rng: random.Random, prefix: str) -> bytes:
    """`count` events over the next 6 months; one in ten a weekly series of 4."""
    now = datetime.now(PARIS).replace(minute=0, second=0, microsecond=0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    made = 0
    number = 0
    while made < count:
        number += 1
        start = now + timedelta(hours=rng.randrange(2, 24 * 180))
        category = rng.choice(CATEGORIES)
        weekly = number % 10 == 0 and count - made >= 4
        body = [
            "BEGIN:VEVENT",
            f"UID:{prefix}-{number}@bench.example",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Europe/Paris:{start + timedelta(hours=3):%Y%m%dT%H%M%S}",
            f"SUMMARY:{category} {number}",
            f"CATEGORIES:{category}",
        ]
        if category == "Ressourcerie":
            place = rng.choice(places)
            body.append(f"LOCATION:{place.name}, {place.address}")
        else:
            body.append(f"GEO:{48.75 + rng.random() * 0.25:.5f};{2.2 + rng.random() * 0.4:.5f}")
            body.append("LOCATION:Salle des fêtes, 1 place de la Mairie, Montreuil")
        if weekly:
            body.append("RRULE:FREQ=WEEKLY;COUNT=4")
        body.append("END:VEVENT")
        lines += body
        made += 4 if weekly else 1
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


async def timed(calls: int, make: object) -> list[float]:
    out = []
    for _ in range(calls):
        started = time.perf_counter()
        await make()  # type: ignore[operator]
        out.append((time.perf_counter() - started) * 1000)
    return out


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<38} p50 {statistics.median(values):6.2f} ms   p95 {percentile(values, 95):6.2f} ms"
        f"   max {max(values):6.2f} ms"
    )


async def run(calls: int) -> None:
    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp(prefix="bench-events-"))
    url = f"sqlite+aiosqlite:///{folder / 'events.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    service = EventService(db, tz=PARIS, default_locale="fr")
    places = residences(200, rng)
    content = EventsContent(places={p.id: p for p in places})
    await service.sync_content(content)

    first = feed(2000, places, rng, "a")
    started = time.perf_counter()
    report = await service.import_feed(first, "bench-a.ics")
    imported = time.perf_counter() - started
    print(
        f"import of a 2,000-event feed ({len(first) // 1024} KiB): {imported:.2f} s "
        f"(added {report.added}, skipped {len(report.skipped)})   target < 5 s"
    )
    started = time.perf_counter()
    again = await service.import_feed(first, "bench-a.ics")
    print(
        f"the same feed again: {time.perf_counter() - started:.2f} s "
        f"(added {again.added}, unchanged {again.unchanged})"
    )
    await service.import_feed(feed(3000, places, rng, "b"), "bench-b.ics")
    total = await service.count_upcoming(("popup", *EVENT_KINDS))
    print(f"{total} upcoming events, {len(places)} residences")

    async def listing() -> None:
        kinds = EVENT_KINDS if rng.random() < 0.5 else (rng.choice(EVENT_KINDS),)
        await service.upcoming(kinds=kinds, offset=5 * rng.randrange(4), limit=5)

    async def nearest() -> None:
        await service.nearest_popups(48.75 + rng.random() * 0.25, 2.2 + rng.random() * 0.4)

    async def at_residence() -> None:
        await service.popups_at(rng.choice(places).id, limit=2)

    for make in (listing, nearest, at_residence):  # warm the statement caches
        await timed(20, make)
    print(line("next events (a page of 5)", await timed(calls, listing)))
    print(line("nearest pop-up shops to a location", await timed(calls, nearest)))
    print(line("next pop-up shops at a residence", await timed(calls, at_residence)))
    print("target: p95 < 20 ms")
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    asyncio.run(run(parser.parse_args().calls))


if __name__ == "__main__":
    main()
