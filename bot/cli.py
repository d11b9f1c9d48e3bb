"""`residents-bot` command line: run, chat, db, content, events, poster, broadcast, web and
ask subcommands (a contract)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.answers.content import ContentError
from bot.config import ConfigError, Settings, load_settings
from bot.i18n import CatalogError
from bot.logs import setup_logging

log = logging.getLogger("residents-bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="residents-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run", help="serve residents on Telegram (webhook when WEBHOOK_URL is set, else polling)"
    )
    sub.add_parser(
        "health", help="ask the running assistant's /healthz on this machine (exit 0 if healthy)"
    )
    chat = sub.add_parser("chat", help="talk to the assistant in this terminal, no token needed")
    chat.add_argument("--lang", default=None, help="your Telegram language, e.g. fr, ar, pt-BR")
    chat.add_argument("--name", default="Amina", help="your first name in the chat")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations")
    content = sub.add_parser("content", help="the content store (content/ files)")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    content_sub.add_parser("check", help="validate every content file, report every problem")
    # Kept for the tooling that calls it: content is read from the files, there is no copy.
    content_sub.add_parser("sync", help="same as check (the files are the only source)")
    events = sub.add_parser("events", help="pop-up shops and cultural events")
    events_sub = events.add_subparsers(dest="events_command", required=True)
    imp = events_sub.add_parser(
        "import", help="import an iCalendar agenda (.ics file or URL); safe to run again"
    )
    imp.add_argument("source", metavar="FILE_OR_URL")
    poster = sub.add_parser("poster", help="a residence's poster: link, A4 PDF and PNG")
    poster.add_argument("residence", metavar="RESIDENCE", help="a residence id (places.yaml)")
    poster.add_argument("--entrance", default=None, help="an entrance: its number or name")
    poster.add_argument("--lang", default=None, help="the language the link preselects")
    poster.add_argument("--bot", default=None, help="the bot's @username (else BOT_USERNAME)")
    poster.add_argument("--out", default="posters", help="folder for the PDF and PNG")
    broadcast = sub.add_parser("broadcast", help="staff announcements (the running bot sends)")
    b_sub = broadcast.add_subparsers(dest="broadcast_command", required=True)
    send = b_sub.add_parser("send", help="schedule an announcement (now unless --at)")
    send.add_argument("--text", required=True, help="the text, Telegram HTML allowed")
    send.add_argument("--lang", default=None, help="its language (default: DEFAULT_LOCALE)")
    send.add_argument(
        "--audience", default="all", help="all | residence:NAME | topic:KEY | lang:LL"
    )
    send.add_argument("--at", default=None, help='local time, "YYYY-MM-DD HH:MM" (TIMEZONE)')
    send.add_argument("--urgent", action="store_true", help="ignore residents' quiet hours")
    b_sub.add_parser("list", help="scheduled and past announcements")
    cancel = b_sub.add_parser("cancel", help="cancel a scheduled one, or stop one being sent")
    cancel.add_argument("id", type=int)
    web = sub.add_parser("web", help="serve the staff back office on WEB_PORT (needs WEB_SECRET)")
    web_sub = web.add_subparsers(dest="web_command")
    login = web_sub.add_parser("login", help="print a one-time login link for a staff member")
    login.add_argument("user_id", metavar="USER_ID", type=int, help="their Telegram user id")
    ask = sub.add_parser("ask", help="answer a question as the bot would (no token needed)")
    ask.add_argument("question", nargs="?", help="the question, in any supported language")
    ask.add_argument("--lang", default=None, help="the resident's language (fallback)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--jsonl", action="store_true", help="read questions from stdin, one a line")
    return parser


def _cmd_run(settings: Settings) -> int:
    from bot.app import build_application, build_assistant, serve
    from bot.storage.migrate import upgrade

    token = settings.require_token()
    upgrade(settings.database_url)
    assistant = build_assistant(settings)
    build_application(assistant, token=token)
    mode = "webhook" if settings.webhook_url else "long polling"
    log.info("serving residents through %s (%s)", settings.telegram_api_url, mode)
    asyncio.run(serve(assistant))
    return 0


def _cmd_health(settings: Settings) -> int:
    """For container health checks: GET /healthz on this machine, print it, exit 0 if 200."""
    import urllib.error
    import urllib.request

    port = settings.port if settings.webhook_url else settings.health_port
    if port is None:
        print("residents-bot: no health endpoint in polling mode: set HEALTH_PORT", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            print(answer.read().decode())
            return 0
    except urllib.error.HTTPError as exc:
        print(exc.read().decode())
        return 1
    except OSError as exc:
        print(f"residents-bot: no answer on port {port} ({exc})", file=sys.stderr)
        return 1


def _cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.chat import run_chat
    from bot.storage.migrate import upgrade

    upgrade(settings.database_url)
    return asyncio.run(run_chat(settings, lang=args.lang, name=args.name))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _cmd_content(settings: Settings, action: str) -> int:
    from bot.answers.library import Library
    from bot.i18n import Catalogs

    catalogs = Catalogs(settings.locales_dir, settings.default_locale, settings.timezone)
    answerer = Library(settings.content_dir, catalogs.supported, settings.default_locale).answerer
    content = answerer.content
    from bot.events.library import EventsLibrary

    whatson = EventsLibrary(settings.content_dir, catalogs.supported).content
    if action == "sync":
        print("nothing to sync: the assistant answers from the content files themselves")
    _print_warnings(content.warnings, sys.stdout)
    emergencies = len(content.emergencies.emergencies) if content.emergencies else 0
    print(
        f"content is valid: {len(content.answers)} entries, {len(content.topics)} "
        f"out-of-scope topics, {emergencies} kinds of emergency, "
        f"languages {', '.join(catalogs.supported)}"
        + (f" ({len(content.warnings)} warning(s) above)" if content.warnings else "")
    )
    print(
        f"events content is valid: {len(whatson.residences)} residences, "
        f"{len(whatson.places) - len(whatson.residences)} venues, {len(whatson.popups)} pop-up "
        f"shop rules, {len(whatson.events)} event rules, {len(whatson.items)} kinds of items"
    )
    return 0


async def _events_import(settings: Settings, source: str) -> int:
    from bot.events.ics import FeedError
    from bot.events.library import EventsLibrary
    from bot.events.service import EventService, read_source
    from bot.i18n import Catalogs
    from bot.storage.database import Database

    catalogs = Catalogs(settings.locales_dir, settings.default_locale, settings.timezone)
    whatson = EventsLibrary(settings.content_dir, catalogs.supported)
    db = Database(settings.database_url)
    service = EventService(db, tz=settings.tz, default_locale=settings.default_locale)
    service.use_content(whatson.content)
    try:
        report = await service.import_feed(await read_source(source), source)
    except FeedError as exc:
        print(f"residents-bot: nothing imported: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    print(f"imported {source}")
    for line in report.lines():
        print(line)
    if report.notified:
        print("the running assistant tells them within a minute")
    return 0


def _cmd_events(settings: Settings, args: argparse.Namespace) -> int:
    from bot.storage.migrate import upgrade

    upgrade(settings.database_url)
    return asyncio.run(_events_import(settings, args.source))


async def _web_login(settings: Settings, user_id: int) -> int:
    from bot.app import build_assistant

    assistant = build_assistant(settings)
    try:
        assert assistant.services.web is not None
        url = await assistant.services.web.login_link(user_id)
    finally:
        await assistant.close()
    if url is None:
        print(f"residents-bot: {user_id} is not staff (ADMIN_IDS)", file=sys.stderr)
        return 2
    print(url)
    print("valid 10 minutes, once", file=sys.stderr)
    return 0


async def _web_serve(settings: Settings) -> int:
    import signal

    from bot.app import build_assistant, settle_memory
    from bot.backoffice.web import backoffice_app
    from bot.web import WebServer

    assistant = build_assistant(settings)
    await assistant.services.events.sync_content(assistant.services.whatson.content)
    server = WebServer(backoffice_app(assistant.services), "0.0.0.0", settings.web_port, "WEB_PORT")
    settle_memory()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await server.start()
        log.info("staff back office on %s/web/ (port %d)", settings.web_base_url, server.port)
        ended = asyncio.ensure_future(server.ended.wait())
        stop = asyncio.ensure_future(stopping.wait())
        await asyncio.wait([ended, stop], return_when=asyncio.FIRST_COMPLETED)
        ended.cancel()
        stop.cancel()
    finally:
        await server.stop()
        await assistant.close()
    return 0


def _cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    from bot.storage.migrate import upgrade

    settings.require_web_secret()
    upgrade(settings.database_url)
    if args.web_command == "login":
        return asyncio.run(_web_login(settings, args.user_id))
    return asyncio.run(_web_serve(settings))


def _print_warnings(warnings: list[str], stream: TextIO) -> None:
    """Not errors: residents of those languages get the default-language text with a note."""
    if warnings:
        print(f"{len(warnings)} warning(s), the content still loads:", file=stream)
        for warning in warnings:
            print(f"  warning: {warning}", file=stream)


def _cmd_poster(settings: Settings, args: argparse.Namespace) -> int:
    """Print the link, write the PDF and PNG; 2 on a wrong residence, entrance or language."""
    from pathlib import Path

    from bot.events.library import EventsLibrary
    from bot.i18n import Catalogs
    from bot.residents.poster import Poster, PosterError, link, poster_code, write_pdf, write_png

    catalogs = Catalogs(settings.locales_dir, settings.default_locale, settings.timezone)
    places = EventsLibrary(settings.content_dir, catalogs.supported).content.places
    residence = places.get(args.residence)
    if residence is None or not residence.residence:
        known = ", ".join(sorted(p.id for p in places.values() if p.residence))
        print(f"residents-bot: no residence {args.residence!r}; one of: {known}", file=sys.stderr)
        return 2
    username = args.bot or settings.bot_username
    if not username:
        print("residents-bot: set BOT_USERNAME or pass --bot USERNAME", file=sys.stderr)
        return 2
    number: int | None = None
    if args.entrance is not None:
        names = list(residence.entrances)
        if args.entrance.isdigit() and 0 < int(args.entrance) <= len(names):
            number = int(args.entrance)
        elif args.entrance in names:
            number = names.index(args.entrance) + 1
        else:
            print(
                f"residents-bot: no entrance {args.entrance!r} at {residence.id}; "
                f"one of: {', '.join(names) or 'none'}",
                file=sys.stderr,
            )
            return 2
    if args.lang is not None and not catalogs.supports(args.lang):
        print(f"residents-bot: unsupported language {args.lang!r}", file=sys.stderr)
        return 2
    try:
        url = link(username, poster_code(residence.id, number, args.lang))
        wanted = residence.languages or tuple(settings.poster_languages.split(","))
        languages = [catalogs.default_locale, *wanted]
        if args.lang:
            languages.insert(1, args.lang)
        lines = []
        for code in dict.fromkeys(c.strip() for c in languages):
            if catalogs.supports(code):
                lines.append(
                    catalogs.get(code)._(
                        "Scan me to talk to your residence’s assistant: eco tips, "
                        "pop-up recycling shops, cultural events."
                    )
                )
        subtitle = f"{residence.address}, {residence.city}"
        if number is not None:
            subtitle += f" · {residence.entrances[number - 1]}"
        poster = Poster(residence.name, subtitle, url, lines)
        stem = Path(args.out) / "-".join(
            str(p) for p in ("poster", residence.id, number, args.lang) if p is not None
        )
        pdf = write_pdf(poster, stem.with_suffix(".pdf"))
        png = write_png(poster, stem.with_suffix(".png"))
    except PosterError as exc:
        print(f"residents-bot: {exc}", file=sys.stderr)
        return 2
    print(url)
    print(f"written {pdf} and {png}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        quiet = args.command in (
            "chat",
            "ask",
            "content",
            "events",
            "health",
            "poster",
            "broadcast",
        ) or (args.command == "web" and args.web_command == "login")
        setup_logging(
            "WARNING" if quiet else settings.log_level,
            log_format=settings.log_format,
            secrets=settings.secrets(),
        )
        if args.command == "run":
            return _cmd_run(settings)
        if args.command == "health":
            return _cmd_health(settings)
        if args.command == "chat":
            return _cmd_chat(settings, args)
        if args.command == "db":
            from bot.storage.migrate import upgrade

            upgrade(settings.database_url)
            print("database is up to date")
            return 0
        if args.command == "content":
            return _cmd_content(settings, args.content_command)
        if args.command == "events":
            return _cmd_events(settings, args)
        if args.command == "poster":
            return _cmd_poster(settings, args)
        if args.command == "broadcast":
            from bot.broadcasts.cli import run_broadcast
            from bot.storage.migrate import upgrade

            upgrade(settings.database_url)
            return asyncio.run(run_broadcast(settings, args))
        if args.command == "web":
            return _cmd_web(settings, args)
        if args.command == "ask":
            from bot.answers.ask import run_ask

            return run_ask(settings, args)
    except ContentError as exc:
        print(f"residents-bot: content has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        _print_warnings(exc.warnings, sys.stderr)
        return 1
    except (ConfigError, CatalogError) as exc:
        print(f"residents-bot: {exc}", file=sys.stderr)
        return 2
    except (OSError, SQLAlchemyError) as exc:
        print(f"residents-bot: database unavailable: {_first_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 1
