"""Webhook mode: Telegram POSTs each update to WEBHOOK_URL, with the secret token header.

A request without the right secret gets 403 and is not looked at. An update is stored in the
durable inbox before anything else; one already there (Telegram retries a webhook it thinks
failed, maybe to another worker) is answered 200 and not handled again. A new one goes to the
application, and the answer waits until its handlers are done (at most `wait` seconds): Telegram
sends a chat's next update only after the previous one was answered, so a resident's replies
stay in order even when their messages land on different workers, and Telegram's own limit on
open connections paces the load. Stored means safe: past `wait`, 200 all the same.
If the inbox cannot store it (database away), 503: Telegram retries later.
While the process shuts down, 503 too: Telegram retries, on another worker or the next deploy.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from telegram import Bot, Update
from telegram.ext import Application

from bot.logs import update_context
from bot.telegram.inbox import Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ANSWER_WAIT = 20.0  # seconds; Telegram gives up on a webhook request after about a minute
MAX_CONNECTIONS = 40  # Telegram's default: requests it keeps open to the webhook at once


async def register_webhook(
    bot: Bot, url: str, secret: str, allowed_updates: list[str], max_connections: int
) -> None:
    """Idempotent: every worker calls it at start ("Webhook is already set")."""
    await bot.set_webhook(
        url=url,
        secret_token=secret,
        allowed_updates=allowed_updates,
        drop_pending_updates=False,
        max_connections=max_connections,
    )
    log.info("webhook registered: Telegram posts updates to the configured WEBHOOK_URL")


class WebhookReceiver:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        inbox: Inbox,
        secret: str,
        *,
        wait: float = ANSWER_WAIT,
        count: Callable[[str], None] | None = None,
    ) -> None:
        self._application = application
        self._inbox = inbox
        self._secret = secret.encode()
        self._wait = wait
        self._count = count or (lambda _result: None)
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self.accepting = True

    def handled(self, update_id: int) -> None:
        """Called once the update's handlers are done: its request may be answered."""
        waiter = self._waiting.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def endpoint(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self._count("forbidden")
            return Response(status_code=403)
        if not self.accepting:
            self._count("unavailable")
            return Response(status_code=503, headers={"Retry-After": "1"})
        try:
            payload = json.loads(await request.body())
            update_id = int(payload["update_id"])
            update = Update.de_json(payload, self._application.bot)
        except (ValueError, KeyError, TypeError):
            self._count("invalid")
            return Response(status_code=400)
        with update_context(update_id):
            return await self._take(update_id, payload, update)

    async def _take(self, update_id: int, payload: dict[str, Any], update: Update) -> Response:
        try:
            fresh = await self._inbox.take(payload)
        except Exception:  # not stored: Telegram must send it again
            log.exception("could not store the update: answering 503, Telegram will retry")
            self._count("unavailable")
            return Response(status_code=503, headers={"Retry-After": "1"})
        if not fresh:
            log.info("update delivered again: already taken, not handled twice")
            self._count("duplicate")
            return Response(status_code=200)
        waiter = asyncio.get_running_loop().create_future()
        self._waiting[update_id] = waiter
        try:
            await self._application.update_queue.put(update)
            await asyncio.wait_for(asyncio.shield(waiter), self._wait)
        except TimeoutError:
            log.warning("still handling after %.0f s: answering Telegram meanwhile", self._wait)
        finally:
            self._waiting.pop(update_id, None)
        self._count("accepted")
        return Response(status_code=200)
