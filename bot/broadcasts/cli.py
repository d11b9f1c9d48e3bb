"""`residents-bot broadcast send|list|cancel`: the command line writes to the database only;
the running assistant (`residents-bot run`) picks new announcements up within seconds.

Output is plain text, one announcement per line for `list`; exit 2 on a wrong argument (an
unknown residence, a date in the past, invalid HTML), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import sys

from bot.broadcasts.audience import AudienceError, parse
from bot.broadcasts.formatting import FormatError, check_html
from bot.broadcasts.service import BroadcastService, Draft
from bot.broadcasts.when import CLI_FORMAT, WhenError, parse_cli
from bot.clock import system_clock
from bot.config import Settings
from bot.i18n import Catalogs
from bot.storage.database import Database


async def run_broadcast(settings: Settings, args: argparse.Namespace) -> int:
    catalogs = Catalogs(settings.locales_dir, settings.default_locale, settings.timezone)
    db = Database(settings.database_url)
    service = BroadcastService(db, system_clock, settings.tz, catalogs.resolve)
    try:
        if args.broadcast_command == "send":
            return await _send(service, settings, catalogs, db, args)
        if args.broadcast_command == "list":
            return await _list(service, settings)
        return await _cancel(service, args.id)
    finally:
        await db.dispose()


def _fail(message: str) -> int:
    print(f"residents-bot: {message}", file=sys.stderr)
    return 2


async def _send(
    service: BroadcastService,
    settings: Settings,
    catalogs: Catalogs,
    db: Database,
    args: argparse.Namespace,
) -> int:
    from bot.events.library import EventsLibrary
    from bot.events.service import EventService

    lang = (args.lang or settings.default_locale).lower().replace("-", "_").split("_")[0]
    if lang not in catalogs.supported:
        return _fail(f"--lang {args.lang}: one of {', '.join(catalogs.supported)}")
    try:
        check_html(args.text)
    except FormatError as exc:
        return _fail(f"--text: {exc}")
    # The content's residences (the running bot stores them at start) and any stored.
    places = EventsLibrary(settings.content_dir, catalogs.supported).content.places
    residences = {p.id: p.name for p in places.values() if p.residence}
    stored = await EventService(db, tz=settings.tz, default_locale=lang).residences()
    residences.update({r.id: r.name for r in stored})
    try:
        audience = parse(args.audience, residences, catalogs.supported)
    except AudienceError as exc:
        return _fail(f"--audience: {exc}")
    due = None
    if args.at:
        try:
            due = parse_cli(args.at, system_clock(), settings.tz)
        except WhenError as exc:
            problem = "is in the past" if exc.reason == "past" else f"use {CLI_FORMAT}"
            return _fail(f"--at {args.at!r}: {problem}")
    draft = Draft({lang: args.text}, lang, audience, urgent=args.urgent, due_at=due)
    announcement_id = await service.create(None, draft)
    reach = await service.reach(audience)
    when = due.astimezone(settings.tz).strftime(CLI_FORMAT) if due else "now"
    print(
        f"announcement {announcement_id} scheduled for {when} ({settings.timezone}): "
        f"{reach.residents} resident(s), {reach.groups} group chat(s)"
    )
    return 0


async def _list(service: BroadcastService, settings: Settings) -> int:
    for s in await service.summaries(limit=50):
        when = s.due_at.astimezone(settings.tz).strftime(CLI_FORMAT) if s.due_at else "-"
        counts = " ".join(f"{k}={v}" for k, v in sorted(s.counts.items()))
        print(
            f"{s.id}\t{s.status}\t{when}\t{'urgent' if s.urgent else '-'}\t"
            f"{','.join(s.languages)}\t{counts or '-'}"
        )
    return 0


async def _cancel(service: BroadcastService, announcement_id: int) -> int:
    outcome = await service.cancel(announcement_id)
    if outcome is None:
        return _fail(f"announcement {announcement_id} cannot be cancelled (unknown or over)")
    print(f"announcement {announcement_id} {outcome}")
    return 0
