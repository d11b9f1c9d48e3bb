"""Announcements at Telegram's pace: 10,000 recipients through the Bot API stand-in enforcing
flood limits, then the outbox expansion for 100,000 residents.

The Telegram side runs in a child process (as Telegram runs elsewhere), enforcing the limits
scaled up for the benchmark: 500 messages/s overall, 1/s per private chat, 20/min per group,
and 5% of the residents blocked the bot (403). The assistant sends at BROADCAST_RATE=480.
Printed: the achieved rate as a share of the limit (target >= 0.95), 429s received (target
0), duplicates and lost messages (0), the bot process's peak memory. The baseline, measured in
the same run against the same stand-in: the same recipients sent by a plain loop of PTB's
`send_message` with 24 in flight and no pacing (what a bot without an outbox does); its rate
is capped by the CPU PTB's request stack spends per message (bot/telegram/bulkapi.py).
Then: the time to expand 100,000 residents into the outbox on SQLite (target < 10 s) and the
peak memory of that expansion (target < 200 MB).
Run: python -m bench.broadcast [--recipients 10000] [--expand 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.app import build_application, build_assistant, start, stop
from bot.broadcasts.audience import Audience
from bot.broadcasts.service import BroadcastService, Draft
from bot.clock import system_clock
from bot.config import Settings
from bot.residents.models import Resident
from bot.standin import BotAPIStandin
from bot.storage.database import Database
from bot.storage.migrate import upgrade
from handlers import announcements

LIMIT = 500.0
RATE = 480.0
BLOCKED_SHARE = 0.05
BASE = 100_000  # resident ids start here


async def telegram_side(recipients: int) -> None:
    """Child: the stand-in with the limits; on REPORT, what each chat received."""
    async with BotAPIStandin() as standin:
        for number in range(recipients):
            standin.user(BASE + number, f"R{number}", language_code="fr")
        standin.faults.set_flood_limits(
            private_per_second=1.0, group_per_minute=20.0, global_per_second=LIMIT
        )
        standin.faults.block_share(BLOCKED_SHARE, seed=7)
        print(f"READY {standin.base_url} {standin.token}", flush=True)
        while True:
            line = (await asyncio.to_thread(sys.stdin.readline)).strip()
            if line == "STOP" or not line:
                return
            counts: Counter[int] = Counter()
            for number in range(recipients):
                chat = standin.chat(BASE + number)
                if chat is not None:
                    sent = [m for m in chat.messages if m.get("text", "").startswith(line)]
                    counts[BASE + number] = len(sent)
            blocked = sum(
                1 for number in range(recipients) if standin.faults.has_blocked(BASE + number)
            )
            served_429 = sum(n for (_m, code), n in standin.faults.served.items() if code == 429)
            print(
                json.dumps(
                    {
                        "received": sum(1 for c in counts.values() if c),
                        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
                        "blocked": blocked,
                        "missing": sum(
                            1
                            for number in range(recipients)
                            if not counts[BASE + number]
                            and not standin.faults.has_blocked(BASE + number)
                        ),
                        "served_429": served_429,
                    }
                ),
                flush=True,
            )
            standin.faults.served.clear()


class TelegramSide:
    def __init__(self, recipients: int) -> None:
        self.recipients = recipients

    async def __aenter__(self) -> TelegramSide:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.broadcast",
            "--telegram-side",
            str(self.recipients),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        _ready, url, token = (await self.process.stdout.readline()).split()
        self.base_url, self.token = url.decode(), token.decode()
        return self

    async def report(self, marker: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(marker.encode() + b"\n")
        await self.process.stdin.drain()
        return json.loads(await self.process.stdout.readline())  # type: ignore[no-any-return]

    async def __aexit__(self, *exc: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"STOP\n")
        await self.process.stdin.drain()
        await self.process.wait()


async def add_residents(db: Database, count: int) -> None:
    """Written in chunks, never all held at once (the expansion's peak is what is measured)."""
    now = datetime.now(UTC)
    languages = ("fr", "ar", "pt", "es", "en")
    for first in range(0, count, 5000):
        rows = [
            {
                "user_id": BASE + n,
                "chat_id": BASE + n,
                "language": languages[n % 5],
                "blocked": False,
                "stopped": False,
                "first_seen_at": now,
                "last_seen_at": now,
                "residence_id": f"res-{n % 40}",
                "quiet_start": 0,  # no quiet hours: the benchmark runs at any hour
                "quiet_end": 0,
            }
            for n in range(first, min(count, first + 5000))
        ]
        async with db.session() as session:
            await session.execute(insert(Resident), rows)


async def baseline(side: TelegramSide, recipients: int) -> dict[str, Any]:
    """A plain loop, 24 in flight, no pacing: what sending without an outbox gives."""
    from telegram import Bot
    from telegram.error import Forbidden, RetryAfter, TelegramError
    from telegram.request import HTTPXRequest

    bot = Bot(
        side.token,
        base_url=f"{side.base_url}/bot",
        request=HTTPXRequest(connection_pool_size=26),
    )
    await bot.initialize()
    slots = asyncio.Semaphore(24)
    outcome: Counter[str] = Counter()

    async def one(chat_id: int) -> None:
        async with slots:
            try:
                await bot.send_message(chat_id, "BASELINE")
                outcome["sent"] += 1
            except RetryAfter:
                outcome["429"] += 1
            except Forbidden:
                outcome["403"] += 1
            except TelegramError:
                outcome["error"] += 1

    began = time.perf_counter()
    await asyncio.gather(*(one(BASE + n) for n in range(recipients)))
    seconds = time.perf_counter() - began
    await bot.shutdown()
    seen = await side.report("BASELINE")
    return {
        "seconds": seconds,
        "rate": outcome["sent"] / seconds,
        "sent": outcome["sent"],
        "429": seen["served_429"],
        "lost": recipients - outcome["sent"] - outcome["403"],
    }


async def deliver(recipients: int, folder: Path) -> dict[str, Any]:
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    async with TelegramSide(recipients) as side:
        base = await baseline(side, recipients)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            telegram_api_url=side.base_url,
            database_url=url,
            broadcast_rate=RATE,
            log_level="WARNING",
        )
        assistant = build_assistant(settings)
        await add_residents(assistant.db, recipients)
        build_application(assistant, token=side.token)
        await start(assistant, host="127.0.0.1")
        services = assistant.services
        outbox = assistant.outbox
        assert outbox is not None and assistant.application is not None
        await services.broadcasts.create(
            None, Draft({"fr": "ANNOUNCE water cut"}, "fr", Audience())
        )
        began = time.perf_counter()
        await announcements.tick(assistant.application.bot, None, services)
        while (await services.broadcasts.summaries(limit=1))[0].status != "done":
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - began
        seen = await side.report("ANNOUNCE")
        floods = outbox.floods
        await stop(assistant)
        await assistant.close()
    delivered = seen["received"]
    return {
        "baseline": base,
        "seconds": seconds,
        "delivered": delivered,
        "rate": (delivered + seen["blocked"]) / seconds,  # what Telegram was sent
        "blocked": seen["blocked"],
        "duplicates": seen["duplicates"],
        "lost": seen["missing"],
        "429_received": floods,
        "429_served": seen["served_429"],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def expand(residents: int, folder: Path) -> dict[str, Any]:
    url = f"sqlite:///{folder / 'expand.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    await add_residents(db, residents)
    service = BroadcastService(
        db, system_clock, Settings(_env_file=None).tz, lambda a, b: a or "fr"
    )  # type: ignore[call-arg]
    await service.create(None, Draft({"fr": "x"}, "fr", Audience()))
    started = await service.start_due(timedelta(hours=6))
    began = time.perf_counter()
    while not await service.expand(started.runs[0]):
        pass
    seconds = time.perf_counter() - began
    backlog = await service.backlog()
    await db.dispose()
    return {
        "seconds": seconds,
        "rows": backlog,
        "process_peak_mb": own_peak_mb(),
    }


def own_peak_mb() -> float:
    """This process's peak resident memory. Linux's ru_maxrss survives exec, so a process
    started by a big one reports its parent's peak; VmHWM belongs to the process's own memory."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def expand_apart(residents: int, folder: Path) -> dict[str, Any]:
    """In a process of its own, as `residents-bot run` holds it: its peak is its own."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.broadcast",
        "--expand-only",
        str(residents),
        str(folder),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    return json.loads(out.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]


async def main(recipients: int, residents: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        d = await deliver(recipients, folder)
        b = d["baseline"]
        print(
            f"== {recipients:,} recipients, stand-in limit {LIMIT:.0f}/s, BROADCAST_RATE {RATE:.0f}"
        )
        print(
            f"baseline (plain loop, 24 in flight): {b['rate']:.0f} msg/s sent, "
            f"{b['429']} x 429, {b['lost']} not delivered"
        )
        print(
            f"outbox: {d['delivered']:,} delivered + {d['blocked']:,} blocked in "
            f"{d['seconds']:.1f} s = {d['rate']:.0f} msg/s, "
            f"{d['rate'] / LIMIT:.2f} of the limit (target >= 0.95)"
        )
        print(
            f"429s: {d['429_received']} received, {d['429_served']} served (target 0); "
            f"duplicates {d['duplicates']}; lost {d['lost']}; peak memory {d['peak_mb']:.0f} MB"
        )
        e = await expand_apart(residents, folder)
        print(
            f"== expansion of {residents:,} residents: {e['seconds']:.1f} s (target < 10 s), "
            f"{e['rows']:,} rows, peak memory of that process {e['process_peak_mb']:.0f} MB "
            "(target < 200)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--expand", type=int, default=100_000)
    parser.add_argument("--telegram-side", type=int, default=None)
    parser.add_argument("--expand-only", nargs=2, default=None)
    args = parser.parse_args()
    if args.expand_only is not None:
        result = asyncio.run(expand(int(args.expand_only[0]), Path(args.expand_only[1])))
        print(json.dumps(result))
    elif args.telegram_side is not None:
        asyncio.run(telegram_side(args.telegram_side))
    else:
        asyncio.run(main(args.recipients, args.expand))
