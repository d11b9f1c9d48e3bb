"""What /healthz reports (bot/web.py serves it): 200 when this process can serve residents,
503 when not (the database is unreachable, the job queue is stopped, or the process is
shutting down), with the details as JSON either way."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.clock import Clock, system_clock
from bot.telegram.inbox import Inbox
from bot.telegram.scheduler import SchedulerGate

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0

Backlog = Callable[[], Awaitable[int]]


class Health:
    def __init__(self, inbox: Inbox, mode: str, clock: Clock = system_clock) -> None:
        self._inbox = inbox
        self._clock = clock
        self.mode = mode  # "polling" or "webhook"
        self.scheduler: SchedulerGate | None = None
        self.serving = False  # set once started, cleared when shutting down
        self.last_update_id: int | None = None
        self.last_update_at: datetime | None = None
        # Other queues to report, e.g. "outbox": a coroutine counting what waits to be sent.
        self.backlogs: dict[str, Backlog] = {}

    def handled(self, update_id: int) -> None:
        self.last_update_id = update_id
        self.last_update_at = self._clock()

    async def inbox_backlog(self) -> int:
        return await self._inbox.backlog()

    async def check(self) -> tuple[bool, dict[str, Any]]:
        problems: list[str] = []
        inbox_backlog: int | None = None
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                inbox_backlog = await self._inbox.backlog()
            database = True
        except Exception as exc:  # any failure to read means residents cannot be served
            log.warning("health: database unreachable (%s)", type(exc).__name__)
            database = False
            problems.append("database unreachable")
        job_queue = self.scheduler.state if self.scheduler is not None else "stopped"
        if job_queue == "stopped":
            problems.append("job queue stopped")
        if not self.serving:
            problems.append("not serving (starting or shutting down)")
        backlogs: dict[str, int | None] = {"inbox": inbox_backlog, "outbox": None}
        for name, count in self.backlogs.items():
            try:
                async with asyncio.timeout(CHECK_TIMEOUT):
                    backlogs[name] = await count()
            except Exception:
                backlogs[name] = None
                problems.append(f"{name} backlog unreadable")
        last = None
        if self.last_update_at is not None:
            last = {
                "update_id": self.last_update_id,
                "at": self.last_update_at.isoformat(timespec="seconds"),
                "seconds_ago": round((self._clock() - self.last_update_at).total_seconds(), 1),
            }
        report: dict[str, Any] = {
            "status": "unavailable" if problems else "ok",
            "mode": self.mode,
            "database": database,
            "job_queue": job_queue,
            "last_update": last,
            "inbox_backlog": backlogs.pop("inbox"),
            "outbox_backlog": backlogs.pop("outbox"),
            **{f"{name}_backlog": value for name, value in backlogs.items()},
        }
        if problems:
            report["problems"] = problems
        return not problems, report
