"""The outbox's sender: announcements go out at the fastest pace Telegram allows.

Runs in the one process that runs the scheduled jobs (bot/telegram/scheduler.py), with its own
connections (bot/telegram/bulkapi.py), so residents' replies never queue behind a bulk send.
Pace:
- `rate` messages a second overall (BROADCAST_RATE, 25 by default: Telegram allows about 30,
  the rest is room for replies), spaced evenly rather than in bursts;
- one message a second per private chat, one every three seconds per group (20 a minute);
- a 429 pauses every bulk send for `retry_after` (the limit is the bot's), then that message
  is sent again; a 403 marks the recipient blocked; a 5xx or a dropped connection is retried
  with backoff `max_attempts` times, then the row is marked failed; a timeout is recorded as
  unknown and never resent (Telegram may have delivered it).

Guarantee: a row is marked sent only after Telegram accepted it. After a crash, the rows still
`sending` go back to pending when the next sender starts (BroadcastService.recover): the only
messages that can arrive twice are those in flight at the moment of the crash and those
accepted but not yet recorded (results are written in groups of at most FLUSH_ROWS, every
FLUSH_SECONDS): at most `max_in_flight + FLUSH_ROWS`. None is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.broadcasts.service import (
    BLOCKED,
    FAILED,
    SENT,
    UNKNOWN,
    BroadcastService,
    Claimed,
    Message,
    Outcome,
)
from bot.telegram.bulkapi import BulkApi
from bot.telegram.ratelimit import retry_seconds

log = logging.getLogger(__name__)

FLUSH_ROWS = 64
FLUSH_SECONDS = 0.25
IDLE_SECONDS = 1.0  # how often an idle sender looks for rows whose quiet hours ended
PRIVATE_INTERVAL = 1.0
GROUP_INTERVAL = 3.0
BURST_SECONDS = 0.05  # at most rate * 50 ms sent at once, far under Telegram's 1 s window


def in_flight_for(rate: float) -> int:
    """Enough concurrent sends to keep the pace through a ~50 ms round trip, and no more:
    each one in flight may be sent twice after a crash (4 at 25/s, 12 at most)."""
    return max(4, min(12, int(rate / 60) + 2))


class OutboxSender:
    def __init__(
        self,
        api: BulkApi,
        service: BroadcastService,
        *,
        rate: float,
        max_in_flight: int | None = None,
        max_attempts: int = 4,
        backoff: float = 0.5,
        on_flood: Callable[[str], None] | None = None,
        on_delivery: Callable[[str], None] | None = None,
        on_finished: Callable[[list[int]], Awaitable[None]] | None = None,
    ) -> None:
        self.api = api
        self.service = service
        self.rate = rate
        self.max_in_flight = max_in_flight or in_flight_for(rate)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._on_flood = on_flood
        self._on_delivery = on_delivery
        self._on_finished = on_finished
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._sending: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(self.max_in_flight)
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._next_chat: dict[int, float] = {}
        self._results: list[Outcome] = []
        self._flushed_at = time.monotonic()
        self._messages: dict[int, Message | None] = {}
        self._uploads: dict[int, asyncio.Lock] = {}  # announcement id -> its photo's upload
        self.floods = 0  # 429s received

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def wake(self) -> None:
        """Something new to send (a run started): do not wait for the next look."""
        self._wake.set()

    async def start(self) -> None:
        if self._tasks:
            return
        self._stopping = False
        recovered = await self.service.recover()
        if recovered:
            log.warning("outbox: %d deliveries in hand at the last stop are sent again", recovered)
        self._tasks = [
            asyncio.create_task(self._expand_loop(), name="outbox-expand"),
            asyncio.create_task(self._send_loop(), name="outbox-send"),
        ]

    async def stop(self, within: float = 5.0) -> None:
        """Take no new rows, let the sends in flight finish (within `within` s), record them."""
        if not self._tasks:
            return
        self._stopping = True
        self._wake.set()
        deadline = time.monotonic() + within
        _, late = await asyncio.wait(self._tasks, timeout=within)
        if self._sending:
            _, more = await asyncio.wait(
                list(self._sending), timeout=max(0.1, deadline - time.monotonic())
            )
            late |= more
        for task in late:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self._flush()
        await self.api.close()
        # What was claimed and never sent goes back to pending now, not at the next start.
        await self.service.recover()

    # -- loops

    async def _expand_loop(self) -> None:
        while not self._stopping:
            try:
                runs = await self.service.expanding()
                for run_id in runs:
                    if self._stopping:
                        return
                    await self.service.expand(run_id)
                    self._wake.set()  # new rows to claim
                if not runs:
                    await self._sleep(IDLE_SECONDS)
            except Exception:
                log.exception("outbox: expansion failed; trying again")
                await self._sleep(IDLE_SECONDS)

    async def _send_loop(self) -> None:
        batch = max(8, min(500, int(self.rate)))
        while not self._stopping:
            try:
                claimed = await self.service.claim(batch)
            except Exception:
                log.exception("outbox: claim failed; trying again")
                await self._sleep(IDLE_SECONDS)
                continue
            if not claimed:
                await self._settle()
                await self._sleep(IDLE_SECONDS)
                continue
            for row in claimed:
                if self._stopping:
                    return  # the rest are put back to pending by stop()
                await self._slots.acquire()
                await self._pace(row.chat_id)
                task = asyncio.create_task(self._send(row))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)
                if len(self._results) >= FLUSH_ROWS or self._flush_due():
                    await self._flush()
            await self._flush_if_due()

    async def _settle(self) -> None:
        """Nothing to claim: wait for what is in flight, record it, close finished runs."""
        if self._sending:
            await asyncio.wait(list(self._sending))
        await self._flush()
        finished = await self.service.finish()
        if finished:
            self._messages.clear()
            if self._on_finished is not None:
                try:
                    await self._on_finished(finished)
                except Exception:
                    log.exception("outbox: delivery reports not sent")

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    # -- pace

    async def _pace(self, chat_id: int) -> None:
        """Wait for the global slot, any 429 pause, and this chat's own spacing."""
        now = time.monotonic()
        # A send that fell behind (the process was busy) may catch up within BURST seconds.
        slot = max(self._next_slot, now - BURST_SECONDS)
        start = max(slot, self._paused_until, self._next_chat.get(chat_id, 0.0))
        self._next_slot = start + 1.0 / self.rate
        self._next_chat[chat_id] = start + (GROUP_INTERVAL if chat_id < 0 else PRIVATE_INTERVAL)
        if len(self._next_chat) > 10_000:
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
        if start > now:
            await asyncio.sleep(start - now)

    # -- one message

    async def _send(self, row: Claimed) -> None:
        try:
            # Not `self._results.append(await ...)`: that would take the list before the
            # await, and a flush meanwhile swaps it for a new one, losing this result.
            outcome = await self._deliver(row)
            self._results.append(outcome)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not stop the other deliveries
            log.exception("outbox: delivery %s failed", row.delivery_id)
            self._results.append(_outcome(row, FAILED, error=type(exc).__name__))
        finally:
            self._slots.release()

    async def _deliver(self, row: Claimed) -> Outcome:
        if row.run_id not in self._messages:
            loaded = await self.service.message(row.run_id)
            # setdefault: another send may have filled it meanwhile, perhaps with the photo's
            # file_id after uploading it; this older read must not bring the upload back.
            self._messages.setdefault(row.run_id, loaded)
        message = self._messages[row.run_id]
        if message is None:  # the announcement was deleted meanwhile
            return _outcome(row, FAILED, error="announcement gone")
        text = message.text(row.language)
        attempt = row.attempts
        while True:
            try:
                if message.photo or message.photo_file:
                    sent = await self._send_photo(row, message, text)
                else:
                    sent = await self.api.call(
                        "sendMessage",
                        {
                            "chat_id": row.chat_id,
                            "text": text,
                            "parse_mode": ParseMode.HTML,
                            "link_preview_options": {"is_disabled": True},
                        },
                    )
            except RetryAfter as exc:
                self.floods += 1
                if self._on_flood is not None:
                    self._on_flood("sendMessage")
                seconds = retry_seconds(exc)
                log.warning("outbox: flood limit, every bulk send waits %.1f s", seconds)
                self._paused_until = max(self._paused_until, time.monotonic() + seconds)
                await self._pace(row.chat_id)
                continue
            except Forbidden as exc:
                return self._count(_outcome(row, BLOCKED, error=exc.message))
            except TimedOut:
                return self._count(_outcome(row, UNKNOWN, error="timed out"))
            except BadRequest as exc:
                return self._count(_outcome(row, FAILED, error=exc.message))
            except NetworkError as exc:  # 5xx, dropped connections
                if attempt >= self.max_attempts:
                    return self._count(_outcome(row, FAILED, error=exc.message))
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
                attempt += 1
                continue
            except TelegramError as exc:
                return self._count(_outcome(row, FAILED, error=exc.message))
            return self._count(_outcome(row, SENT, message_id=int(sent["message_id"])))

    async def _send_photo(self, row: Claimed, message: Message, caption: str) -> Any:
        """sendPhoto. A photo uploaded in the back office goes to Telegram once, with the
        first recipient's copy (the others wait for it), then by the file_id Telegram gave."""
        payload: dict[str, Any] = {
            "chat_id": row.chat_id,
            "caption": caption,
            "parse_mode": ParseMode.HTML,
        }
        if message.photo is None:
            async with self._uploads.setdefault(message.announcement_id, asyncio.Lock()):
                message = self._messages.get(row.run_id) or message  # uploaded meanwhile?
                if message.photo is None and message.photo_file is not None:
                    sent = await self.api.upload(
                        "sendPhoto", payload, "photo", message.photo_file, "photo"
                    )
                    file_id = str(sent["photo"][-1]["file_id"])
                    self._messages[row.run_id] = replace(message, photo=file_id, photo_file=None)
                    try:
                        await self.service.photo_sent(message.announcement_id, file_id)
                    except Exception:  # sent all the same; the next run uploads it again
                        log.exception("outbox: the photo's file_id was not stored")
                    return sent
        return await self.api.call("sendPhoto", {**payload, "photo": message.photo})

    def _count(self, outcome: Outcome) -> Outcome:
        if self._on_delivery is not None:
            self._on_delivery(outcome.status)
        return outcome

    # -- results

    def _flush_due(self) -> bool:
        return bool(self._results) and time.monotonic() - self._flushed_at >= FLUSH_SECONDS

    async def _flush_if_due(self) -> None:
        if self._flush_due():
            await self._flush()

    async def _flush(self) -> None:
        results, self._results = self._results, []
        self._flushed_at = time.monotonic()
        if results:
            try:
                await self.service.record(results)
            except Exception:
                log.exception("outbox: %d results not recorded, kept for later", len(results))
                self._results = results + self._results


def _outcome(
    row: Claimed, status: str, *, message_id: int | None = None, error: str | None = None
) -> Outcome:
    return Outcome(row.delivery_id, status, row.user_id, message_id, error)
