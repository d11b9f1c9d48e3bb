"""Residences: the list, add, edit (address, coordinates, entrances, main languages), and each
one's poster link with its QR code (bot/residents/poster.py). What staff save here is the back
office's from then on: the content sync never overwrites it (bot/events/editing.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import segno
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.backoffice.web import PREFIX, Ctx, Pages
from bot.events.data import ResidenceView
from bot.events.editing import EditError, ResidenceForm
from bot.i18n import N_
from bot.residents.poster import PosterError, link, poster_code

ERRORS = {
    "name": N_("Give the name, the address and the city."),
    "coordinates": N_("Latitude is a number between -90 and 90, longitude between -180 and 180."),
    "unknown": N_("This residence does not exist."),
}


def _values(residence: ResidenceView | None) -> dict[str, str]:
    if residence is None:
        return {}
    return {
        "name": residence.name,
        "address": residence.address,
        "city": residence.city,
        "latitude": f"{residence.latitude:.6f}".rstrip("0").rstrip("."),
        "longitude": f"{residence.longitude:.6f}".rstrip("0").rstrip("."),
        "entrances": "\n".join(residence.entrances),
        "languages": ",".join(residence.languages),
    }


def routes(pages: Pages, staff: Callable[..., Any]) -> list[BaseRoute]:
    def poster(ctx: Ctx, residence: ResidenceView) -> tuple[str | None, str | None]:
        """(the poster link, its QR code as an SVG data URI) when BOT_USERNAME is known."""
        username = ctx.services.settings.bot_username
        if not username:
            return None, None
        try:
            url = link(username, poster_code(residence.id))
        except PosterError:
            return None, None
        return url, segno.make(url, error="m").svg_data_uri(scale=4)

    async def page(
        ctx: Ctx,
        residence: ResidenceView | None,
        values: dict[str, str],
        *,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        url, qr = poster(ctx, residence) if residence else (None, None)
        return pages.render(
            "residence.html",
            ctx.t,
            ctx=ctx,
            status=status,
            residence=residence,
            values=values,
            error=ctx.t._(ERRORS[error]) if error else None,
            poster_url=url,
            qr=qr,
            saved=ctx.request.query_params.get("saved") == "1",
        )

    @staff
    async def listing(ctx: Ctx) -> Response:
        return pages.render(
            "residences.html",
            ctx.t,
            ctx=ctx,
            residences=await ctx.services.events.residences(),
        )

    @staff
    async def new_form(ctx: Ctx) -> Response:
        return await page(ctx, None, {})

    @staff
    async def show(ctx: Ctx) -> Response:
        residence = await ctx.services.events.residence(ctx.request.path_params["rid"])
        if residence is None:
            return pages.render(
                "message.html",
                ctx.t,
                ctx=ctx,
                status=404,
                title=None,
                text=ctx.t._(ERRORS["unknown"]),
            )
        return await page(ctx, residence, _values(residence))

    @staff
    async def save(ctx: Ctx) -> Response:
        editor = ctx.services.editor
        assert editor is not None and ctx.form is not None
        rid = ctx.request.path_params.get("rid")
        current = await ctx.services.events.residence(rid) if rid else None
        if rid and current is None:
            return pages.render(
                "message.html",
                ctx.t,
                ctx=ctx,
                status=404,
                title=None,
                text=ctx.t._(ERRORS["unknown"]),
            )
        values = {k: str(v) for k, v in ctx.form.items() if isinstance(v, str) and k != "csrf"}
        catalogs = ctx.services.catalogs
        try:
            latitude = float(values.get("latitude", "").replace(",", "."))
            longitude = float(values.get("longitude", "").replace(",", "."))
        except ValueError:
            return await page(ctx, current, values, error="coordinates", status=400)
        form = ResidenceForm(
            name=values.get("name", ""),
            address=values.get("address", ""),
            city=values.get("city", ""),
            latitude=latitude,
            longitude=longitude,
            entrances=tuple(
                e.strip() for e in values.get("entrances", "").replace(",", "\n").splitlines()
            ),
            languages=tuple(
                c
                for c in dict.fromkeys(
                    x.strip().lower() for x in values.get("languages", "").split(",")
                )
                if catalogs.supports(c)
            ),
        )
        try:
            saved = await editor.save_residence(rid, form)
        except EditError as exc:
            return await page(ctx, current, values, error=exc.reason, status=400)
        await ctx.audit("residence.save", residence=saved.id, new=rid is None)
        return RedirectResponse(f"{PREFIX}/residences/{saved.id}?saved=1", status_code=303)

    return [
        Route("/residences", listing, methods=["GET"]),
        Route("/residences/new", new_form, methods=["GET"]),
        Route("/residences/new", save, methods=["POST"]),
        Route("/residences/{rid}", show, methods=["GET"]),
        Route("/residences/{rid}", save, methods=["POST"]),
    ]
