"""Residents who used the bot before, and the outbox drained as the running bot drains it."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, or_, select

from bot.broadcasts.models import Delivery
from bot.residents.models import Resident
from bot.standin.users import SimUser
from handlers import announcements
from tests.conftest import Harness

RESIDENCE = "cite-du-landy-saint-denis"


async def residents(
    harness: Harness,
    ids: range | list[int],
    *,
    lang: str = "fr",
    residence: str | None = RESIDENCE,
    **columns: object,
) -> list[SimUser]:
    """Residents who used the bot before: their profile is stored, their chat exists."""
    users = [harness.standin.user(i, f"R{i}", language_code=lang) for i in ids]
    now = harness.clock()
    async with harness.db.session() as session:
        for i in ids:
            session.add(
                Resident(
                    user_id=i,
                    chat_id=i,
                    language=lang,
                    first_seen_at=now,
                    last_seen_at=now,
                    residence_id=residence,
                    **columns,
                )
            )
    return users


async def deliver(harness: Harness) -> None:
    """What the job queue does at the due time, then wait for the outbox to drain (what
    waits for the end of quiet hours stays)."""
    await announcements.tick(harness.application.bot, None, harness.services)
    outbox = harness.assistant.outbox
    broadcasts = harness.services.broadcasts
    assert outbox is not None
    for _ in range(1000):
        outbox.wake()
        await _pause()
        if (
            not await broadcasts.expanding()
            and await due_now(harness) == 0
            and not await broadcasts.unreported()
        ):
            break
    else:
        raise AssertionError(f"the outbox did not drain: {await statuses(harness)}")


async def due_now(harness: Harness) -> int:
    """Deliveries in hand or due by the clock (not those waiting for quiet hours to end)."""
    now = harness.clock()
    async with harness.db.reading() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.status.in_(("pending", "sending")),
                or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
            )
        )
    return int(count or 0)


async def _pause() -> None:
    await asyncio.sleep(0.02)


async def statuses(harness: Harness) -> dict[str, int]:
    async with harness.db.reading() as session:
        rows = await session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        )
        return dict(rows.all())  # type: ignore[arg-type]
