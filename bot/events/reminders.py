"""Reminders residents ask for, and the notices owed to them when an event changes.

A reminder is two rows: "eve" (the day before at 18:00 local time) and "hour" (an hour
before). A cancellation, move or postponement queues a notice row (due at once) for everyone
who asked for a reminder. Rows live in the database, so they outlive restarts; the assistant
schedules the pending ones at start-up (see handlers/reminders.py). A row is claimed (done_at
set) before it is sent, so two triggers never send it twice, and a row that is no longer
useful when it comes due (the event started, was cancelled) is dropped instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, system_clock
from bot.events.data import SCHEDULED, EventView
from bot.events.models import Event, Reminder
from bot.events.views import event_view
from bot.storage.database import Database
from bot.storage.upsert import upsert

EVE, HOUR = "eve", "hour"
REMINDERS = (EVE, HOUR)
MOVED, CANCELLED_NOTICE, POSTPONED_NOTICE = "moved", "cancelled", "postponed"
EVE_AT = time(18, 0)
HOUR_BEFORE = timedelta(hours=1)
SENDING, SENT, DROPPED, BLOCKED, FAILED, STOPPED = (
    "sending",
    "sent",
    "dropped",
    "blocked",
    "failed",
    "cancelled",
)


def due_times(start: datetime, all_day: bool, tz: ZoneInfo) -> dict[str, datetime]:
    """When each reminder of an event starting at `start` (UTC) is due, in UTC."""
    local = start.astimezone(tz)
    eve = datetime.combine(local.date() - timedelta(days=1), EVE_AT, tzinfo=tz)
    due = {EVE: eve.astimezone(UTC)}
    if not all_day:
        due[HOUR] = start - HOUR_BEFORE
    return due


def still_useful(kind: str, event: EventView, now: datetime) -> bool:
    """A reminder after the event started, or of a cancelled event, is noise: dropped."""
    if kind == EVE:
        return event.status == SCHEDULED and now < event.starts_at - HOUR_BEFORE
    if kind == HOUR:
        return event.status == SCHEDULED and now < event.starts_at
    return now < max(event.ends_at, event.starts_at)


@dataclass(frozen=True)
class Due:
    """A message to send now."""

    reminder_id: int
    user_id: int
    chat_id: int
    kind: str
    event: EventView


@dataclass(frozen=True)
class RemindResult:
    status: str  # set, too_late, cancelled, unknown
    scheduled: tuple[tuple[int, datetime], ...] = ()


async def queue_notices(
    session: AsyncSession,
    dialect: str,
    changes: Iterable[tuple[int, str]],
    now: datetime,
    tz: ZoneInfo,
) -> int:
    """For each (event id, notice kind): a notice to everyone who asked for a reminder, and
    their reminders re-timed (moved) or stopped (cancelled, postponed). Returns how many
    notices were queued."""
    changes = list(changes)
    if not changes:
        return 0
    ids = sorted({event_id for event_id, _ in changes})
    rows = (
        await session.execute(
            select(Reminder.user_id, Reminder.chat_id, Reminder.event_id)
            .where(Reminder.event_id.in_(ids), Reminder.kind.in_(REMINDERS))
            .distinct()
        )
    ).all()
    subscribers: dict[int, set[tuple[int, int]]] = {}
    for user_id, chat_id, event_id in rows:
        subscribers.setdefault(event_id, set()).add((user_id, chat_id))
    queued = 0
    for event_id, kind in changes:
        for user_id, chat_id in sorted(subscribers.get(event_id, ())):
            values = {
                "user_id": user_id,
                "chat_id": chat_id,
                "event_id": event_id,
                "kind": kind,
                "due_at": now,
                "done_at": None,
                "outcome": None,
                "created_at": now,
            }
            await session.execute(
                upsert(
                    dialect,
                    Reminder.__table__,  # type: ignore[arg-type]
                    values,
                    key=["user_id", "event_id", "kind"],
                    update=["chat_id", "due_at", "done_at", "outcome"],
                )
            )
            queued += 1
        if kind == MOVED:
            event = await session.get(Event, event_id)
            if event is not None:
                await _retime(session, event, now, tz)
        else:
            await session.execute(
                update(Reminder)
                .where(
                    Reminder.event_id == event_id,
                    Reminder.kind.in_(REMINDERS),
                    Reminder.done_at.is_(None),
                )
                .values(done_at=now, outcome=STOPPED)
            )
    return queued


async def _retime(session: AsyncSession, event: Event, now: datetime, tz: ZoneInfo) -> None:
    due = due_times(event.starts_at, event.all_day, tz)
    rows = await session.scalars(
        select(Reminder).where(Reminder.event_id == event.id, Reminder.kind.in_(REMINDERS))
    )
    for row in rows:
        when = due.get(row.kind)
        if when is not None and when > now:
            row.due_at, row.done_at, row.outcome = when, None, None
        elif row.done_at is None:
            row.done_at, row.outcome = now, DROPPED


class ReminderService:
    def __init__(self, db: Database, clock: Clock = system_clock, tz: ZoneInfo | None = None):
        self._db = db
        self._clock = clock
        self._tz = tz or ZoneInfo("Europe/Paris")

    async def remind(self, user_id: int, chat_id: int, event_id: int) -> RemindResult:
        """Ask for the reminders of an event that are still ahead."""
        now = self._clock()
        async with self._db.session() as session:
            event = await session.get(Event, event_id)
            if event is None:
                return RemindResult("unknown")
            if event.status != SCHEDULED:
                return RemindResult("cancelled")
            due = due_times(event.starts_at, event.all_day, self._tz)
            ahead = {k: v for k, v in due.items() if v > now}
            if not ahead:
                return RemindResult("too_late")
            for kind, when in ahead.items():
                values = {
                    "user_id": user_id,
                    "chat_id": chat_id,
                    "event_id": event_id,
                    "kind": kind,
                    "due_at": when,
                    "done_at": None,
                    "outcome": None,
                    "created_at": now,
                }
                await session.execute(
                    upsert(
                        self._db.dialect,
                        Reminder.__table__,  # type: ignore[arg-type]
                        values,
                        key=["user_id", "event_id", "kind"],
                        update=["chat_id", "due_at", "done_at", "outcome"],
                    )
                )
            rows = await session.execute(
                select(Reminder.id, Reminder.due_at).where(
                    Reminder.user_id == user_id,
                    Reminder.event_id == event_id,
                    Reminder.kind.in_(tuple(ahead)),
                )
            )
            return RemindResult("set", tuple((i, d) for i, d in rows.all()))

    async def forget(self, user_id: int, event_id: int) -> list[int]:
        """Stop a resident's reminders of an event; returns the ids to unschedule."""
        async with self._db.session() as session:
            ids = list(
                await session.scalars(
                    select(Reminder.id).where(
                        Reminder.user_id == user_id,
                        Reminder.event_id == event_id,
                        Reminder.kind.in_(REMINDERS),
                    )
                )
            )
            if ids:
                await session.execute(delete(Reminder).where(Reminder.id.in_(ids)))
            return ids

    async def is_set(self, user_id: int, event_id: int) -> bool:
        async with self._db.reading() as session:
            found = await session.scalar(
                select(Reminder.id)
                .where(
                    Reminder.user_id == user_id,
                    Reminder.event_id == event_id,
                    Reminder.kind.in_(REMINDERS),
                    Reminder.done_at.is_(None),
                )
                .limit(1)
            )
            return found is not None

    async def pending(self) -> list[tuple[int, datetime]]:
        """(id, due time) of every row not yet taken, to put in the job queue."""
        async with self._db.reading() as session:
            rows = await session.execute(
                select(Reminder.id, Reminder.due_at)
                .where(Reminder.done_at.is_(None))
                .order_by(Reminder.due_at)
            )
            return [(i, d) for i, d in rows.all()]

    async def claim(self, ids: Iterable[int] | None = None) -> list[Due]:
        """Take the rows due now (only `ids` if given): the useful ones are returned to be
        sent, the others dropped. A row is taken once, whoever asks."""
        now = self._clock()
        async with self._db.session() as session:
            stmt = (
                select(Reminder, Event)
                .join(Event, Event.id == Reminder.event_id)
                .where(Reminder.done_at.is_(None), Reminder.due_at <= now)
            )
            if ids is not None:
                stmt = stmt.where(Reminder.id.in_(list(ids)))
            rows = (await session.execute(stmt.order_by(Reminder.due_at, Reminder.id))).all()
            out = []
            for reminder, event in rows:
                view = event_view(event)
                useful = still_useful(reminder.kind, view, now)
                reminder.done_at = now
                reminder.outcome = SENDING if useful else DROPPED
                if useful:
                    out.append(
                        Due(reminder.id, reminder.user_id, reminder.chat_id, reminder.kind, view)
                    )
            return out

    async def defer(self, reminder_id: int, until: datetime) -> None:
        """Give back a claimed row to be sent at `until` (a resident's quiet hours)."""
        async with self._db.session() as session:
            await session.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id)
                .values(due_at=until, done_at=None, outcome=None)
            )

    async def finish(self, reminder_id: int, outcome: str) -> None:
        async with self._db.session() as session:
            await session.execute(
                update(Reminder).where(Reminder.id == reminder_id).values(outcome=outcome)
            )

    async def outcomes(self, user_id: int) -> dict[tuple[int, str], str | None]:
        """(event id, kind) -> outcome of a resident's rows: for tests and support."""
        async with self._db.reading() as session:
            rows = await session.execute(
                select(Reminder.event_id, Reminder.kind, Reminder.outcome).where(
                    Reminder.user_id == user_id
                )
            )
            return {(e, k): o for e, k, o in rows.all()}
