"""Replies that survive Telegram's flood limits and passing faults, without holding others up.

Why not PTB's AIORateLimiter: on a 429 it pauses every request of the bot until the wait is
over, so one resident's flood limit would delay every other resident's reply; and it does not
retry 5xx answers or dropped connections. This limiter throttles nothing up front (a resident
waits for each reply; the ~30/s cap matters for bulk sends, which pace themselves), and:
- on 429 waits `retry_after` and retries, for that request only;
- on a 5xx or a dropped connection retries with backoff, a bounded number of times;
- never retries a timeout: Telegram may have delivered the message, so resending could
  duplicate it;
- while it waits, hands the update's worker slot to other residents (ordering.slot_released).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.telegram.ordering import slot_released

log = logging.getLogger(__name__)

# getUpdates has its own loop with its own backoff (bot/telegram/polling.py).
NOT_RETRIED = frozenset({"getupdates"})


def retry_seconds(exc: RetryAfter) -> float:
    """`retry_after` is an int or a timedelta depending on PTB's settings."""
    delay = exc.retry_after
    return float(delay.total_seconds() if hasattr(delay, "total_seconds") else delay)


class RetryingLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        max_retries: int = 3,
        backoff: float = 0.5,
        on_flood: Callable[[str], None] | None = None,
    ) -> None:
        self.max_retries = max_retries
        self.backoff = backoff
        self._on_flood = on_flood  # told of each 429 received, with the method's name

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[Any]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[Any]:
        retries = rate_limit_args if rate_limit_args is not None else self.max_retries
        if endpoint.lower() in NOT_RETRIED:
            retries = 0
        attempt = 0
        while True:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if self._on_flood is not None:
                    self._on_flood(endpoint)
                if attempt >= retries:
                    raise
                seconds = retry_seconds(exc)
                log.warning("flood limit on %s: retrying in %.1f s", endpoint, seconds)
            except (TimedOut, BadRequest):
                raise  # a timeout is ambiguous (the message may have arrived); 400 is final
            except NetworkError as exc:
                if attempt >= retries:
                    raise
                seconds = self.backoff * 2**attempt
                log.warning("%s failed (%s): retrying in %.1f s", endpoint, exc, seconds)
            attempt += 1
            async with slot_released():
                await asyncio.sleep(seconds)
