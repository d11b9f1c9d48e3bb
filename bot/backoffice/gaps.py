"""Content gaps: what residents asked that got "not sure" or "out of scope", grouped by
similar wording, with counts per week and language and the 👍/👎 on the answers they got;
a gap marked handled leaves the list until the question comes again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.backoffice.web import PREFIX, Ctx, Pages

WEEKS = (1, 4, 12)


def routes(pages: Pages, staff: Callable[..., Any]) -> list[BaseRoute]:
    @staff
    async def listing(ctx: Ctx) -> Response:
        query = ctx.request.query_params
        weeks = int(query["weeks"]) if query.get("weeks", "").isdigit() else 4
        weeks = weeks if weeks in WEEKS else 4
        handled = query.get("handled") == "1"
        questions = ctx.services.questions
        groups, starts = await questions.gap_groups(weeks=weeks, handled=handled)
        votes = await questions.entry_votes(weeks=weeks)
        return pages.render(
            "gaps.html",
            ctx.t,
            ctx=ctx,
            groups=groups,
            starts=starts,
            votes=votes,
            weeks=weeks,
            choices=WEEKS,
            handled=handled,
            done=query.get("done"),
        )

    @staff
    async def mark(ctx: Ctx) -> Response:
        assert ctx.form is not None
        keys = [str(k) for k in ctx.form.getlist("key") if isinstance(k, str)][:100]
        count = await ctx.services.questions.mark_handled(keys, ctx.session.user_id)
        await ctx.audit("gap.handled", wordings=keys)
        return RedirectResponse(f"{PREFIX}/gaps?done={count}", status_code=303)

    return [
        Route("/gaps", listing, methods=["GET"]),
        Route("/gaps/handled", mark, methods=["POST"]),
    ]
