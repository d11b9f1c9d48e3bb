"""Residents: who talks to the assistant, in which language, and whether they blocked it.

Every resident is kept in memory (a few hundred bytes each) in front of the table, so a
message costs no database read. "Seen" updates are written behind the reply, in batches;
what a resident chooses or does (language, block) is written at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.batching import FlushSoon
from bot.clock import Clock, system_clock
from bot.db import Database
from bot.models import Resident

# last_seen_at is refreshed at most this often, so a chatty resident costs no write per message.
TOUCH_EVERY = timedelta(minutes=10)
FLUSH_AFTER = 0.5  # seconds


@dataclass(frozen=True)
class ResidentView:
    """What handlers need of a resident, detached from any database session."""

    user_id: int
    chat_id: int
    language: str | None
    telegram_language: str | None
    blocked: bool


class ResidentService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock
        self._cache: dict[int, ResidentView] = {}
        self._touched: dict[int, datetime] = {}
        self._pending: dict[int, dict[str, Any]] = {}
        self._soon = FlushSoon(self.flush, FLUSH_AFTER)
        self._flushing = asyncio.Lock()

    async def load(self) -> int:
        """Fill the cache from the table (at start-up)."""
        async with self._db.session() as session:
            rows = list(await session.scalars(select(Resident)))
        for row in rows:
            self._cache[row.user_id] = ResidentView(
                row.user_id, row.chat_id, row.language, row.telegram_language, row.blocked
            )
            self._touched[row.user_id] = row.last_seen_at
        return len(rows)

    def _queue(self, view: ResidentView, now: datetime, **extra: Any) -> None:
        row = self._pending.setdefault(view.user_id, {"first_seen_at": now})
        row.update(
            user_id=view.user_id,
            chat_id=view.chat_id,
            language=view.language,
            telegram_language=view.telegram_language,
            blocked=view.blocked,
            last_seen_at=now,
            **extra,
        )
        self._cache[view.user_id] = view
        self._touched[view.user_id] = now

    async def seen(self, user_id: int, chat_id: int, telegram_language: str | None) -> ResidentView:
        """Record that the resident wrote to us; a resident who writes has not blocked us."""
        now = self._clock()
        view = self._cache.get(user_id)
        if (
            view is not None
            and now - self._touched.get(user_id, now) < TOUCH_EVERY
            and not view.blocked
            and view.chat_id == chat_id
            and view.telegram_language == telegram_language
        ):
            return view
        new_view = ResidentView(
            user_id, chat_id, view.language if view else None, telegram_language, False
        )
        self._queue(new_view, now, **({"blocked_at": None} if view and view.blocked else {}))
        self._soon.schedule()
        return new_view

    async def get(self, user_id: int) -> ResidentView | None:
        return self._cache.get(user_id)

    async def set_language(self, user_id: int, chat_id: int, language: str) -> ResidentView:
        view = self._cache.get(user_id)
        telegram_language = view.telegram_language if view else None
        new_view = ResidentView(user_id, chat_id, language, telegram_language, False)
        self._queue(new_view, self._clock())
        await self.flush()
        return new_view

    async def set_blocked(self, user_id: int, chat_id: int, blocked: bool) -> None:
        """Kept current from my_chat_member updates and from 403 answers to our messages."""
        now = self._clock()
        view = self._cache.get(user_id) or ResidentView(user_id, chat_id, None, None, blocked)
        self._queue(replace(view, blocked=blocked), now, blocked_at=now if blocked else None)
        await self.flush()

    async def flush(self) -> None:
        """Write pending changes in one transaction (also at shutdown)."""
        self._soon.cancel()
        async with self._flushing:
            pending, self._pending = self._pending, {}
            if not pending:
                return
            try:
                await self._write(pending)
            except BaseException:
                for user_id, values in pending.items():  # newer changes win
                    self._pending[user_id] = {**values, **self._pending.get(user_id, {})}
                raise

    async def _write(self, pending: dict[int, dict[str, Any]]) -> None:
        async with self._db.session() as session:
            stmt = select(Resident).where(Resident.user_id.in_(list(pending)))
            existing = {row.user_id: row for row in await session.scalars(stmt)}
            for user_id, values in pending.items():
                row = existing.get(user_id)
                if row is None:
                    values.setdefault("blocked_at", None)
                    session.add(Resident(**values))
                    continue
                for key, value in values.items():
                    if key != "first_seen_at":
                        setattr(row, key, value)

    async def count(self, *, blocked: bool | None = None) -> int:
        await self.flush()
        async with self._db.session() as session:
            stmt = select(func.count()).select_from(Resident)
            if blocked is not None:
                stmt = stmt.where(Resident.blocked.is_(blocked))
            return int(await session.scalar(stmt) or 0)
