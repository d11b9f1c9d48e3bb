"""SIGKILL in the middle of a delivery: after a restart every recipient has the announcement,
and the duplicates stay within the documented bound (bot/telegram/outbox.py)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bot.broadcasts.audience import Audience
from bot.broadcasts.service import BroadcastService, Draft
from bot.clock import system_clock
from bot.residents.models import Resident
from bot.standin import BotAPIStandin
from bot.storage.database import Database
from bot.storage.migrate import upgrade
from bot.telegram.outbox import FLUSH_ROWS, in_flight_for
from tests.conftest import run_process

RECIPIENTS = 600
RATE = 90  # messages/s: about 7 s for the whole delivery, time enough to kill it midway
FIRST = 40_000


async def prepare(url: str) -> None:
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    now = datetime.now(UTC)
    rows = [
        {
            "user_id": FIRST + n,
            "chat_id": FIRST + n,
            "language": "fr",
            "blocked": False,
            "stopped": False,
            "first_seen_at": now,
            "last_seen_at": now,
            "quiet_start": 0,  # no quiet hours: the test runs at any hour
            "quiet_end": 0,
        }
        for n in range(RECIPIENTS)
    ]
    async with db.session() as session:
        await session.execute(insert(Resident), rows)
    service = BroadcastService(db, system_clock, ZoneInfo("UTC"), _fr)
    await service.create(None, Draft({"fr": "Coupure d’eau demain"}, "fr", Audience()))
    await db.dispose()


def _fr(_chosen: str | None, _telegram: str | None) -> str:
    return "fr"


async def run_bot(standin: BotAPIStandin, url: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": standin.token,
        "TELEGRAM_API_URL": standin.base_url,
        "DATABASE_URL": url,
        "BROADCAST_RATE": str(RATE),
        "LOG_LEVEL": "WARNING",
    }
    return await run_process(env, log=False)


async def until(ready: Callable[[], bool], seconds: float) -> None:
    """Poll a condition on many chats at once (the bot runs in another process)."""
    for _ in range(int(seconds / 0.05)):
        if ready():
            return
        await asyncio.sleep(0.05)


async def test_killed_mid_delivery_every_resident_gets_it_once_or_within_the_bound(
    standin: BotAPIStandin, tmp_path: Path
) -> None:
    users = [standin.user(FIRST + n, f"R{n}", language_code="fr") for n in range(RECIPIENTS)]
    standin.faults.set_flood_limits(global_per_second=RATE + 10)
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    await prepare(url)

    def delivered() -> int:
        return sum(1 for u in users if u.sent_count)

    first = await run_bot(standin, url)
    try:
        await until(lambda: delivered() >= RECIPIENTS // 4, 30)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    before = delivered()
    assert RECIPIENTS // 4 <= before < RECIPIENTS  # killed in the middle

    second = await run_bot(standin, url)
    try:
        await until(lambda: delivered() == RECIPIENTS, 60)
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    counts = [u.sent_count for u in users]
    assert all(count >= 1 for count in counts), "an announcement was lost"
    duplicates = sum(counts) - RECIPIENTS
    print(f"killed after {before} of {RECIPIENTS}; {duplicates} sent twice")
    assert duplicates <= in_flight_for(RATE) + FLUSH_ROWS
    assert all(m["text"] == "Coupure d’eau demain" for u in users for m in u.messages)


async def test_a_redeploy_mid_delivery_loses_nothing_and_sends_nothing_twice(
    standin: BotAPIStandin, tmp_path: Path
) -> None:
    """SIGTERM (a redeploy): the sends in flight finish and are recorded, the rest wait in the
    outbox; the next process sends them. Within the platform's 10 s."""
    users = [standin.user(FIRST + n, f"R{n}", language_code="fr") for n in range(RECIPIENTS)]
    standin.faults.set_flood_limits(global_per_second=RATE + 10)
    url = f"sqlite:///{tmp_path / 'redeploy.sqlite3'}"
    await prepare(url)

    def delivered() -> int:
        return sum(1 for u in users if u.sent_count)

    first = await run_bot(standin, url)
    await until(lambda: delivered() >= RECIPIENTS // 4, 30)
    stopping = asyncio.get_running_loop().time()
    first.send_signal(signal.SIGTERM)
    await asyncio.wait_for(first.wait(), 10)
    assert asyncio.get_running_loop().time() - stopping < 10
    assert delivered() < RECIPIENTS

    second = await run_bot(standin, url)
    try:
        await until(lambda: delivered() == RECIPIENTS, 60)
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    assert [u.sent_count for u in users] == [1] * RECIPIENTS
