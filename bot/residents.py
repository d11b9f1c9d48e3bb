"""Residents: who talks to the assistant, in which language, and whether they blocked it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.clock import Clock, system_clock
from bot.db import Database
from bot.models import Resident

# last_seen_at is refreshed at most this often, so a chatty resident costs no write per message.
TOUCH_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class ResidentView:
    """What handlers need of a resident, detached from any database session."""

    user_id: int
    chat_id: int
    language: str | None
    telegram_language: str | None
    blocked: bool


class ResidentService:
    """Keeps the residents table current with an in-memory cache in front of it."""

    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock
        self._cache: dict[int, tuple[ResidentView, datetime]] = {}

    @staticmethod
    def _view(row: Resident) -> ResidentView:
        return ResidentView(
            row.user_id, row.chat_id, row.language, row.telegram_language, row.blocked
        )

    async def seen(self, user_id: int, chat_id: int, telegram_language: str | None) -> ResidentView:
        """Record that the resident wrote to us; a resident who writes has not blocked us."""
        now = self._clock()
        cached = self._cache.get(user_id)
        if cached is not None:
            view, touched = cached
            if (
                now - touched < TOUCH_EVERY
                and not view.blocked
                and view.chat_id == chat_id
                and view.telegram_language == telegram_language
            ):
                return view
        async with self._db.session() as session:
            row = await session.get(Resident, user_id)
            if row is None:
                row = Resident(
                    user_id=user_id,
                    chat_id=chat_id,
                    telegram_language=telegram_language,
                    first_seen_at=now,
                    last_seen_at=now,
                    blocked=False,
                )
                session.add(row)
            else:
                row.chat_id = chat_id
                row.telegram_language = telegram_language
                row.last_seen_at = now
                if row.blocked:
                    row.blocked, row.blocked_at = False, None
            await session.flush()
            view = self._view(row)
        self._cache[user_id] = (view, now)
        return view

    async def get(self, user_id: int) -> ResidentView | None:
        async with self._db.session() as session:
            row = await session.get(Resident, user_id)
            return None if row is None else self._view(row)

    async def set_language(self, user_id: int, chat_id: int, language: str) -> ResidentView:
        now = self._clock()
        async with self._db.session() as session:
            row = await session.get(Resident, user_id)
            if row is None:
                row = Resident(
                    user_id=user_id, chat_id=chat_id, first_seen_at=now, last_seen_at=now
                )
                session.add(row)
            row.language = language
            row.blocked = False
            await session.flush()
            view = self._view(row)
        self._cache[user_id] = (view, now)
        return view

    async def set_blocked(self, user_id: int, chat_id: int, blocked: bool) -> None:
        """Kept current from my_chat_member updates and from 403 answers to our messages."""
        now = self._clock()
        async with self._db.session() as session:
            row = await session.get(Resident, user_id)
            if row is None:
                row = Resident(
                    user_id=user_id, chat_id=chat_id, first_seen_at=now, last_seen_at=now
                )
                session.add(row)
            row.blocked = blocked
            row.blocked_at = now if blocked else None
            await session.flush()
            view = self._view(row)
        self._cache[user_id] = (view, now)

    async def count(self, *, blocked: bool | None = None) -> int:
        async with self._db.session() as session:
            stmt = select(func.count()).select_from(Resident)
            if blocked is not None:
                stmt = stmt.where(Resident.blocked.is_(blocked))
            return int(await session.scalar(stmt) or 0)
