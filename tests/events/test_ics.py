"""iCalendar imports: recurrences, moved and cancelled occurrences, time zones; idempotent by
UID; broken or hostile files reported while the rest goes through; the CLI and URLs."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.cli import main
from bot.clock import FrozenClock
from bot.events.data import CANCELLED, POPUP
from bot.events.ics import FeedError
from bot.events.library import EventsLibrary
from bot.events.models import Event, Reminder
from bot.events.reminders import ReminderService
from bot.events.service import EventService, read_source
from bot.storage.database import Database
from tests.conftest import NOW, PG_URL
from tests.events.helpers import ics, local

WEEKLY = """
UID:ressourcerie-tilleuls@asso.example
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Paris:20261128T100000
DTEND;TZID=Europe/Paris:20261128T130000
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE;TZID=Europe/Paris:20261205T100000
RDATE;TZID=Europe/Paris:20261210T150000
SUMMARY:Ressourcerie éphémère
CATEGORIES:Ressourcerie
LOCATION:Résidence Les Tilleuls, 14 rue de l'Étoile, Bobigny
"""
WEEKLY_MOVED = """
UID:ressourcerie-tilleuls@asso.example
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=Europe/Paris:20261212T100000
DTSTART;TZID=Europe/Paris:20261213T140000
DTEND;TZID=Europe/Paris:20261213T170000
SUMMARY:Ressourcerie éphémère (dimanche)
CATEGORIES:Ressourcerie
LOCATION:Résidence Les Tilleuls, 14 rue de l'Étoile, Bobigny
"""
WEEKLY_CANCELLED = """
UID:ressourcerie-tilleuls@asso.example
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=Europe/Paris:20261219T100000
DTSTART;TZID=Europe/Paris:20261219T100000
DTEND;TZID=Europe/Paris:20261219T130000
STATUS:CANCELLED
SUMMARY:Ressourcerie éphémère
"""
MUSEUM = """
UID:musee@asso.example
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Paris:20261202T140000
DTEND;TZID=Europe/Paris:20261202T180000
SUMMARY;LANGUAGE=fr:Musée éphémère des habitants
SUMMARY;LANGUAGE=en:Residents' ephemeral museum
DESCRIPTION:Objets et histoires du quartier.
CATEGORIES:Musée
GEO:48.9079;2.4384
LOCATION:Maison de quartier, 2 place de l'Étoile, Bobigny
URL:https://asso.example/musee
"""
WORKSHOP_UTC = """
UID:atelier@asso.example
DTSTAMP:20261101T000000Z
DTSTART:20261203T170000Z
DURATION:PT2H
SUMMARY:Atelier couture
CATEGORIES:Atelier
"""
ALL_DAY = """
UID:fete@asso.example
DTSTAMP:20261101T000000Z
DTSTART;VALUE=DATE:20261206
DTEND;VALUE=DATE:20261207
SUMMARY:Fête de quartier
"""
FLOATING = """
UID:contes@asso.example
DTSTAMP:20261101T000000Z
DTSTART:20261204T180000
DTEND:20261204T200000
SUMMARY:Soirée contes
"""
ACROSS_DST = """
UID:dst@asso.example
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Paris:20270327T100000
DTEND;TZID=Europe/Paris:20270327T120000
RRULE:FREQ=DAILY;COUNT=2
SUMMARY:Balade du week-end
CATEGORIES:Patrimoine
"""
PAST = """
UID:past@asso.example
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Paris:20261101T100000
SUMMARY:Déjà passé
"""
GOOD = [WEEKLY, WEEKLY_MOVED, WEEKLY_CANCELLED, MUSEUM, WORKSHOP_UTC, ALL_DAY, FLOATING, ACROSS_DST]
# 6 weekly (5 from the rule, 1 RDATE; the cancelled override counts as one) + 1 + 1 + 1 + 1 + 2
OCCURRENCES = 12

HOSTILE = [
    "UID:nostart@asso.example\nSUMMARY:Sans date",
    "UID:secondly@asso.example\nDTSTART:20261126T090000Z\nRRULE:FREQ=SECONDLY\nSUMMARY:Absurde",
    "UID:many@asso.example\nDTSTART:20261126T090000Z\nRRULE:FREQ=DAILY;COUNT=10000\nSUMMARY:Tous",
    "DTSTART:20261126T090000Z\nSUMMARY:Sans UID",
    "UID:notitle@asso.example\nDTSTART:20261126T090000Z",
    "UID:baddate@asso.example\nDTSTART:pas-une-date\nSUMMARY:Date cassée",
]


@pytest.fixture
async def service(database: Database, whatson: EventsLibrary) -> EventService:
    events = EventService(database, FrozenClock(NOW), default_locale="fr")
    await events.sync_content(whatson.content)  # the residences (already there on SQLite)
    return events


async def feed_rows(database: Database) -> list[Event]:
    async with database.reading() as session:
        rows = await session.scalars(
            select(Event).where(Event.source.like("ics:%")).order_by(Event.starts_at)
        )
        return list(rows)


async def test_recurrences_moves_cancellations_and_time_zones(
    service: EventService, database: Database
) -> None:
    report = await service.import_feed(ics(*GOOD, PAST), "agenda.ics")
    assert (report.added, report.cancelled, report.skipped) == (OCCURRENCES - 1, 1, [])
    rows = await feed_rows(database)
    assert len(rows) == OCCURRENCES
    weekly = [r for r in rows if r.titles["fr"].startswith("Ressourcerie")]
    assert [local(r.starts_at) for r in weekly] == [
        "2026-11-28 10:00",  # 12-05 is an EXDATE
        "2026-12-10 15:00",  # the RDATE
        "2026-12-13 14:00",  # 12-12 moved to the Sunday afternoon
        "2026-12-19 10:00",
        "2026-12-26 10:00",
        "2027-01-02 10:00",
    ]
    assert [r.status for r in weekly].count(CANCELLED) == 1
    assert weekly[3].status == CANCELLED  # the cancelled override
    assert all(r.kind == POPUP and r.residence_id == "les-tilleuls-bobigny" for r in weekly)
    assert weekly[0].latitude is not None  # placed at the residence
    assert weekly[0].starts_at == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    museum = next(r for r in rows if r.kind == "museum")
    assert museum.titles == {
        "fr": "Musée éphémère des habitants",
        "en": "Residents' ephemeral museum",
    }
    assert (museum.latitude, museum.longitude) == (48.9079, 2.4384)
    assert museum.registration == "https://asso.example/musee"
    workshop = next(r for r in rows if r.kind == "workshop")
    assert local(workshop.starts_at) == "2026-12-03 18:00" and local(workshop.ends_at) == (
        "2026-12-03 20:00"
    )
    party = next(r for r in rows if r.titles["fr"] == "Fête de quartier")
    assert party.all_day and local(party.starts_at) == "2026-12-06 00:00"
    tales = next(r for r in rows if r.titles["fr"] == "Soirée contes")
    assert local(tales.starts_at) == "2026-12-04 18:00"  # floating time: local
    walk = [r for r in rows if r.kind == "heritage_tour"]
    assert [r.starts_at.hour for r in walk] == [9, 8]  # 10:00 in Paris on both sides of DST
    assert not any(r.titles["fr"] == "Déjà passé" for r in rows)


async def test_importing_again_changes_nothing(service: EventService, database: Database) -> None:
    await service.import_feed(ics(*GOOD), "agenda.ics")
    again = await service.import_feed(ics(*GOOD), "agenda.ics")
    assert (again.added, again.updated, again.cancelled) == (0, 0, 0)
    assert again.unchanged == OCCURRENCES
    assert len(await feed_rows(database)) == OCCURRENCES


async def test_a_changed_agenda_moves_and_cancels_and_tells_subscribers(
    service: EventService, database: Database
) -> None:
    await service.import_feed(ics(*GOOD), "agenda.ics")
    rows = await feed_rows(database)
    museum = next(r for r in rows if r.kind == "museum")
    workshop = next(r for r in rows if r.kind == "workshop")
    reminders = ReminderService(database, FrozenClock(NOW))
    for event in (museum, workshop):
        assert (await reminders.remind(1001, 1001, event.id)).status == "set"
    moved_museum = MUSEUM.replace("20261202T140000", "20261209T150000").replace(
        "20261202T180000", "20261209T190000"
    )
    weekly = WEEKLY.replace("RDATE", "EXDATE;TZID=Europe/Paris:20261226T100000\nRDATE")
    report = await service.import_feed(
        ics(weekly, WEEKLY_MOVED, WEEKLY_CANCELLED, moved_museum, ALL_DAY, FLOATING, ACROSS_DST),
        "agenda.ics",
    )
    assert report.moved == 1 and report.cancelled == 2  # the workshop is gone, 12-26 excluded
    assert report.notified == 2
    async with database.reading() as session:
        museum_now = await session.get(Event, museum.id)
        workshop_now = await session.get(Event, workshop.id)
        notices = set((await session.execute(select(Reminder.event_id, Reminder.kind))).all())
    assert museum_now is not None and local(museum_now.starts_at) == "2026-12-09 15:00"
    assert museum_now.previous_starts_at == museum.starts_at
    assert workshop_now is not None and workshop_now.status == CANCELLED
    assert {(museum.id, "moved"), (workshop.id, "cancelled")} <= notices


async def test_staff_changes_win_over_a_later_import(
    service: EventService, database: Database
) -> None:
    await service.import_feed(ics(*GOOD), "agenda.ics")
    museum = next(r for r in await feed_rows(database) if r.kind == "museum")
    await service.cancel(museum.id)
    report = await service.import_feed(ics(*GOOD), "agenda.ics")
    assert report.added == 0
    assert (await service.get(museum.id)).status == CANCELLED  # type: ignore[union-attr]


async def test_broken_and_hostile_events_are_reported_and_the_rest_imported(
    service: EventService, database: Database
) -> None:
    report = await service.import_feed(ics(MUSEUM, *HOSTILE, WORKSHOP_UTC), "agenda.ics")
    reasons = "\n".join(report.skipped)
    assert "nostart@asso.example: no DTSTART" in reasons
    assert "secondly@asso.example: repeats secondly" in reasons
    assert "without UID" in reasons
    assert "notitle@asso.example: no SUMMARY" in reasons
    assert "baddate@asso.example" in reasons
    assert any("many@asso.example: more than 120 occurrences" in n for n in report.notes)
    rows = await feed_rows(database)
    assert {r.kind for r in rows} >= {"museum", "workshop"}
    assert sum(1 for r in rows if r.titles["fr"] == "Tous") == 120


async def test_wrong_encodings_and_files_that_are_no_calendar(service: EventService) -> None:
    latin = ics(ALL_DAY).decode().encode("cp1252")
    report = await service.import_feed(latin, "export.ics")
    assert report.added == 1 and any("not in UTF-8" in n for n in report.notes)
    found, _ = await service.upcoming(kinds=("other",), limit=50)
    assert any(e.title("fr", "fr") == "Fête de quartier" for e in found)
    for junk in (b"\x00\x01\x02garbage", b"<html><body>Not found</body></html>", b""):
        with pytest.raises(FeedError):
            await service.import_feed(junk, "junk.ics")


async def test_a_feed_from_a_url(service: EventService, database: Database) -> None:
    app = web.Application()

    async def agenda(_request: web.Request) -> web.Response:
        return web.Response(body=ics(MUSEUM), content_type="text/calendar")

    app.router.add_get("/agenda.ics", agenda)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        data = await read_source(f"http://127.0.0.1:{port}/agenda.ics")
        report = await service.import_feed(data, f"http://127.0.0.1:{port}/agenda.ics")
        assert report.added == 1
        with pytest.raises(FeedError, match="HTTP 404"):
            await read_source(f"http://127.0.0.1:{port}/missing.ics")
    finally:
        await runner.cleanup()
    with pytest.raises(FeedError, match="cannot be read"):
        await read_source("/no/such/agenda.ics")


def test_the_import_command_prints_a_report(
    migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    if PG_URL:
        monkeypatch.setenv("DATABASE_URL", PG_URL)
    else:
        db_path = tmp_path / "cli.sqlite3"
        shutil.copyfile(migrated_url.removeprefix("sqlite+aiosqlite:///"), db_path)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_path}")
    monkeypatch.delenv("EVENTS_FEED_URL", raising=False)
    feed = tmp_path / "agenda.ics"
    soon = datetime.now(UTC) + timedelta(days=10)
    uid = f"cli-{soon.timestamp()}@asso.example"  # new on every run, whatever the database
    body = f"UID:{uid}\nDTSTART:{soon:%Y%m%dT140000Z}\nSUMMARY:Atelier"
    feed.write_bytes(ics(body, HOSTILE[0]))
    assert main(["events", "import", str(feed)]) == 0
    out = capsys.readouterr().out
    assert "added: 1" in out and "skipped: 1" in out and "nostart@asso.example" in out
    assert main(["events", "import", str(feed)]) == 0
    assert "added: 0" in capsys.readouterr().out  # safe to run again
    assert main(["events", "import", str(tmp_path / "missing.ics")]) == 1
    assert "nothing imported" in capsys.readouterr().err


async def test_a_series_begun_long_ago_gives_what_is_to_come(
    service: EventService, database: Database
) -> None:
    """Only what is still to come is imported, and no more than 120 of one series."""
    daily = "UID:daily@asso.example\nDTSTART:20250101T090000Z\nRRULE:FREQ=DAILY\nSUMMARY:Tous"
    report = await service.import_feed(ics(daily), "agenda.ics")
    async with database.reading() as session:
        count = await session.scalar(
            select(func.count()).select_from(Event).where(Event.source.like("ics:%"))
        )
    assert count == 120 and report.notes  # capped, and said so


async def test_an_event_keeps_its_own_time_zone(service: EventService, database: Database) -> None:
    """A TZID the feed gives is kept for the calendar file; times are stored in UTC."""
    visit = "UID:ny@asso.example\nDTSTART;TZID=America/New_York:20261203T190000\nSUMMARY:Visio"
    await service.import_feed(ics(visit), "agenda.ics")
    [row] = await feed_rows(database)
    assert row.timezone == "America/New_York"
    assert row.starts_at == datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
