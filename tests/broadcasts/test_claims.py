"""Two processes claiming the same outbox never get the same delivery (PostgreSQL's
FOR UPDATE SKIP LOCKED; SQLite serves one process)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.broadcasts.audience import Audience
from bot.broadcasts.service import BroadcastService, Draft
from bot.clock import FrozenClock
from bot.residents.models import Resident
from bot.storage.database import Database
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="several processes: PostgreSQL")


async def test_two_senders_never_claim_the_same_delivery(database: Database) -> None:
    clock = FrozenClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    now = clock()
    async with database.session() as session:
        await session.execute(
            insert(Resident),
            [
                {
                    "user_id": 50_000 + n,
                    "chat_id": 50_000 + n,
                    "language": "fr",
                    "first_seen_at": now,
                    "last_seen_at": now,
                    "quiet_start": 0,
                    "quiet_end": 0,
                }
                for n in range(400)
            ],
        )
    tz = ZoneInfo("Europe/Paris")
    first = BroadcastService(database, clock, tz, lambda a, b: "fr")
    other_db = Database(database.url)  # another process's connections
    second = BroadcastService(other_db, clock, tz, lambda a, b: "fr")
    try:
        await first.create(None, Draft({"fr": "x"}, "fr", Audience(), urgent=True))
        started = await first.start_due(timedelta(hours=6))
        while not await first.expand(started.runs[0]):
            pass
        claimed: list[int] = []
        while True:
            a, b = await asyncio.gather(first.claim(25), second.claim(25))
            if not a and not b:
                break
            claimed += [c.delivery_id for c in a + b]
        assert len(claimed) == len(set(claimed)) == 400
    finally:
        await other_db.dispose()
