"""The durable inbox: no update is lost in a crash, none is answered twice.

An update is stored here before it is confirmed to Telegram (long polling confirms by asking
for the next offset; a webhook by answering 200), and marked handled once every handler has
run. After a crash, what was stored but not handled is replayed at start-up, in order.
Handled rows are kept a day, payload dropped: their ids tell a redelivered update (Telegram
retries webhooks, and sends again at start-up what was fetched but not confirmed) from a
new one.

With several webhook workers on PostgreSQL each row names the worker that took it. What a
worker stored and did not handle is replayed by no one while it lives (it is handling it);
once it is gone (its presence lock released, bot/storage/locks.py), a live worker adopts it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, delete, func, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import Clock, system_clock
from bot.storage.base import Base
from bot.storage.database import Database
from bot.storage.locks import ADOPTION, APP, LIVE_WORKERS
from bot.storage.upsert import upsert

KEEP_HANDLED = timedelta(days=1)


class InboxUpdate(Base):
    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[Any] = mapped_column(JSON, nullable=True)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
    worker: Mapped[int | None] = mapped_column(BigInteger)


class Inbox:
    def __init__(
        self, db: Database, clock: Clock = system_clock, worker: int | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self.worker = worker  # this process's id among the workers (PostgreSQL), see adopt()
        # Group commit: marks that arrive while one is being written go in the next write,
        # one transaction for many updates under load, no waiting when idle.
        self._marks: list[int] = []
        self._written: asyncio.Future[None] | None = None
        self._writing = asyncio.Lock()
        # The same for updates arriving one by one (webhook requests).
        self._arrivals: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._storing = asyncio.Lock()

    async def store(self, updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Store raw updates in one transaction; return those not seen before, in order."""
        if not updates:
            return []
        now = self._clock()
        ids = [int(u["update_id"]) for u in updates]
        async with self._db.session() as session:
            known = set(
                await session.scalars(
                    select(InboxUpdate.update_id).where(InboxUpdate.update_id.in_(ids))
                )
            )
            firsts = {int(u["update_id"]): u for u in reversed(updates)}  # twice in one batch
            candidates = [u for u in updates if firsts[int(u["update_id"])] is u]
            candidates = [u for u in candidates if int(u["update_id"]) not in known]
            if not candidates:
                return []
            rows = [
                {
                    "update_id": u["update_id"],
                    "payload": u,
                    "received_at": now,
                    "worker": self.worker,
                }
                for u in candidates
            ]
            insert = upsert(
                self._db.dialect,
                InboxUpdate.__table__,  # type: ignore[arg-type]
                rows,
                key=["update_id"],
            )
            if self._db.is_sqlite:  # one process, its writers queued: nothing stored meanwhile
                await session.execute(insert)
                inserted = {int(u["update_id"]) for u in candidates}
            else:
                # ON CONFLICT DO NOTHING: another worker may store the same update meanwhile (a
                # redelivery landing elsewhere); the rows this insert wrote are the fresh ones.
                result = await session.execute(insert.returning(InboxUpdate.__table__.c.update_id))
                inserted = set(result.scalars().all())
        fresh = [u for u in candidates if int(u["update_id"]) in inserted]
        return fresh

    async def take(self, update: dict[str, Any]) -> bool:
        """Store one update; True when it was not seen before. Updates that arrive while one
        batch is being written go in the next, one transaction for many under load."""
        mine: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._arrivals.append((update, mine))
        async with self._storing:
            if not mine.done():
                batch, self._arrivals = self._arrivals, []
                try:
                    fresh = await self.store([u for u, _ in batch])
                except BaseException as exc:
                    for _, waiter in batch:
                        waiter.set_exception(exc)
                else:
                    new = {int(u["update_id"]) for u in fresh}
                    for u, waiter in batch:
                        update_id = int(u["update_id"])
                        waiter.set_result(update_id in new)
                        new.discard(update_id)  # the same update twice: the first takes it
        return await mine

    async def handled(self, update_id: int) -> None:
        """Returns once the mark is committed, shared with the marks of concurrent updates."""
        self._marks.append(update_id)
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
        written = self._written
        async with self._writing:
            if not written.done():
                marks, self._marks, self._written = self._marks, [], None
                try:
                    await self._mark(marks)
                except BaseException as exc:
                    written.set_exception(exc)
                else:
                    written.set_result(None)
        await written

    async def _mark(self, update_ids: list[int]) -> None:
        async with self._db.session() as session:
            await session.execute(
                update(InboxUpdate)
                .where(InboxUpdate.update_id.in_(update_ids))
                .values(handled_at=self._clock(), payload=None)
            )

    async def pending(self) -> list[dict[str, Any]]:
        """Stored but never handled (the process stopped first), oldest first."""
        async with self._db.reading() as session:
            rows = await session.scalars(
                select(InboxUpdate.payload)
                .where(InboxUpdate.handled_at.is_(None))
                .order_by(InboxUpdate.update_id)
            )
            return [dict(p) for p in rows if p]

    async def adopt(self) -> list[dict[str, Any]]:
        """Take the updates stored but never handled by a process that is gone, oldest first.

        SQLite serves one process: at start-up, everything unhandled is the last run's. On
        PostgreSQL only updates whose worker holds no presence lock are taken, and marked as
        this worker's; adoptions are serialised by a transaction lock, so two workers never
        take the same update."""
        if self._db.is_sqlite or self.worker is None:
            return await self.pending()
        async with self._db.session() as session:
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": APP, "key": ADOPTION}
            )
            rows = (
                await session.execute(
                    select(InboxUpdate.update_id, InboxUpdate.payload)
                    .where(
                        InboxUpdate.handled_at.is_(None),
                        text(f"(inbox.worker IS NULL OR inbox.worker NOT IN ({LIVE_WORKERS}))"),
                    )
                    .order_by(InboxUpdate.update_id)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if rows:
                await session.execute(
                    update(InboxUpdate)
                    .where(InboxUpdate.update_id.in_([r.update_id for r in rows]))
                    .values(worker=self.worker)
                )
        return [dict(r.payload) for r in rows if r.payload]

    async def backlog(self) -> int:
        """Updates stored and not handled yet, by every process."""
        async with self._db.reading() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(InboxUpdate)
                .where(InboxUpdate.handled_at.is_(None))
            )
        return int(count or 0)

    async def prune(self) -> int:
        """Forget handled updates older than a day: Telegram redelivers nothing that old."""
        cutoff = self._clock() - KEEP_HANDLED
        async with self._db.session() as session:
            result = await session.execute(
                delete(InboxUpdate).where(
                    InboxUpdate.handled_at.is_not(None), InboxUpdate.handled_at < cutoff
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_user(self, user_id: int) -> int:
        """/forget: drop the payloads still waiting that came from this user (a handled row
        already has none). Returns how many were dropped."""
        async with self._db.session() as session:
            rows = (
                await session.execute(
                    select(InboxUpdate.update_id, InboxUpdate.payload).where(
                        InboxUpdate.payload.is_not(None)
                    )
                )
            ).all()
            ids = [update_id for update_id, payload in rows if _from_user(payload, user_id)]
            if ids:
                await session.execute(
                    update(InboxUpdate)
                    .where(InboxUpdate.update_id.in_(ids))
                    .values(payload=None, handled_at=self._clock())
                )
        return len(ids)


def _from_user(payload: Any, user_id: int) -> bool:
    """Whether a raw update was sent by, or is about, the user."""
    if not isinstance(payload, dict):
        return False
    for value in payload.values():
        if isinstance(value, dict):
            for key in ("from", "chat", "user"):
                person = value.get(key)
                if isinstance(person, dict) and person.get("id") == user_id:
                    return True
    return False
