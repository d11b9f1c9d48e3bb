"""The bot's pending updates, as Telegram keeps them: read by long polling (getUpdates) or
pushed to a webhook, never both.

Offsets confirm: once getUpdates is called with an offset, updates below it are gone for good.
allowed_updates filters updates created after it is set. A second getUpdates while one is
waiting ends the first with 409, which is how two running copies of a bot find out.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from bot.standin.protocol import JSON, ApiError, as_float, bad, int_param, snapshot

if TYPE_CHECKING:
    from bot.standin.webhook import Webhook

# What Telegram sends when allowed_updates was never set, or set to [].
_DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)


def chat_key(update: JSON) -> int:
    """The chat an update belongs to: updates of one chat are delivered one at a time."""
    payload: Any = next(v for k, v in update.items() if k != "update_id")
    chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
    if chat is not None:
        return int(chat["id"])
    sender = payload.get("from") or {}
    return int(sender.get("id", update["update_id"]))


class UpdateQueue:
    """Pending updates in order, with the getUpdates rules; see the module docstring."""

    def __init__(self) -> None:
        self.pending: deque[JSON] = deque()
        self.allowed: frozenset[str] | None = None
        #: The webhook delivering updates, when one is set.
        self.webhook: Webhook | None = None
        self.cond = asyncio.Condition()
        self.closing = False
        # Telegram numbers a bot's updates in one increasing sequence over its whole life: a
        # stand-in started later starts higher, so a database kept across runs (chat mode)
        # never sees an old update id again.
        self._next_id = int(time.time() * 100) - 170_000_000_000
        self._poll_generation = 0

    def is_allowed(self, kind: str) -> bool:
        if self.allowed is None:
            return kind not in _DEFAULT_EXCLUDED
        return kind in self.allowed

    async def enqueue(self, kind: str, payload: JSON) -> None:
        """Queue an update of this kind (dropped if allowed_updates excludes it)."""
        if not self.is_allowed(kind):
            return
        async with self.cond:
            self._next_id += 1
            self.pending.append({"update_id": self._next_id, kind: snapshot(payload)})
            self.cond.notify_all()

    def set_allowed(self, allowed: Any) -> None:
        """Apply an allowed_updates parameter: None keeps the current setting."""
        if allowed is None:
            return
        if not isinstance(allowed, list):
            raise bad("can't parse allowed updates")
        self.allowed = frozenset(str(kind) for kind in allowed) or None

    def drop_pending(self) -> None:
        self.pending.clear()

    async def wake(self) -> None:
        async with self.cond:
            self.cond.notify_all()

    async def get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        offset = int_param(params, "offset", 0)
        limit = min(max(int_param(params, "limit", 100), 1), 100)
        timeout = max(as_float(params.get("timeout") or 0) or 0.0, 0.0)
        self.set_allowed(params.get("allowed_updates"))
        if offset > 0:
            while self.pending and self.pending[0]["update_id"] < offset:
                self.pending.popleft()
        elif offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()
        self._poll_generation += 1
        generation = self._poll_generation
        async with self.cond:
            self.cond.notify_all()  # an older long poll ends with 409
            if timeout and not self.pending and not self.closing:
                try:
                    async with asyncio.timeout(timeout):
                        await self.cond.wait_for(
                            lambda: (
                                bool(self.pending)
                                or self.closing
                                or self.webhook is not None
                                or generation != self._poll_generation
                            )
                        )
                except TimeoutError:
                    pass
        if self.closing:
            return []
        if generation != self._poll_generation:
            raise ApiError(409, _POLL_CONFLICT)
        if self.webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        return list(itertools.islice(self.pending, limit))
