"""The back office's pages: a Starlette app under /web, rendered with Jinja2. Every page works
without JavaScript; one small script of ours (static/compose.js, no other origin) adds the
announcement composer's live preview.

Every page and form goes through `staff_page`: the session cookie is read and checked (and the
role asked again, bot/backoffice/staff.py) on each request; a POST without the session's CSRF
token changes nothing. Pages speak the staff member's language (the bot's catalogs): the one
chosen with the switcher, else their resident profile's, else the browser's, else the default.

`backoffice_routes(services)` is served by `residents-bot web` and, in webhook mode, beside the
webhook by `residents-bot run`. Screens live in their own modules (residences, events, gaps,
content, announcements) and add themselves in `backoffice_routes`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.backoffice.access import LOGIN_PATH, SESSION_TTL, LoginError, Session
from bot.backoffice.staff import audit
from bot.i18n import N_, Catalogs, Translator, normalize_code
from bot.services import Services

log = logging.getLogger(__name__)
PREFIX = "/web"
HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "bo_session"
LANG_COOKIE = "bo_lang"
RTL = frozenset({"ar", "he", "fa", "ur"})
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# The navigation, in order: (path under /web, label).
NAV: list[tuple[str, str]] = [
    ("/events", N_("Events")),
    ("/calendar", N_("Calendar")),
    ("/residences", N_("Residences")),
    ("/import", N_("Import a calendar")),
    ("/announcements", N_("Announcements")),
    ("/gaps", N_("Content gaps")),
    ("/content", N_("Content")),
]

LOGIN_ERRORS = {
    "unknown": N_("This login link is not valid. Send /web to the bot for a new one."),
    "expired": N_("This login link has expired (links last 10 minutes). Send /web again."),
    "used": N_("This login link was already used (each link works once). Send /web again."),
    "not_staff": N_("This back office is for the association’s staff only."),
}


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    return env


@dataclass
class Ctx:
    """One request of a logged-in staff member."""

    request: Request
    services: Services
    session: Session
    t: Translator
    form: FormData | None = None
    csrf: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.t.locale

    def text(self, message: str, /, **values: Any) -> str:
        """A translated string with its values filled (escaped), as plain text."""
        return self.t._(message, **values)

    async def audit(self, action: str, **details: Any) -> None:
        await audit(self.services, self.session.user_id, action, **details)


class Pages:
    """Renders templates with the request's translator and the site's helpers."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.env = _environment()

    def render(
        self,
        template: str,
        t: Translator,
        *,
        status: int = 200,
        ctx: Ctx | None = None,
        **values: Any,
    ) -> HTMLResponse:
        catalogs = self.services.catalogs

        def gettext(message: str, **kw: Any) -> Markup:
            return Markup(t._(message, **kw))

        def ngettext(singular: str, plural: str, n: int, **kw: Any) -> Markup:
            return Markup(t.ngettext(singular, plural, n, **kw))

        request = ctx.request if ctx else None
        here = request.url.path if request else PREFIX
        query = f"?{request.url.query}" if request and request.url.query else ""
        body = self.env.get_template(template).render(
            _=gettext,
            ngettext=ngettext,
            t=t,
            lang=t.locale,
            direction="rtl" if t.locale in RTL else "ltr",
            languages=[(c, Catalogs.language_name(c)) for c in catalogs.supported],
            nav=NAV,
            prefix=PREFIX,
            here=here,
            back=quote(here + query, safe=""),
            csrf=ctx.csrf if ctx else "",
            staff=ctx.session.user_id if ctx else None,
            day=lambda v: t.day(v),
            hour=lambda v: t.time(v),
            date_iso=lambda v: v.astimezone(t.tz).strftime("%Y-%m-%d"),
            hour_iso=lambda v: v.astimezone(t.tz).strftime("%H:%M"),
            **values,
        )
        return HTMLResponse(body, status_code=status, headers=HEADERS)

    def language(self, request: Request, profile: str | None = None) -> str:
        catalogs = self.services.catalogs
        chosen = request.cookies.get(LANG_COOKIE)
        if catalogs.supports(chosen):
            return str(chosen)
        if catalogs.supports(profile):
            return str(profile)
        for part in request.headers.get("accept-language", "").split(","):
            code = normalize_code(part.split(";")[0])
            if catalogs.supports(code):
                return str(code)
        return catalogs.default_locale

    def message(
        self, request: Request, status: int, text: str, *, title: str | None = None
    ) -> HTMLResponse:
        """A page that only says something (errors, refusals), in the visitor's language."""
        t = self.services.catalogs.get(self.language(request))
        return self.render(
            "message.html",
            t,
            status=status,
            title=t._(title) if title else None,
            text=t._(text),
        )


Handler = Callable[[Ctx], Awaitable[Response]]


def staff_page(pages: Pages) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Check the session, the role and (for a POST) the CSRF token, then run the page."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            services = pages.services
            web = services.web
            assert web is not None
            session = await web.session(request.cookies.get(SESSION_COOKIE))
            if session is None:
                return pages.message(
                    request,
                    401,
                    N_(
                        "Please log in: send /web to the assistant on Telegram and open the "
                        "link it gives you."
                    ),
                    title=N_("Staff back office"),
                )
            resident = await services.residents.get(session.user_id)
            t = services.catalogs.get(pages.language(request, resident and resident.language))
            ctx = Ctx(request, services, session, t, csrf=web.csrf(session))
            if request.method == "POST" and not getattr(handler, "unread", False):
                ctx.form = await request.form(max_files=1, max_fields=200)
                token = ctx.form.get("csrf")
                if not isinstance(token, str) or not web.csrf_ok(session, token):
                    return pages.render(
                        "message.html",
                        t,
                        status=403,
                        ctx=ctx,
                        title=None,
                        text=t._(
                            "This form has expired or did not come from this site: "
                            "nothing was changed. Open the page again and retry."
                        ),
                    )
            return await handler(ctx)

        return endpoint

    return wrap


def unread(handler: Handler) -> Handler:
    """A POST page that must not read the body (an upload refused for its size)."""
    handler.unread = True  # type: ignore[attr-defined]
    return handler


def login_routes(pages: Pages) -> list[BaseRoute]:
    services = pages.services

    async def login_page(request: Request) -> Response:
        web = services.web
        assert web is not None
        token = request.path_params["token"]
        try:
            await web.check_link(token)
        except LoginError as exc:
            return pages.message(request, 400, LOGIN_ERRORS[exc.reason])
        t = services.catalogs.get(pages.language(request))
        return pages.render("login.html", t, token=token)

    async def login(request: Request) -> Response:
        web = services.web
        assert web is not None
        try:
            session = await web.redeem(request.path_params["token"])
        except LoginError as exc:
            return pages.message(request, 400, LOGIN_ERRORS[exc.reason])
        await audit(services, session.user_id, "login")
        response = RedirectResponse(f"{PREFIX}/events", status_code=303)
        set_session(response, request, web.cookie(session))
        return response

    async def logout(request: Request) -> Response:
        web = services.web
        assert web is not None
        session = await web.session(request.cookies.get(SESSION_COOKIE))
        if session is not None:
            form = await request.form(max_files=0, max_fields=5)
            token = form.get("csrf")
            if isinstance(token, str) and web.csrf_ok(session, token):
                await web.close(session)
        response = RedirectResponse(f"{PREFIX}/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    async def switch_language(request: Request) -> Response:
        code = request.path_params["code"]
        target = request.query_params.get("next", "")
        if not target.startswith(PREFIX + "/") or target.startswith("//"):
            target = f"{PREFIX}/"
        response = RedirectResponse(target, status_code=303)
        if services.catalogs.supports(code):
            response.set_cookie(
                LANG_COOKIE, code, max_age=365 * 86400, path=PREFIX, samesite="lax", httponly=True
            )
        return response

    async def home(request: Request) -> Response:
        web = services.web
        assert web is not None
        if await web.session(request.cookies.get(SESSION_COOKIE)) is None:
            return pages.message(
                request,
                401,
                N_(
                    "Please log in: send /web to the assistant on Telegram and open the "
                    "link it gives you."
                ),
                title=N_("Staff back office"),
            )
        return RedirectResponse(f"{PREFIX}/events", status_code=303)

    return [
        Route("/", home, methods=["GET"]),
        Route(LOGIN_PATH.removeprefix(PREFIX) + "{token}", login_page, methods=["GET"]),
        Route(LOGIN_PATH.removeprefix(PREFIX) + "{token}", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang/{code}", switch_language, methods=["GET"]),
    ]


def set_session(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=int(SESSION_TTL.total_seconds()),
        path=PREFIX,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https",
    )


def parse_local(t: Translator, day: str, hour: str) -> datetime | None:
    """ "2026-12-05", "14:00" in TIMEZONE -> an aware datetime (None when malformed)."""
    try:
        naive = datetime.strptime(f"{day.strip()} {hour.strip()}", "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    return naive.replace(tzinfo=t.tz)


def backoffice_routes(services: Services) -> list[BaseRoute]:
    """The back office, mounted under /web."""
    from bot.backoffice import announcements, content, events, gaps, residences

    pages = Pages(services)
    staff = staff_page(pages)
    routes = login_routes(pages)
    for screen in (residences, events, announcements, gaps, content):
        routes += screen.routes(pages, staff)
    return [
        Mount(PREFIX + "/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        Mount(PREFIX, routes=routes),
    ]


def backoffice_app(services: Services) -> Any:
    """`residents-bot web`: the back office alone (and / pointing to it)."""
    from starlette.applications import Starlette

    async def root(_request: Request) -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=303)

    return Starlette(routes=[Route("/", root), *backoffice_routes(services)])
