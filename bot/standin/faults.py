"""What goes wrong with Telegram in production, on demand: flood limits, users who blocked the
bot, 5xx answers, dropped connections and answers that come too late.

A bot that only ever met a perfect server has never had its retries, ordering and error
handling tested. Everything here is off until a test (or a benchmark) turns it on, and every
429, 5xx, drop and delay served is counted per method so tests can assert the bot survived
exactly what it was given.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Literal

from bot.standin.protocol import ApiError, too_many

FaultKind = Literal["error", "drop", "delay"]
_DESCRIPTIONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass(frozen=True)
class Fault:
    """One planned failure of a call.

    error: answer `code`/`description` instead of the result; drop: close the connection
    without an answer; delay: answer normally but only after `delay` seconds. `delivered`
    says whether the call takes effect first (the ambiguous case a client cannot tell apart
    from a failure); a delay always comes after delivery.
    """

    kind: FaultKind
    code: int = 500
    description: str = ""
    retry_after: int | None = None
    delay: float = 0.0
    delivered: bool = False

    def error(self) -> ApiError:
        description = self.description or _DESCRIPTIONS.get(self.code, "Internal Server Error")
        return ApiError(self.code, description, self.retry_after)


@dataclass
class _Bucket:
    """Token bucket: `rate` tokens a second, holding at most `capacity` (full at first)."""

    rate: float
    capacity: float
    tokens: float = field(init=False)
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def wait(self, now: float) -> float:
        """Seconds until a token is available (0 if one is)."""
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's documented limits; None turns one off. Rates may be fractional."""

    private_per_second: float | None = 1.0
    private_burst: int = 3
    group_per_minute: float | None = 20.0
    global_per_second: float | None = 30.0


class Faults:
    """Fault injection and flood control for one stand-in (``standin.faults``)."""

    def __init__(self) -> None:
        self.flood: FloodLimits | None = None
        #: Private chats (user ids) whose user blocked the bot without the bot being told.
        self.blocked: set[int] = set()
        self._block_share = 0.0
        self._block_seed = 0
        self._planned: dict[str, deque[Fault]] = {}
        self._random: dict[str, tuple[float, Fault, random.Random]] = {}
        self._buckets: dict[tuple[str, int], _Bucket] = {}
        #: Every 429 and 5xx answered: (lowercase method, status) -> count.
        self.served: Counter[tuple[str, int]] = Counter()
        #: Connections dropped without an answer, and answers delayed, per lowercase method.
        self.dropped: Counter[str] = Counter()
        self.delayed: Counter[str] = Counter()

    # -- flood limits

    def set_flood_limits(
        self,
        private_per_second: float | None = 1.0,
        group_per_minute: float | None = 20.0,
        global_per_second: float | None = 30.0,
        *,
        private_burst: int = 3,
    ) -> None:
        """Enforce flood limits on messages sent and edited (Telegram's values by default)."""
        self.flood = FloodLimits(
            private_per_second, private_burst, group_per_minute, global_per_second
        )
        self._buckets.clear()

    def clear_flood_limits(self) -> None:
        self.flood = None
        self._buckets.clear()

    def check_flood(self, chat_id: int | None) -> None:
        """Take a message token for this chat and globally, or raise 429 with retry_after."""
        limits = self.flood
        if limits is None:
            return
        wanted: list[tuple[tuple[str, int], float, float]] = []
        if limits.global_per_second:
            rate = limits.global_per_second
            wanted.append((("global", 0), rate, max(1.0, rate)))
        if chat_id is not None and chat_id < 0 and limits.group_per_minute:
            rate = limits.group_per_minute / 60.0
            wanted.append((("chat", chat_id), rate, max(1.0, limits.group_per_minute)))
        elif chat_id is not None and limits.private_per_second:
            rate = limits.private_per_second
            wanted.append((("chat", chat_id), rate, max(1.0, float(limits.private_burst))))
        now = time.monotonic()
        buckets = [self._buckets.setdefault(key, _Bucket(r, c)) for key, r, c in wanted]
        wait = max((bucket.wait(now) for bucket in buckets), default=0.0)
        if wait > 0:
            raise too_many(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= 1.0

    # -- users who blocked the bot

    def block(self, *user_ids: int) -> None:
        """These users blocked the bot: sending to them answers 403."""
        self.blocked.update(user_ids)

    def unblock(self, *user_ids: int) -> None:
        self.blocked.difference_update(user_ids)

    def block_share(self, share: float, *, seed: int = 0) -> None:
        """A share (0..1) of all private chats, picked per user id from `seed`, blocked the bot."""
        self._block_share = share
        self._block_seed = seed

    def has_blocked(self, user_id: int) -> bool:
        if user_id in self.blocked:
            return True
        if self._block_share <= 0 or user_id < 0:
            return False
        return random.Random(f"{self._block_seed}:{user_id}").random() < self._block_share

    # -- failures of single calls

    def fail_next(
        self,
        method: str,
        code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        *,
        times: int = 1,
        delivered: bool = False,
    ) -> None:
        """Answer the next `times` calls of `method` with this error (500 by default)."""
        fault = Fault("error", code, description or "", retry_after, delivered=delivered)
        self._plan(method, fault, times)

    def drop_next(self, method: str, *, times: int = 1, delivered: bool = True) -> None:
        """Close the connection of the next `times` calls without answering."""
        self._plan(method, Fault("drop", delivered=delivered), times)

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Carry out the next `times` calls at once but answer only after `seconds`."""
        self._plan(method, Fault("delay", delay=seconds, delivered=True), times)

    def fail_randomly(
        self,
        method: str,
        probability: float,
        *,
        seed: int = 0,
        kind: FaultKind = "error",
        code: int = 500,
        delay: float = 0.0,
        delivered: bool = False,
    ) -> None:
        """Each call of `method` fails this way with `probability` (reproducible from seed);
        probability 0 stops it."""
        name = method.lower()
        if probability <= 0:
            self._random.pop(name, None)
            return
        fault = Fault(kind, code, delay=delay, delivered=delivered or kind == "delay")
        self._random[name] = (probability, fault, random.Random(seed))

    def _plan(self, method: str, fault: Fault, times: int) -> None:
        self._planned.setdefault(method.lower(), deque()).extend([fault] * times)

    def take(self, method: str) -> Fault | None:
        """The failure planned for this call of `method` (lowercase), if any."""
        planned = self._planned.get(method)
        if planned:
            return planned.popleft()
        chance = self._random.get(method)
        if chance is not None and chance[2].random() < chance[0]:
            return chance[1]
        return None

    def count(self, method: str | None = None, code: int | None = None) -> int:
        """How many 429/5xx answers were served, optionally for one method and/or status."""
        return sum(
            n
            for (name, status), n in self.served.items()
            if (method is None or name == method.lower()) and (code is None or status == code)
        )
