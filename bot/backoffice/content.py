"""Content, read only: the entries by topic and language, and which are translated (the
content files stay the one source; editors change them there)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.backoffice.web import Ctx, Pages


def routes(pages: Pages, staff: Callable[..., Any]) -> list[BaseRoute]:
    @staff
    async def listing(ctx: Ctx) -> Response:
        content = ctx.services.answers.answerer.content
        languages = ctx.services.catalogs.supported
        fallback = ctx.services.catalogs.default_locale
        shown = ctx.request.query_params.get("lang", ctx.lang)
        shown = shown if shown in languages else ctx.lang
        topics: dict[str, list[Any]] = {}
        for entry in content.entries:
            topics.setdefault(entry.category, []).append(entry)
        done = {code: sum(1 for e in content.entries if e.translated(code)) for code in languages}
        return pages.render(
            "content.html",
            ctx.t,
            ctx=ctx,
            topics=sorted(topics.items()),
            codes=languages,
            shown=shown,
            fallback=fallback,
            done=done,
            total=len(content.entries),
        )

    return [Route("/content", listing, methods=["GET"])]
