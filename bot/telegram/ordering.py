"""Serve residents concurrently while keeping each resident's replies in order."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.logs import update_context

log = logging.getLogger(__name__)

# The worker slot the current update holds, so a long wait (a flood-limit retry) can hand it on.
_slot: ContextVar[asyncio.Semaphore | None] = ContextVar("worker_slot", default=None)

OnHandled = Callable[[Update], Awaitable[None]]
# Told of each update once handled: the update and the seconds from taking it to the end.
Observer = Callable[[Update, float], None]


def update_kind(update: Update) -> str:
    """message, edited_message, callback_query, my_chat_member..."""
    return next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None), "other")


def _key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


@asynccontextmanager
async def slot_released() -> AsyncIterator[None]:
    """Give the current update's worker slot to others while waiting (a 429's retry_after,
    a retry backoff); the resident's own lock stays held, so their replies stay in order."""
    slot = _slot.get()
    if slot is None:
        yield
        return
    slot.release()
    try:
        yield
    finally:
        await slot.acquire()


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat run one after another (FIFO); different chats run concurrently.

    PTB starts one task per update in arrival order, and an uncontended asyncio.Lock is
    acquired in that same order, so a resident never sees answer 2 before answer 1.
    At most `workers` updates run at once, counted after the chat's lock is taken: a resident
    who sends a burst waits behind their own messages without holding up anyone else.
    `on_handled` runs once every handler is done (the inbox marks the update handled), then
    `observe` is told how long it took (metrics). Log lines written meanwhile name the update.
    """

    def __init__(
        self,
        workers: int,
        on_handled: OnHandled | None = None,
        max_pending: int = 4096,
        observe: Observer | None = None,
    ) -> None:
        super().__init__(max_pending)
        self._workers = asyncio.Semaphore(workers)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._on_handled = on_handled
        self._observe = observe

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        started = time.perf_counter()
        with update_context(update.update_id if isinstance(update, Update) else None):
            await self._in_order(update, coroutine)
        if self._observe is not None and isinstance(update, Update):
            self._observe(update, time.perf_counter() - started)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        if key is None:
            await self._run(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await self._run(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:  # forget idle chats so memory stays flat
                del self._waiting[key]
                del self._locks[key]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self._workers:
            token = _slot.set(self._workers)
            try:
                await coroutine
            finally:
                _slot.reset(token)
        if self._on_handled is not None and isinstance(update, Update):
            try:
                await self._on_handled(update)
            except Exception:  # the update was answered; at worst it is replayed after a crash
                log.exception("could not mark update %s handled", update.update_id)

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""
