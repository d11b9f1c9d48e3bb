"""Announcements: the list (scheduled and past, with their counts; cancel or stop), the
composer (a version per language, who, when, urgent; a preview of each version as residents
will see it with the number it reaches, then Confirm) and the delivery report of the latest
run (per residence and language, a chart, the households to reach on paper).

The back office only writes to the database: a confirmed announcement is picked up by the
running bot's sweep (every 5 seconds) and delivered by its outbox (bot/broadcasts/service.py).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.backoffice.web import HEADERS, PREFIX, Ctx, Pages, unread
from bot.broadcasts.audience import Audience
from bot.broadcasts.formatting import (
    ALLOWED,
    CAPTION_LIMIT,
    TEXT_LIMIT,
    FormatError,
    check_html,
    visible_length,
)
from bot.broadcasts.labels import (
    DELIVERY_LABELS,
    DELIVERY_ORDER,
    STATUS_LABELS,
    describe_audience,
)
from bot.broadcasts.service import (
    BLOCKED,
    CANCELLED,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
    STOPPED,
    UNKNOWN,
    Draft,
    Report,
)
from bot.broadcasts.when import Weekly, WhenError, parse_typed
from bot.i18n import HTML, N_, Catalogs, Translator
from bot.residents.profile import TOPIC_LABELS, TOPICS

LIST_LIMIT = 50
PHOTO_LIMIT = 5 * 2**20  # bytes (Telegram takes 10 MB; a phone's photo is 2-4 MB)
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}

COLOURS = {
    SENT: "#2e7d32",
    BLOCKED: "#a61b1b",
    FAILED: "#e65100",
    UNKNOWN: "#8e6c00",
    SKIPPED: "#6b7280",
    STOPPED: "#9aa4b2",
    PENDING: "#1f4e79",
    SENDING: "#5b8fc7",
}
ERRORS = {
    "text": N_("Write the text in {language}: residents of other languages get it."),
    "too_long": N_("The {language} text is longer than Telegram allows (4,096 characters)."),
    "residences": N_("Choose at least one residence."),
    "topic": N_("Choose a topic."),
    "language": N_("Choose a language."),
    "unreadable": N_(
        "This date could not be read: choose it in the date field (YYYY-MM-DD HH:MM, {zone})."
    ),
    "past": N_("The date is in the past: choose a date to come."),
    "weekly": N_("Tick at least one day and give the time as HH:MM."),
    "unknown": N_("This announcement does not exist."),
    "photo_type": N_("The photo must be a JPEG or PNG image."),
    "photo_size": N_("The photo is larger than {mb} MB: choose a smaller one."),
    "photo_gone": N_("The photo chosen earlier is no longer kept: choose it again."),
    "caption": N_(
        "With a photo, the {language} text is its caption: {limit} characters at most "
        "(it has {count})."
    ),
}
FORMAT_ERRORS = {
    "tag": N_("<{tag}> is not a tag Telegram accepts (use b, i, u, s, a, code)."),
    "attribute": N_("Telegram does not accept {attribute} on <{tag}>: remove it."),
    "href": N_('A link <a> needs an address: <a href="https://…">text</a>.'),
    "closes": N_("</{tag}> closes nothing open at that place."),
    "unclosed": N_("<{tag}> is never closed."),
    "stray": N_("A “<” that is not a tag: write &lt; instead."),
    "empty": N_("The text is empty."),
}
CANCEL_OUTCOMES = {
    CANCELLED: N_("Announcement #{id} is cancelled: nobody will receive it."),
    STOPPED: N_("Announcement #{id} is stopped: nobody else will receive it."),
    "none": N_("Announcement #{id} can no longer be cancelled."),
}


def said(t: Translator, message: str, /, **values: Any) -> Markup:
    """A translated sentence for a page: its values escaped (the translator does it)."""
    return Markup(t._(message, **values))


def plain(t: Translator, message: str, /, **values: Any) -> HTML:
    """A sentence whose own words hold `<` (tags named for staff): escaped as a whole."""
    text = html.escape(t.translations.gettext(message), quote=False)
    return HTML(text.format(**{k: html.escape(str(v), quote=False) for k, v in values.items()}))


# -- Telegram's HTML, shown safely


class _Renderer(HTMLParser):
    """Telegram's HTML as a browser page shows it: Telegram's tags only (a link only to
    http(s) or tg:, a spoiler as a marked span); anything else is shown as text."""

    SAME = frozenset(
        {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "blockquote"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[tuple[str, str]] = []  # (Telegram's tag, the page's closing tag)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in self.SAME:
            self._open(tag, f"<{tag}>", f"</{tag}>")
        elif tag == "a":
            href = attributes.get("href") or ""
            if urlsplit(href).scheme.lower() in ("http", "https", "tg"):
                self._open(
                    tag,
                    f'<a href="{html.escape(href, quote=True)}" rel="noopener noreferrer">',
                    "</a>",
                )
            else:
                self._open(tag, '<span class="tg-link">', "</span>")
        elif tag in ("tg-spoiler", "span", "tg-emoji"):
            spoiler = tag == "tg-spoiler" or attributes.get("class") == "tg-spoiler"
            self._open(tag, '<span class="tg-spoiler">' if spoiler else "<span>", "</span>")
        else:
            self.out.append(html.escape(self.get_starttag_text() or f"<{tag}>"))

    def _open(self, tag: str, markup: str, closing: str) -> None:
        self.open.append((tag, closing))
        self.out.append(markup)

    def handle_endtag(self, tag: str) -> None:
        if tag in ALLOWED and any(t == tag for t, _ in self.open):
            while self.open:
                top, closing = self.open.pop()
                self.out.append(closing)
                if top == tag:
                    break
        else:
            self.out.append(html.escape(f"</{tag}>"))

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        self.out.append(html.escape(f"<!--{data}-->"))

    def handle_decl(self, decl: str) -> None:
        self.out.append(html.escape(f"<!{decl}>"))

    def handle_pi(self, data: str) -> None:
        self.out.append(html.escape(f"<?{data}>"))

    def unknown_decl(self, data: str) -> None:
        self.out.append(html.escape(f"<![{data}]>"))

    def finish(self) -> str:
        self.close()
        if self.rawdata:  # an unfinished tag at the very end: text
            self.out.append(html.escape(self.rawdata))
            self.rawdata = ""
        while self.open:
            self.out.append(self.open.pop()[1])
        return "".join(self.out)


def telegram_html(text: str) -> Markup:
    """Staff's Telegram HTML as residents will see it, safe to put in a page."""
    renderer = _Renderer()
    renderer.feed(text)
    return Markup(renderer.finish())


# -- the composer's form


@dataclass
class Composed:
    """What the form says, read and checked."""

    values: dict[str, Any]
    texts: dict[str, str] = field(default_factory=dict)
    audience: Audience = field(default_factory=Audience)
    due_at: datetime | None = None
    weekly: Weekly | None = None
    urgent: bool = False
    errors: list[Markup] = field(default_factory=list)
    photo: str | None = None  # the kept upload's id (web.keep_import), shown by photo_page
    photo_file: bytes | None = None


def photo_type(data: bytes) -> str | None:
    """image/jpeg or image/png by the file's first bytes (never by its name), else None."""
    return next((kind for magic, kind in PHOTO_TYPES.items() if data.startswith(magic)), None)


def with_photo(ctx: Ctx) -> bool:
    """Whether the form comes with a photo: a file chosen, or one kept from the preview (the
    live preview sends only `photo_chosen`, never the file)."""
    form = ctx.form
    assert form is not None
    upload = form.get("photo")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        return True
    if form.get("photo_remove") == "1":
        return False
    return bool(form.get("photo_kept")) or form.get("photo_chosen") == "1"


async def attach_photo(ctx: Ctx, composed: Composed, *, live: bool = False) -> None:
    """The uploaded photo, checked and kept until the confirmation (a preview's page cannot
    carry the file again: its id does); or the one kept from the preview."""
    form, web, t = ctx.form, ctx.services.web, ctx.t
    assert form is not None and web is not None
    values = composed.values
    kept = values.pop("photo_kept", "")
    if values.get("photo_remove") == "1":
        return
    upload = form.get("photo")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        data = await upload.read(PHOTO_LIMIT + 1)
        if len(data) > PHOTO_LIMIT:
            composed.errors.append(said(t, ERRORS["photo_size"], mb=PHOTO_LIMIT // 2**20))
            return
        kind = photo_type(data)
        if kind is None:
            composed.errors.append(said(t, ERRORS["photo_type"]))
            return
        kept = await web.keep_import(ctx.session.user_id, f"photo:{kind}", data)
        composed.photo_file = data
    elif not kept:
        return
    elif not live:
        found = await web.peek_import(ctx.session.user_id, kept)
        if found is None or not found[0].startswith("photo:"):
            composed.errors.append(said(t, ERRORS["photo_gone"]))
            return
        composed.photo_file = found[1]
    composed.photo = values["photo_kept"] = kept


def read_form(ctx: Ctx, residences: dict[str, tuple[str, ...]]) -> Composed:
    form = ctx.form
    assert form is not None
    catalogs = ctx.services.catalogs
    default = catalogs.default_locale
    t = ctx.t
    values: dict[str, Any] = {
        k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf"
    }
    values["residence"] = [r for r in form.getlist("residence") if r in residences]
    values["entrance"] = [str(e) for e in form.getlist("entrance")]
    values["day"] = [str(d) for d in form.getlist("day")]
    composed = Composed(values)
    photo = with_photo(ctx)
    for code in catalogs.supported:
        text = values.get(f"text_{code}", "").replace("\r\n", "\n").strip()
        values[f"text_{code}"] = text
        name = Catalogs.language_name(code)
        if not text:
            if code == default:
                composed.errors.append(said(t, ERRORS["text"], language=name))
            continue
        try:
            check_html(text)
        except FormatError as exc:
            reason = plain(
                t,
                FORMAT_ERRORS.get(exc.reason, FORMAT_ERRORS["stray"]),
                tag=exc.tag,
                attribute=exc.attribute,
            )
            composed.errors.append(
                said(t, N_("The {language} text: {reason}"), language=name, reason=reason)
            )
            continue
        # Telegram counts what residents see, not the tags: as the caption check below.
        if not photo and visible_length(text) > TEXT_LIMIT:
            composed.errors.append(said(t, ERRORS["too_long"], language=name))
            continue
        if photo and (count := visible_length(text)) > CAPTION_LIMIT:
            composed.errors.append(
                said(
                    t,
                    ERRORS["caption"],
                    language=name,
                    limit=t.number(CAPTION_LIMIT),
                    count=t.number(count),
                )
            )
            continue
        composed.texts[code] = text

    kind = values.get("audience", "all")
    if kind == "residences":
        chosen = tuple(sorted(values["residence"]))
        entrances = []
        for pair in values["entrance"]:
            rid, _, entrance = pair.partition("|")
            if rid in chosen and entrance in residences.get(rid, ()):
                entrances.append((rid, entrance))
        if not chosen:
            composed.errors.append(said(t, ERRORS["residences"]))
        composed.audience = Audience(residences=chosen, entrances=tuple(sorted(entrances)))
    elif kind == "topic":
        topic = values.get("topic", "")
        if topic not in TOPICS:
            composed.errors.append(said(t, ERRORS["topic"]))
        else:
            composed.audience = Audience(topic=topic)
    elif kind == "language":
        lang = values.get("language", "")
        if not catalogs.supports(lang):
            composed.errors.append(said(t, ERRORS["language"]))
        else:
            composed.audience = Audience(language=lang)
    else:
        values["audience"] = "all"

    when = values.get("when", "now")
    now = ctx.services.clock()
    if when == "at":
        try:
            composed.due_at = read_moment(values.get("at", ""), t, now)
        except WhenError as exc:
            composed.errors.append(said(t, ERRORS[exc.reason], zone=str(t.tz)))
    elif when == "weekly":
        days = sorted({int(d) for d in values["day"] if d.isdigit() and int(d) < 7})
        try:
            hour, minute = (int(p) for p in values.get("weekly_time", "").strip().split(":"))
            at = time(hour, minute)
        except ValueError:
            at = None
        if not days or at is None:
            composed.errors.append(said(t, ERRORS["weekly"]))
        else:
            composed.weekly = Weekly(tuple(days), at)
    else:
        values["when"] = "now"
    composed.urgent = values.get("urgent") == "1"
    return composed


def read_moment(text: str, t: Translator, now: datetime) -> datetime:
    """The date-time field (YYYY-MM-DDTHH:MM, local time), or a date typed as staff say it
    ("demain 18h") where the browser has no date picker."""
    text = text.strip()
    if not text:
        raise WhenError("unreadable")
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
        try:
            local = datetime.strptime(text, pattern).replace(tzinfo=t.tz)
        except ValueError:
            continue
        if local <= now:
            raise WhenError("past")
        return local.astimezone(now.tzinfo)
    return parse_typed(text, t.locale, now, t.tz)


# -- words shared by the pages


def audience_text(t: Translator, audience: Audience, names: dict[str, str]) -> Markup:
    """Who it is for, in the staff member's words, as the bot's /announcements says it."""
    return Markup(describe_audience(t, audience, names))


def when_text(t: Translator, due_at: datetime | None, weekly: Weekly | None) -> Markup:
    if weekly is not None:
        names = [t.weekday_name(day) for day in weekly.days]
        return said(
            t, N_("every {days} at {time}"), days=", ".join(names), time=weekly.at.strftime("%H:%M")
        )
    if due_at is None:
        return said(t, N_("now"))
    return moment_text(t, due_at)


def moment_text(t: Translator, moment: datetime) -> Markup:
    """Unambiguous: the weekday, the date with the year, the time and the time zone."""
    return said(
        t,
        N_("{day} at {time} ({zone})"),
        day=t.date(moment, "full"),
        time=t.time(moment),
        zone=str(t.tz),
    )


@dataclass(frozen=True)
class Bar:
    """One row of the chart: a label and its counts, as SVG segments."""

    label: str
    total: int
    segments: list[tuple[str, int, float, float]]  # status, count, x, width (in %)


def bars(rows: list[tuple[str, dict[str, int]]]) -> list[Bar]:
    widest = max((sum(c.values()) for _, c in rows), default=0) or 1
    found = []
    for label, counts in rows:
        x = 0.0
        segments = []
        for status in DELIVERY_ORDER:
            n = counts.get(status, 0)
            if not n:
                continue
            width = 100.0 * n / widest
            segments.append((status, n, round(x, 2), round(width, 2)))
            x += width
        found.append(Bar(label, sum(counts.values()), segments))
    return found


# -- the pages


def routes(pages: Pages, staff: Callable[..., Any]) -> list[BaseRoute]:
    async def residences(ctx: Ctx) -> list[Any]:
        return await ctx.services.events.residences()

    def not_found(ctx: Ctx) -> Response:
        return pages.render(
            "message.html", ctx.t, ctx=ctx, status=404, title=None, text=ctx.t._(ERRORS["unknown"])
        )

    def labels(ctx: Ctx) -> dict[str, Any]:
        t = ctx.t
        return {
            "status_labels": {k: t._(v) for k, v in STATUS_LABELS.items()},
            "delivery_labels": {k: t._(v) for k, v in DELIVERY_LABELS.items()},
            "colours": COLOURS,
            "status_order": DELIVERY_ORDER,
            "language_name": Catalogs.language_name,
            "number": t.number,
        }

    @staff
    async def listing(ctx: Ctx) -> Response:
        t = ctx.t
        summaries = await ctx.services.broadcasts.summaries(limit=LIST_LIMIT)
        names = {r.id: r.name for r in await residences(ctx)}
        done = ctx.request.query_params.get("done", "")
        number = ctx.request.query_params.get("id", "")
        notice = None
        if done in CANCEL_OUTCOMES and number.isdigit():
            notice = said(t, CANCEL_OUTCOMES[done], id=int(number))
        elif done == "created" and number.isdigit():
            notice = said(t, N_("Announcement #{id} is scheduled."), id=int(number))
        return pages.render(
            "announcements.html",
            t,
            ctx=ctx,
            summaries=summaries,
            audience_of=lambda s: audience_text(t, s.audience, names),
            when_of=lambda s: when_text(t, s.due_at, s.weekly),
            notice=notice,
            **labels(ctx),
        )

    async def preview_values(
        ctx: Ctx, composed: Composed | None, found: list[Any], *, preview: bool
    ) -> dict[str, Any]:
        """What the preview fragment shows: each version as residents will see it and how
        many it reaches (when asked and the form is right), else what to correct."""
        t = ctx.t
        catalogs = ctx.services.catalogs
        previews: list[tuple[str, Markup, int]] = []
        reach = None
        when = None
        if preview and composed is not None and not composed.errors:
            reach = await ctx.services.broadcasts.reach(composed.audience)
            default = catalogs.default_locale
            counts = reach.versions(tuple(composed.texts), default)
            previews = [
                (code, telegram_html(text), counts.get(code, 0))
                for code, text in composed.texts.items()
            ]
            when = when_text(t, composed.due_at, composed.weekly)
        return {
            "values": composed.values if composed else {"audience": "all", "when": "now"},
            "photo": composed.photo if composed else None,
            "photo_chosen": bool(composed and composed.values.get("photo_chosen") == "1"),
            "photo_limit": PHOTO_LIMIT // 2**20,
            "caption_limit": t.number(CAPTION_LIMIT),
            "errors": composed.errors if composed else [],
            "default": catalogs.default_locale,
            "previews": previews,
            "reach": reach,
            "when": when,
            "audience_words": (
                audience_text(t, composed.audience, {r.id: r.name for r in found})
                if composed
                else ""
            ),
        }

    async def compose_page(
        ctx: Ctx,
        composed: Composed | None,
        *,
        preview: bool = False,
        status: int = 200,
    ) -> Response:
        t = ctx.t
        found = await residences(ctx)
        return pages.render(
            "announcement.html",
            t,
            ctx=ctx,
            status=status,
            residences=found,
            topics=[(k, t._(TOPIC_LABELS[k])) for k in TOPICS],
            weekdays=[(i, t.weekday_name(i)) for i in range(7)],
            zone=str(t.tz),
            live=False,
            **await preview_values(ctx, composed, found, preview=preview),
            **labels(ctx),
        )

    @staff
    async def live_preview(ctx: Ctx) -> Response:
        """The preview fragment alone, for the composer's script as staff type: the same
        reading, checks and rendering as the Preview button; nothing is stored."""
        found = await residences(ctx)
        composed = read_form(ctx, {r.id: tuple(r.entrances) for r in found})
        await attach_photo(ctx, composed, live=True)
        return pages.render(
            "_announcement_preview.html",
            ctx.t,
            ctx=ctx,
            status=400 if composed.errors else 200,
            live=True,
            **await preview_values(ctx, composed, found, preview=True),
            **labels(ctx),
        )

    @staff
    async def compose(ctx: Ctx) -> Response:
        return await compose_page(ctx, None)

    async def submit(request: Request) -> Response:
        # The size is checked before the form is read: a photo too big is refused unread.
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > PHOTO_LIMIT + 2**18:
            return await too_big(request)
        return await _submit(request)

    @staff
    @unread
    async def too_big(ctx: Ctx) -> Response:
        composed = Composed({"audience": "all", "when": "now"})
        composed.errors.append(said(ctx.t, ERRORS["photo_size"], mb=PHOTO_LIMIT // 2**20))
        return await compose_page(ctx, composed, status=413)

    @staff
    async def _submit(ctx: Ctx) -> Response:
        found = {r.id: tuple(r.entrances) for r in await residences(ctx)}
        composed = read_form(ctx, found)
        await attach_photo(ctx, composed)
        if composed.errors:
            return await compose_page(ctx, composed, status=400)
        assert ctx.form is not None
        if ctx.form.get("action") != "confirm":
            return await compose_page(ctx, composed, preview=True)
        broadcasts = ctx.services.broadcasts
        draft = Draft(
            texts=composed.texts,
            language=ctx.services.catalogs.default_locale,
            audience=composed.audience,
            urgent=composed.urgent,
            due_at=composed.due_at,
            weekly=composed.weekly,
            photo_file=composed.photo_file,
        )
        author = ctx.session.user_id
        draft_id = await broadcasts.save_draft(author, None, draft)
        due = await broadcasts.confirm(draft_id)
        if composed.photo is not None:  # the announcement holds it now
            web = ctx.services.web
            assert web is not None
            await web.take_import(author, composed.photo)
        await ctx.audit(
            "announcement.confirm",
            id=f"#{draft_id}",
            due=due.isoformat() if due else None,
            languages=sorted(composed.texts),
            audience=composed.audience.to_data(),
            weekly=composed.weekly.to_data() if composed.weekly else None,
            urgent=composed.urgent,
            photo=len(composed.photo_file) if composed.photo_file else None,
        )
        ctx.services.wake_outbox()
        return RedirectResponse(
            f"{PREFIX}/announcements?done=created&id={draft_id}", status_code=303
        )

    @staff
    async def photo_page(ctx: Ctx) -> Response:
        """A photo kept between the preview and the confirmation, for its staff member."""
        web = ctx.services.web
        assert web is not None
        found = await web.peek_import(ctx.session.user_id, ctx.request.path_params["ident"])
        if found is None or not found[0].startswith("photo:"):
            return not_found(ctx)
        kind = found[0].removeprefix("photo:")
        return Response(found[1], media_type=kind, headers=dict(HEADERS))

    @staff
    async def cancel(ctx: Ctx) -> Response:
        try:
            number = int(ctx.request.path_params["aid"])
        except ValueError:
            return not_found(ctx)
        broadcasts = ctx.services.broadcasts
        if await broadcasts.get(number) is None:
            return not_found(ctx)
        outcome = await broadcasts.cancel(number)
        if outcome is not None:
            await ctx.audit(f"announcement.{outcome}", id=f"#{number}")
        return RedirectResponse(
            f"{PREFIX}/announcements?done={outcome or 'none'}&id={number}", status_code=303
        )

    @staff
    async def report(ctx: Ctx) -> Response:
        t = ctx.t
        try:
            number = int(ctx.request.path_params["aid"])
        except ValueError:
            return not_found(ctx)
        broadcasts = ctx.services.broadcasts
        summary = await broadcasts.get(number)
        if summary is None:
            return not_found(ctx)
        run_id = await broadcasts.latest_run(number)
        found: Report | None = await broadcasts.report(run_id) if run_id is not None else None
        names = {r.id: r.name for r in await residences(ctx)}

        def name(residence: str | None) -> str:
            if residence is None:
                return t._("No residence")
            return names.get(residence, residence)

        by_residence: list[tuple[str, dict[str, int]]] = []
        by_language: list[tuple[str, dict[str, int]]] = []
        unreached: list[tuple[str, int]] = []
        if found is not None:
            by_residence = sorted(
                ((name(r), c) for r, c in found.by_residence.items()), key=lambda i: i[0]
            )
            by_language = sorted(
                (Catalogs.language_name(lang), c) for lang, c in found.by_language.items()
            )
            unreached = sorted(((name(r), n) for r, n in found.unreached().items()))
        return pages.render(
            "announcement_report.html",
            t,
            ctx=ctx,
            summary=summary,
            report=found,
            audience=audience_text(t, summary.audience, names),
            when=when_text(t, summary.due_at, summary.weekly),
            preview=telegram_html(summary.preview),
            by_residence=by_residence,
            by_language=by_language,
            residence_bars=bars(by_residence),
            language_bars=bars(by_language),
            unreached=unreached,
            used=[s for s in DELIVERY_ORDER if found and found.by_status.get(s)],
            **labels(ctx),
        )

    return [
        Route("/announcements", listing, methods=["GET"]),
        Route("/announcements/new", compose, methods=["GET"]),
        Route("/announcements/new", submit, methods=["POST"]),
        Route("/announcements/preview", live_preview, methods=["POST"]),
        Route("/announcements/photo/{ident}", photo_page, methods=["GET"]),
        Route("/announcements/{aid}/cancel", cancel, methods=["POST"]),
        Route("/announcements/{aid}", report, methods=["GET"]),
    ]
