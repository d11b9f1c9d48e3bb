"""The job queue's scheduler runs in one process only.

Every process builds its JobQueue and starts its scheduler paused. On SQLite (one process) it
runs at once. On PostgreSQL the process that holds the advisory lock (APP, SCHEDULER) on its
lock connection (bot/storage/locks.py) runs it; the others serve updates and stay on standby,
trying to take the lock every `retry` seconds, so that when the holder stops (a redeploy, a
crash: PostgreSQL releases a dead session's locks) another takes over. A holder that loses
its lock connection pauses its scheduler at the next check, before anyone else can take over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from bot.storage.locks import SCHEDULER, ProcessLocks

log = logging.getLogger(__name__)

RETRY_SECONDS = 30.0


class SchedulerGate:
    def __init__(
        self,
        scheduler: Any,  # the JobQueue's APScheduler AsyncIOScheduler
        locks: ProcessLocks | None,
        *,
        retry: float = RETRY_SECONDS,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self._scheduler = scheduler
        self._locks = locks
        self._retry = retry
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None
        self.active = False

    @property
    def state(self) -> str:
        """running (this process runs the jobs), standby (another does) or stopped."""
        if not self._scheduler.running:
            return "stopped"
        return "running" if self.active else "standby"

    async def start(self) -> None:
        """Before Application.start(), which then finds the scheduler started."""
        if not self._scheduler.running:
            self._scheduler.start(paused=True)
        if self._locks is None:
            self._activate()
            return
        await self._try()
        if not self.active:
            log.info("another process runs the scheduled jobs: this one stands by")
        self._task = asyncio.create_task(self._watch(), name="scheduler-gate")

    async def _try(self) -> None:
        assert self._locks is not None
        if await self._locks.try_lock(SCHEDULER):
            self._activate()
            log.info("this process runs the scheduled jobs")

    def _activate(self) -> None:
        self._scheduler.resume()
        self.active = True
        if self._on_change is not None:
            self._on_change(True)

    def _deactivate(self) -> None:
        if self._scheduler.running:
            self._scheduler.pause()
        self.active = False
        if self._on_change is not None:
            self._on_change(False)

    async def _watch(self) -> None:
        assert self._locks is not None
        while True:
            await asyncio.sleep(self._retry)
            try:
                if not await self._locks.alive() and self.active:
                    log.warning("lost the scheduler lock with its connection: jobs paused")
                    self._deactivate()
                if not self.active:
                    await self._try()
            except Exception:  # never let the watch die: it is how a standby takes over
                log.exception("scheduler lock check failed")

    async def stop(self) -> None:
        """Stop watching and give the lock up at once, so a standby can take over."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.active and self._locks is not None:
            self._deactivate()
            await self._locks.unlock(SCHEDULER)
