"""Pop-up shops and events: the list by residence, the month calendar, add, edit, duplicate,
cancel and move (residents reminded of one are told, as by the bot's /event_cancel and
/event_move: the notices are queued in the database and the running bot's minute sweep sends
them), and importing an .ics file or URL after a preview of what it changes."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.backoffice.web import PREFIX, Ctx, Pages, parse_local, unread
from bot.events.data import EVENT_KINDS, POPUP, EventView, Remark
from bot.events.editing import KINDS, EditError, EventForm
from bot.events.ics import FeedError
from bot.events.service import WEB, read_source
from bot.i18n import HTML, N_, Translator

PAGE = 50
# The calendar shows this many events a day, then a link to the rest ("+3").
PER_DAY = 6
# A calendar to import is at most this big from the back office (a year of a busy
# association's agenda is well under 1 MB); a bigger upload is refused before it is read.
MAX_ICS = 2 * 1024 * 1024
KIND_NAMES = {
    POPUP: N_("Pop-up recycling shop"),
    "museum": N_("Ephemeral museum"),
    "heritage_tour": N_("Heritage tour"),
    "workshop": N_("Workshop"),
    "other": N_("Other event"),
}
ERRORS = {
    "past": N_("The date is in the past: choose a date to come."),
    "order": N_("The end must come after the start."),
    "too_long": N_("An event lasts at most 62 days."),
    "title": N_("Give a title of at most 100 characters."),
    "kind": N_("Choose what kind of event it is."),
    "residence": N_("This residence does not exist."),
    "place": N_("Choose a residence, or name the place."),
    "not_web": N_(
        "This event comes from the content files or an imported calendar: change it there. "
        "Here you can move, cancel or duplicate it."
    ),
    "cancelled": N_("This event is cancelled: duplicate it to plan it again."),
    "unknown": N_("This event does not exist."),
    "when": N_("Write the date as YYYY-MM-DD and the hours as HH:MM."),
    "number": N_("The price and the capacity are numbers."),
}
assert set(EVENT_KINDS) <= set(KIND_NAMES)


def remark_text(t: Translator, remark: Remark) -> HTML:
    """An import's remark in the staff member's language (its values escaped)."""
    return HTML(t._(remark.message, **remark.values))


def _residence_filter(request: Request) -> str | None:
    value = request.query_params.get("residence")
    if value is None or value == "all":
        return None
    return "" if value == "-" else value[:64]


def _title(ctx: Ctx, event: EventView) -> str:
    fallback = ctx.services.catalogs.default_locale
    return event.title(ctx.lang, fallback) or event.place


def _form_values(ctx: Ctx, event: EventView | None = None) -> dict[str, Any]:
    if event is None:
        return {"kind": "workshop", "residence": ctx.request.query_params.get("residence", "")}
    values: dict[str, Any] = {
        "kind": event.kind,
        "residence": event.residence_id or "",
        "place": "" if event.residence_id else event.place,
        "address": "" if event.residence_id else event.address,
        "date": event.starts_at.astimezone(ctx.t.tz).strftime("%Y-%m-%d"),
        "start": event.starts_at.astimezone(ctx.t.tz).strftime("%H:%M"),
        "end": event.ends_at.astimezone(ctx.t.tz).strftime("%H:%M"),
        "price": "" if event.price_cents is None else f"{event.price_cents / 100:g}",
        "capacity": "" if event.capacity is None else str(event.capacity),
        "registration": event.registration or "",
    }
    for code, text in event.titles.items():
        values[f"title_{code}"] = text
    for code, text in event.descriptions.items():
        values[f"description_{code}"] = text
    return values


def _read_form(ctx: Ctx) -> tuple[dict[str, Any], EventForm | None, str | None]:
    """(the values as typed, the event they describe, an error code)."""
    form = ctx.form
    assert form is not None
    values = {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    languages = ctx.services.catalogs.supported
    titles = {c: values.get(f"title_{c}", "") for c in languages}
    descriptions = {c: values.get(f"description_{c}", "") for c in languages}
    day, start, end = values.get("date", ""), values.get("start", ""), values.get("end", "")
    starts_at, ends_at = parse_local(ctx.t, day, start), parse_local(ctx.t, day, end)
    if starts_at is None or ends_at is None:
        return values, None, "when"
    if ends_at <= starts_at:  # an evening that ends after midnight
        ends_at += timedelta(days=1) if end < start else timedelta(0)
    try:
        price = values.get("price", "").replace(",", ".").strip()
        capacity = values.get("capacity", "").strip()
        price_cents = round(float(price) * 100) if price else None
        seats = int(capacity) if capacity else None
    except ValueError:
        return values, None, "number"
    if (price_cents is not None and not 0 <= price_cents <= 1_000_000) or (
        seats is not None and not 0 < seats <= 100_000
    ):
        return values, None, "number"
    residence = values.get("residence", "").strip() or None
    event = EventForm(
        kind=values.get("kind", ""),
        titles=titles,
        descriptions=descriptions,
        starts_at=starts_at.astimezone(UTC),
        ends_at=ends_at.astimezone(UTC),
        residence_id=residence,
        place=values.get("place", ""),
        address=values.get("address", ""),
        price_cents=price_cents,
        capacity=seats,
        registration=values.get("registration") or None,
    )
    return values, event, None


def routes(pages: Pages, staff: Callable[..., Any]) -> list[BaseRoute]:
    async def residences(ctx: Ctx) -> list[Any]:
        return await ctx.services.events.residences()

    def kinds(ctx: Ctx) -> list[tuple[str, str]]:
        return [(k, ctx.t._(KIND_NAMES[k])) for k in KINDS]

    @staff
    async def listing(ctx: Ctx) -> Response:
        editor = ctx.services.editor
        assert editor is not None
        residence = _residence_filter(ctx.request)
        try:
            page = max(1, int(ctx.request.query_params.get("page", "1")))
        except ValueError:
            page = 1
        found, total = await editor.page(residence=residence, offset=(page - 1) * PAGE, limit=PAGE)
        return pages.render(
            "events.html",
            ctx.t,
            ctx=ctx,
            events=found,
            total=total,
            page=page,
            pages=max(1, -(-total // PAGE)),
            residence=ctx.request.query_params.get("residence", "all"),
            residences=await residences(ctx),
            kind_names={k: ctx.t._(v) for k, v in KIND_NAMES.items()},
            title_of=lambda e: _title(ctx, e),
        )

    @staff
    async def month(ctx: Ctx) -> Response:
        editor = ctx.services.editor
        assert editor is not None
        tz = ctx.t.tz
        today = ctx.services.clock().astimezone(tz).date()
        try:
            year, number = (int(p) for p in ctx.request.query_params.get("month", "").split("-"))
            first = date(year, number, 1)
        except ValueError:
            first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        start = datetime.combine(first, datetime.min.time(), tz)
        end = datetime.combine(following, datetime.min.time(), tz)
        by_day, counts = await editor.month(
            start, end, tz, residence=_residence_filter(ctx.request), per_day=PER_DAY
        )
        weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(first.year, first.month)
        monday = first - timedelta(days=first.weekday())
        weekdays = [
            ctx.t.weekday(datetime.combine(monday + timedelta(days=i), datetime.min.time(), tz))
            for i in range(7)
        ]
        previous = (first - timedelta(days=1)).replace(day=1)
        return pages.render(
            "calendar.html",
            ctx.t,
            ctx=ctx,
            weeks=weeks,
            by_day=by_day,
            counts=counts,
            per_day=PER_DAY,
            weekdays=weekdays,
            month_name=ctx.t.date(first, "MMMM y"),
            previous=previous.strftime("%Y-%m"),
            following=following.strftime("%Y-%m"),
            today=today.day if (today.year, today.month) == (first.year, first.month) else None,
            residence=ctx.request.query_params.get("residence", "all"),
            residences=await residences(ctx),
            title_of=lambda e: _title(ctx, e),
        )

    async def edit_page(
        ctx: Ctx,
        *,
        event: EventView | None,
        values: dict[str, Any],
        error: str | None = None,
        status: int = 200,
        told: int | None = None,
    ) -> Response:
        source = None
        if event is not None:
            editor = ctx.services.editor
            assert editor is not None
            source = await editor.source_of(event.id)
        return pages.render(
            "event.html",
            ctx.t,
            ctx=ctx,
            status=status,
            event=event,
            editable=event is None or (source == WEB and not event.cancelled),
            values=values,
            error=ctx.t._(ERRORS[error]) if error else None,
            told=told,
            kinds=kinds(ctx),
            residences=await residences(ctx),
            title_of=lambda e: _title(ctx, e),
        )

    async def event_or_404(ctx: Ctx) -> EventView | None:
        try:
            event_id = int(ctx.request.path_params["event_id"])
        except ValueError:
            return None
        return await ctx.services.events.get(event_id)

    def not_found(ctx: Ctx) -> Response:
        return pages.render(
            "message.html", ctx.t, ctx=ctx, status=404, title=None, text=ctx.t._(ERRORS["unknown"])
        )

    @staff
    async def new_form(ctx: Ctx) -> Response:
        values = _form_values(ctx)
        copy_of = ctx.request.query_params.get("from")
        if copy_of and copy_of.isdigit():
            original = await ctx.services.events.get(int(copy_of))
            if original is not None:
                values = _form_values(ctx, original)
        return await edit_page(ctx, event=None, values=values)

    @staff
    async def create(ctx: Ctx) -> Response:
        editor = ctx.services.editor
        assert editor is not None
        values, form, error = _read_form(ctx)
        if form is not None:
            try:
                event = await editor.create(form)
            except EditError as exc:
                error = exc.reason
            else:
                await ctx.audit("event.create", event=event.id, titles=event.titles)
                return RedirectResponse(f"{PREFIX}/events/{event.id}?saved=1", status_code=303)
        return await edit_page(ctx, event=None, values=values, error=error, status=400)

    @staff
    async def show(ctx: Ctx) -> Response:
        event = await event_or_404(ctx)
        if event is None:
            return not_found(ctx)
        told = ctx.request.query_params.get("told")
        return await edit_page(
            ctx,
            event=event,
            values=_form_values(ctx, event),
            told=int(told) if told and told.isdigit() else None,
        )

    @staff
    async def update(ctx: Ctx) -> Response:
        editor = ctx.services.editor
        assert editor is not None
        event = await event_or_404(ctx)
        if event is None:
            return not_found(ctx)
        values, form, error = _read_form(ctx)
        if form is not None:
            try:
                saved, told = await editor.update(event.id, form)
            except EditError as exc:
                error = exc.reason
            else:
                await ctx.audit("event.update", event=saved.id, told=told)
                return RedirectResponse(
                    f"{PREFIX}/events/{saved.id}?saved=1&told={told}", status_code=303
                )
        return await edit_page(ctx, event=event, values=values, error=error, status=400)

    @staff
    async def cancel(ctx: Ctx) -> Response:
        event = await event_or_404(ctx)
        if event is None:
            return not_found(ctx)
        _cancelled, told = await ctx.services.events.cancel(event.id)
        await ctx.audit("event.cancel", event=event.id, told=told)
        return RedirectResponse(f"{PREFIX}/events/{event.id}?told={told}", status_code=303)

    @staff
    async def move(ctx: Ctx) -> Response:
        event = await event_or_404(ctx)
        if event is None:
            return not_found(ctx)
        form = ctx.form
        assert form is not None
        starts_at = parse_local(ctx.t, str(form.get("date", "")), str(form.get("start", "")))
        error = None
        if starts_at is None:
            error = "when"
        elif starts_at.astimezone(UTC) < ctx.services.clock():
            error = "past"
        if error is not None:
            return await edit_page(
                ctx, event=event, values=_form_values(ctx, event), error=error, status=400
            )
        assert starts_at is not None
        _moved, told = await ctx.services.events.move(event.id, starts_at.astimezone(UTC))
        await ctx.audit("event.move", event=event.id, starts_at=starts_at, told=told)
        return RedirectResponse(f"{PREFIX}/events/{event.id}?told={told}", status_code=303)

    # -- import

    @staff
    async def import_form(ctx: Ctx) -> Response:
        return pages.render("import.html", ctx.t, ctx=ctx, error=None, max_mb=MAX_ICS // 2**20)

    def import_error(ctx: Ctx, message: str, status: int = 400) -> Response:
        """`message`: the translator's sentence, whose values it has escaped already."""
        return pages.render(
            "import.html",
            ctx.t,
            ctx=ctx,
            status=status,
            error=Markup(message),
            max_mb=MAX_ICS // 2**20,
        )

    async def preview(request: Request) -> Response:
        # The size is checked before the form is read: a big upload is refused unread.
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_ICS + 65536:
            return await too_big(request)
        return await _preview(request)

    @staff
    @unread
    async def too_big(ctx: Ctx) -> Response:
        return import_error(
            ctx,
            ctx.t._("This file is over {mb} MB: nothing was imported.", mb=MAX_ICS // 2**20),
            413,
        )

    @staff
    async def _preview(ctx: Ctx) -> Response:
        web = ctx.services.web
        assert web is not None and ctx.form is not None
        upload = ctx.form.get("file")
        url = str(ctx.form.get("url", "")).strip()
        try:
            if upload is not None and not isinstance(upload, str) and upload.filename:
                data = await upload.read(MAX_ICS + 1)
                source = f"web:{upload.filename}"[:200]
            elif url.startswith(("http://", "https://")):
                private = ctx.services.settings.web_import_private
                data = await read_source(url, public_only=not private)
                source = url
            else:
                return import_error(ctx, ctx.t._("Choose an .ics file or give its address."))
            if len(data) > MAX_ICS:
                return import_error(
                    ctx,
                    ctx.t._(
                        "This file is over {mb} MB: nothing was imported.", mb=MAX_ICS // 2**20
                    ),
                    413,
                )
            preview = await ctx.services.events.preview_feed(data, source)
        except FeedError as exc:
            return import_error(
                ctx,
                ctx.t._(
                    "This calendar cannot be read: {reason}", reason=remark_text(ctx.t, exc.remark)
                ),
            )
        ident = await web.keep_import(ctx.session.user_id, source, data)
        return pages.render(
            "preview.html",
            ctx.t,
            ctx=ctx,
            preview=preview,
            ident=ident,
            source=source,
            remarks=[remark_text(ctx.t, r) for r in preview.skipped + preview.notes],
        )

    @staff
    async def apply(ctx: Ctx) -> Response:
        web = ctx.services.web
        assert web is not None
        kept = await web.take_import(ctx.session.user_id, ctx.request.path_params["ident"])
        if kept is None:
            return import_error(
                ctx, ctx.t._("This preview has expired or was already applied: upload it again.")
            )
        source, data = kept
        try:
            report = await ctx.services.events.import_feed(data, source)
        except FeedError as exc:
            return import_error(
                ctx,
                ctx.t._(
                    "This calendar cannot be read: {reason}", reason=remark_text(ctx.t, exc.remark)
                ),
            )
        await ctx.audit(
            "events.import",
            source=source,
            **{k: v for k, v in vars(report).items() if isinstance(v, int)},
        )
        return pages.render("imported.html", ctx.t, ctx=ctx, report=report, source=source)

    return [
        Route("/events", listing, methods=["GET"]),
        Route("/calendar", month, methods=["GET"]),
        Route("/events/new", new_form, methods=["GET"]),
        Route("/events/new", create, methods=["POST"]),
        Route("/events/{event_id}", show, methods=["GET"]),
        Route("/events/{event_id}", update, methods=["POST"]),
        Route("/events/{event_id}/cancel", cancel, methods=["POST"]),
        Route("/events/{event_id}/move", move, methods=["POST"]),
        Route("/import", import_form, methods=["GET"]),
        Route("/import", preview, methods=["POST"]),
        Route("/import/{ident}", apply, methods=["POST"]),
    ]
