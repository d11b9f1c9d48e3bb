"""Pushing updates to the bot's webhook, as Telegram does after setWebhook.

Each update is POSTed as JSON with the secret token header. Updates of one chat go one at a
time, in order; different chats in parallel up to max_connections. A non-2xx answer or a
connection error is retried after a growing delay (short in tests), and getWebhookInfo
reports the last error, so a bot's webhook endpoint meets the same retries as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import aiohttp

from bot.standin.protocol import JSON
from bot.standin.updates import UpdateQueue, chat_key

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class RetryPolicy:
    """How deliveries are retried: first delay, doubled each time up to max_delay."""

    first_delay: float = 1.0
    max_delay: float = 60.0
    timeout: float = 10.0


class Webhook:
    """Delivers the queue's updates to `url` until stopped; see the module docstring."""

    def __init__(
        self,
        queue: UpdateQueue,
        url: str,
        *,
        secret_token: str = "",
        max_connections: int = 40,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.queue = queue
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections
        self.policy = policy or RetryPolicy()
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        #: Updates delivered (answered 2xx), in delivery order.
        self.delivered: list[JSON] = []
        self._busy_chats: set[int] = set()
        self._in_flight: set[int] = set()
        self._slots = asyncio.Semaphore(max_connections)
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._runner: asyncio.Task[None] | None = None

    def same_as(self, url: str, secret_token: str, max_connections: int) -> bool:
        return (url, secret_token, max_connections) == (
            self.url,
            self.secret_token,
            self.max_connections,
        )

    def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.policy.timeout)
        )
        self._runner = asyncio.create_task(self._run(), name="standin-webhook")

    async def stop(self) -> None:
        """Stop delivering; updates not yet delivered stay pending."""
        tasks = [t for t in (self._runner, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()

    def _next_batch(self) -> list[JSON]:
        """Pending updates that may go now: the oldest of each chat not already in flight."""
        batch = []
        seen: set[int] = set()
        for update in self.queue.pending:
            key = chat_key(update)
            if key in seen:
                continue
            seen.add(key)
            if key not in self._busy_chats and update["update_id"] not in self._in_flight:
                batch.append(update)
        return batch

    async def _run(self) -> None:
        queue = self.queue
        while True:
            async with queue.cond:
                await queue.cond.wait_for(lambda: bool(self._next_batch()))
                batch = self._next_batch()
            for update in batch:
                self._busy_chats.add(chat_key(update))
                self._in_flight.add(update["update_id"])
                task = asyncio.create_task(self._deliver(update))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _deliver(self, update: JSON) -> None:
        delay = self.policy.first_delay
        while not await self._post(update):
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.policy.max_delay)
        queue = self.queue
        async with queue.cond:
            with contextlib.suppress(ValueError):
                queue.pending.remove(update)
            self.delivered.append(update)
            self._in_flight.discard(update["update_id"])
            self._busy_chats.discard(chat_key(update))
            queue.cond.notify_all()

    async def _post(self, update: JSON) -> bool:
        assert self._session is not None
        headers = {SECRET_HEADER: self.secret_token} if self.secret_token else {}
        async with self._slots:
            try:
                async with self._session.post(self.url, json=update, headers=headers) as answer:
                    await answer.read()
                    if 200 <= answer.status < 300:
                        return True
                    error = f"Wrong response from the webhook: {answer.status} {answer.reason}"
            except TimeoutError:
                error = "Connection timed out"
            except aiohttp.ClientError as exc:
                error = "Connection refused" if isinstance(exc, OSError) else str(exc)
        self.last_error_date = int(time.time())
        self.last_error_message = error.strip()
        return False

    def info(self) -> JSON:
        info: JSON = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.queue.pending),
            "max_connections": self.max_connections,
            "ip_address": "127.0.0.1",
        }
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        if self.queue.allowed is not None:
            info["allowed_updates"] = sorted(self.queue.allowed)
        return info
