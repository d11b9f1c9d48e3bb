"""Long polling through the durable inbox, in place of PTB's Updater.

PTB's Updater confirms updates to Telegram (by asking for the next offset) as soon as it has
fetched them, while they still wait in memory: a crash then loses them for good. Here a batch
is stored in the inbox first; only then does the next getUpdates confirm it. At start-up,
what was stored but not handled is replayed, in order, before anything new.

Only one process may poll a bot: Telegram answers a second one with 409 Conflict. Several
copies are possible in webhook mode only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.telegram.inbox import Inbox
from bot.telegram.ratelimit import retry_seconds

log = logging.getLogger(__name__)

LONG_POLL = 10  # seconds Telegram may hold a getUpdates open
MAX_BACKOFF = 30.0


class InboxPoller:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        inbox: Inbox,
        *,
        allowed_updates: list[str] | None = None,
        timeout: int = LONG_POLL,
    ) -> None:
        self._application = application
        self._inbox = inbox
        self._allowed = allowed_updates
        self._timeout = timeout
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None
        self.stopped = asyncio.Event()  # set when polling ends on its own (a revoked token)

    async def start(self, *, replay: bool = True) -> int:
        """Replay what the last run left unhandled, then poll; returns how many were replayed.
        (Chat mode does not replay: its stand-in is a new Telegram, not the one they came from.)"""
        bot = self._application.bot
        pending = await self._inbox.pending() if replay else []
        for payload in pending:
            await self._application.update_queue.put(Update.de_json(payload, bot))
        if pending:
            log.info("replaying %d updates left unhandled by the last run", len(pending))
        # No offset at first: Telegram sends again what the last run fetched but did not
        # confirm, and the inbox drops what it already holds. (A stored offset could skip
        # new updates: after a quiet week Telegram may number them from a random value.)
        self._offset = None
        self._task = asyncio.create_task(self._loop(), name="inbox-poller")
        return len(pending)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _loop(self) -> None:
        failures = 0
        try:
            while True:
                try:
                    await self._poll_once()
                    failures = 0
                except InvalidToken:
                    log.error("Telegram refused the token (TELEGRAM_BOT_TOKEN): polling stops")
                    return
                except RetryAfter as exc:
                    await asyncio.sleep(retry_seconds(exc))
                except (Conflict, NetworkError, TelegramError, OSError) as exc:
                    failures += 1
                    wait = min(MAX_BACKOFF, 0.5 * 2 ** min(failures, 6))
                    if isinstance(exc, Conflict):
                        log.warning("another process polls this bot (409): retry in %.0f s", wait)
                    else:
                        log.warning("getUpdates failed (%s): retrying in %.1f s", exc, wait)
                    await asyncio.sleep(wait)
                except Exception:  # the inbox's database is away: nothing was confirmed
                    failures += 1
                    wait = min(MAX_BACKOFF, 0.5 * 2 ** min(failures, 6))
                    log.exception("could not store updates: retrying in %.1f s", wait)
                    await asyncio.sleep(wait)
        finally:
            self.stopped.set()

    async def _poll_once(self) -> None:
        bot = self._application.bot
        params: dict[str, Any] = {"timeout": self._timeout}
        if self._offset is not None:
            params["offset"] = self._offset
        if self._allowed is not None:
            params["allowed_updates"] = self._allowed
        # The raw JSON, to store exactly what Telegram sent. Bot API method names are
        # case-insensitive: "getupdates" is getUpdates, asked for by name.
        raw: list[dict[str, Any]] = await bot.do_api_request(
            "getupdates", api_kwargs=params, read_timeout=self._timeout + 5
        )
        if not raw:
            return
        for item in await self._inbox.store(raw):
            await self._application.update_queue.put(Update.de_json(item, bot))
        # Stored: the next getUpdates confirms them.
        self._offset = max(int(item["update_id"]) for item in raw) + 1
