"""Write-behind: changes are written in batches shortly after they happen, off the reply's path."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class FlushSoon:
    """Calls `flush` `delay` seconds after the first change since the last flush. A failed
    flush is logged; the service keeps its rows for the next one, so nothing is lost while
    the database is briefly away."""

    def __init__(self, flush: Callable[[], Awaitable[None]], delay: float) -> None:
        self._flush = flush
        self._delay = delay
        self._timer: asyncio.TimerHandle | None = None

    def schedule(self) -> None:
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._delay, lambda: loop.create_task(self._run()))

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _run(self) -> None:
        try:
            await self._flush()
        except Exception:
            log.exception("write-behind flush failed; will retry with the next change")
