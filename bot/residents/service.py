"""Residents: who talks to the assistant, in which language, and whether they blocked it.

Nothing is cached in the process: several workers may serve the same resident, so each change
is written at once, as an upsert of the columns it is about. A message costs one read by
primary key; "last seen" is written at most every `TOUCH_EVERY`, so a chatty resident costs
no write per message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.clock import Clock, system_clock
from bot.residents.models import Resident
from bot.storage.database import Database
from bot.storage.upsert import upsert

TOUCH_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class ResidentView:
    """What handlers need of a resident, detached from any database session."""

    user_id: int
    chat_id: int
    language: str | None
    telegram_language: str | None
    blocked: bool

    @classmethod
    def of(cls, row: Resident) -> ResidentView:
        return cls(row.user_id, row.chat_id, row.language, row.telegram_language, row.blocked)


_VIEW = select(
    Resident.chat_id,
    Resident.language,
    Resident.telegram_language,
    Resident.blocked,
    Resident.last_seen_at,
)


class ResidentService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, user_id: int) -> ResidentView | None:
        async with self._db.reading() as session:
            row = await session.get(Resident, user_id)
            return ResidentView.of(row) if row is not None else None

    async def seen(self, user_id: int, chat_id: int, telegram_language: str | None) -> ResidentView:
        """Record that the resident wrote to us; a resident who writes has not blocked us."""
        now = self._clock()
        async with self._db.reading() as session:
            row = (await session.execute(_VIEW.where(Resident.user_id == user_id))).first()
        current = ResidentView(user_id, *row[:4]) if row is not None else None
        if (
            current is not None
            and now - row[4] < TOUCH_EVERY
            and not current.blocked
            and current.chat_id == chat_id
            and current.telegram_language == telegram_language
        ):
            return current
        await self._write(
            user_id,
            chat_id,
            now,
            telegram_language=telegram_language,
            last_seen_at=now,
            blocked=False,
            blocked_at=None,
        )
        language = current.language if current else None
        return ResidentView(user_id, chat_id, language, telegram_language, False)

    async def set_language(self, user_id: int, chat_id: int, language: str) -> None:
        await self._write(user_id, chat_id, self._clock(), language=language)

    async def set_residence(self, user_id: int, chat_id: int, residence_id: str | None) -> None:
        """A residence chosen from a list: an entrance from a poster of another one goes."""
        await self._write(user_id, chat_id, self._clock(), residence_id=residence_id, entrance=None)

    async def residence(self, user_id: int) -> str | None:
        """The residence the resident chose, if any."""
        async with self._db.reading() as session:
            return await session.scalar(
                select(Resident.residence_id).where(Resident.user_id == user_id)
            )

    async def set_blocked(self, user_id: int, chat_id: int, blocked: bool) -> None:
        """Kept current from my_chat_member updates and from 403 answers to our messages."""
        now = self._clock()
        await self._write(
            user_id, chat_id, now, blocked=blocked, blocked_at=now if blocked else None
        )

    async def _write(self, user_id: int, chat_id: int, now: datetime, **changes: Any) -> None:
        """Create the resident if new; otherwise set only `changes` (and the chat id)."""
        values = {
            "user_id": user_id,
            "chat_id": chat_id,
            "blocked": False,
            "first_seen_at": now,
            "last_seen_at": now,
            **changes,
        }
        stmt = upsert(
            self._db.dialect,
            Resident.__table__,  # type: ignore[arg-type]
            values,
            key=["user_id"],
            update=["chat_id", *changes],
        )
        async with self._db.session() as session:
            await session.execute(stmt)

    async def count(self, *, blocked: bool | None = None) -> int:
        async with self._db.reading() as session:
            stmt = select(func.count()).select_from(Resident)
            if blocked is not None:
                stmt = stmt.where(Resident.blocked.is_(blocked))
            return int(await session.scalar(stmt) or 0)
