"""Rows to the plain views handlers get (detached from any session)."""

from __future__ import annotations

from bot.events.data import EventView, ResidenceView
from bot.events.models import Event, Residence


def event_view(row: Event) -> EventView:
    return EventView(
        id=row.id,
        kind=row.kind,
        status=row.status,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        all_day=row.all_day,
        timezone=row.timezone,
        titles=dict(row.titles or {}),
        descriptions=dict(row.descriptions or {}),
        accessibility=dict(row.accessibility or {}),
        residence_id=row.residence_id,
        place=row.place,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        price_cents=row.price_cents,
        capacity=row.capacity,
        registration=row.registration,
        details=dict(row.details or {}),
        previous_starts_at=row.previous_starts_at,
        sample=row.sample,
    )


def residence_view(row: Residence) -> ResidenceView:
    return ResidenceView(
        row.id,
        row.name,
        row.address,
        row.city,
        row.latitude,
        row.longitude,
        tuple(row.entrances or ()),
        tuple(row.languages or ()),
        row.source or "content",
    )
