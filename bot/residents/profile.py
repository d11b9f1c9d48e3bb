"""A resident's profile: what they follow, when they may be written to, and their data rights.

Everything is read from and written to the database at once (several workers may serve the
same resident): no profile is cached in the process. Quiet hours are local times in the
assistant's time zone; `can_message_now` / `next_allowed` are what announcements, reminders and
the weekly digest ask before sending something that can wait.

Privacy: `export` returns everything stored about a resident, `forget` deletes it (the
resident's row, their reminders, and whatever the injected erasers hold, such as updates still
in the durable inbox). The question log keeps no link to a person, so it is not touched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_, select, update

from bot.clock import Clock, system_clock
from bot.events.models import Reminder
from bot.i18n import N_
from bot.residents.models import GroupLink, Resident
from bot.storage.database import Database
from bot.storage.upsert import upsert

# What a resident can follow. Announcements are on unless they opt out.
TIPS, POPUPS, EVENTS, ANNOUNCEMENTS = "tips", "popups", "events", "announcements"
TOPICS: tuple[str, ...] = (TIPS, POPUPS, EVENTS, ANNOUNCEMENTS)
DEFAULT_TOPICS: frozenset[str] = frozenset({POPUPS, ANNOUNCEMENTS})
# Their names (msgids), for the bot's settings and announcements and the back office alike.
TOPIC_LABELS = {
    TIPS: N_("💡 Eco tips"),
    POPUPS: N_("♻️ Recycling pop-ups"),
    EVENTS: N_("🎭 Cultural events"),
    ANNOUNCEMENTS: N_("📢 Building announcements"),
}
DEFAULT_QUIET = (21 * 60, 8 * 60)  # 21:00-08:00 local
DIGEST_EVERY = timedelta(days=7)

Eraser = Callable[[int], Awaitable[int]]
# Another store's part of /mydata: (its key in the file, what it holds about the resident).
Exporter = Callable[[int], Awaitable[tuple[str, Any]]]


@dataclass(frozen=True)
class Profile:
    user_id: int
    chat_id: int
    language: str | None
    telegram_language: str | None
    residence_id: str | None
    entrance: str | None
    topics: frozenset[str]
    quiet: tuple[int, int] | None  # (start, end) minutes after local midnight; None: off
    digest: bool
    stopped: bool
    blocked: bool
    onboarded: bool
    seen_tips: tuple[str, ...]

    def follows(self, topic: str) -> bool:
        return topic in self.topics

    @property
    def reachable(self) -> bool:
        """May be sent something they did not just ask for."""
        return not (self.stopped or self.blocked)

    @classmethod
    def of(cls, row: Resident) -> Profile:
        topics = DEFAULT_TOPICS if row.topics is None else frozenset(row.topics) & set(TOPICS)
        return cls(
            user_id=row.user_id,
            chat_id=row.chat_id,
            language=row.language,
            telegram_language=row.telegram_language,
            residence_id=row.residence_id,
            entrance=row.entrance,
            topics=topics,
            quiet=quiet_hours(row.quiet_start, row.quiet_end),
            digest=bool(row.digest),
            stopped=bool(row.stopped),
            blocked=bool(row.blocked),
            onboarded=row.onboarded_at is not None,
            seen_tips=tuple(row.seen_tips or ()),
        )


def quiet_hours(start: int | None, end: int | None) -> tuple[int, int] | None:
    """A resident's stored quiet hours: None columns are the default; equal ones, none."""
    start = DEFAULT_QUIET[0] if start is None else start
    end = DEFAULT_QUIET[1] if end is None else end
    return None if start == end else (start, end)


def after_quiet(quiet: tuple[int, int] | None, now: datetime, tz: ZoneInfo) -> datetime:
    """`now`, or the end of the quiet hours `now` falls in (local time in `tz`)."""
    local = now.astimezone(tz)
    if quiet is None or not in_quiet(quiet, local):
        return now
    end = quiet[1]
    target = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    if target <= local:
        target = (local + timedelta(days=1)).replace(
            hour=end // 60, minute=end % 60, second=0, microsecond=0
        )
    return target.astimezone(now.tzinfo)


def minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def in_quiet(quiet: tuple[int, int] | None, local: datetime) -> bool:
    if quiet is None:
        return False
    start, end = quiet
    now = minutes(local.time())
    if start < end:
        return start <= now < end
    return now >= start or now < end  # across midnight


class ProfileService:
    def __init__(
        self,
        db: Database,
        clock: Clock = system_clock,
        tz: ZoneInfo | None = None,
        erasers: Sequence[Eraser] = (),
        exporters: Sequence[Exporter] = (),
    ) -> None:
        self._db = db
        self._clock = clock
        self._tz = tz or ZoneInfo("Europe/Paris")
        self._erasers = list(erasers)
        self._exporters = list(exporters)

    def add_eraser(self, eraser: Eraser) -> None:
        """Another store holding data about residents (wired by bot.app)."""
        self._erasers.append(eraser)

    async def get(self, user_id: int) -> Profile | None:
        async with self._db.reading() as session:
            row = await session.get(Resident, user_id)
            return Profile.of(row) if row is not None else None

    async def _set(self, user_id: int, **values: Any) -> bool:
        async with self._db.session() as session:
            result = await session.execute(
                update(Resident).where(Resident.user_id == user_id).values(**values)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # -- choices

    async def attach(self, user_id: int, residence_id: str | None, entrance: str | None) -> None:
        """The residence (and entrance) a poster's link or the picker named."""
        await self._set(user_id, residence_id=residence_id, entrance=entrance)

    async def set_topic(self, user_id: int, topic: str, on: bool) -> Profile | None:
        profile = await self.get(user_id)
        if profile is None or topic not in TOPICS:
            return profile
        topics = set(profile.topics)
        (topics.add if on else topics.discard)(topic)
        values: dict[str, Any] = {"topics": sorted(topics)}
        if topic == TIPS:
            values["digest"] = on  # following eco tips is receiving the weekly one
        await self._set(user_id, **values)
        return await self.get(user_id)

    async def set_quiet(self, user_id: int, quiet: tuple[int, int] | None) -> None:
        start, end = quiet if quiet is not None else (0, 0)
        await self._set(user_id, quiet_start=start, quiet_end=end)

    async def set_digest(self, user_id: int, on: bool) -> None:
        await self._set(user_id, digest=on)

    async def set_stopped(self, user_id: int, stopped: bool) -> None:
        await self._set(user_id, stopped=stopped)

    async def finish_onboarding(self, user_id: int) -> None:
        profile = await self.get(user_id)
        values: dict[str, Any] = {"onboarded_at": self._clock()}
        if profile is not None:
            values["topics"] = sorted(profile.topics)
            values["digest"] = TIPS in profile.topics
        await self._set(user_id, **values)

    # -- when a resident may be written to

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self._tz)

    def can_message_now(self, profile: Profile, now: datetime | None = None) -> bool:
        """Something that can wait (an announcement, a digest): not stopped, not blocked, not
        in their quiet hours."""
        if not profile.reachable:
            return False
        return not in_quiet(profile.quiet, self.local(now or self._clock()))

    def next_allowed(self, profile: Profile, now: datetime | None = None) -> datetime:
        """When something that can wait may be sent: now, or the end of the quiet hours."""
        return after_quiet(profile.quiet, now or self._clock(), self._tz)

    # -- the weekly digest

    async def due_for_digest(self, now: datetime | None = None) -> list[Profile]:
        """Residents who asked for the digest, reachable now, not sent one this week."""
        now = now or self._clock()
        stmt = select(Resident).where(
            Resident.digest.is_(True),
            Resident.stopped.is_(False),
            Resident.blocked.is_(False),
            or_(Resident.digest_sent_at.is_(None), Resident.digest_sent_at <= now - DIGEST_EVERY),
        )
        async with self._db.reading() as session:
            rows = list(await session.scalars(stmt.order_by(Resident.user_id)))
            profiles = [Profile.of(row) for row in rows]
        return [p for p in profiles if self.can_message_now(p, now)]

    async def digest_sent(self, user_id: int, tip_id: str | None) -> None:
        profile = await self.get(user_id)
        if profile is None:
            return
        seen = list(profile.seen_tips)
        if tip_id is not None and tip_id not in seen:
            seen.append(tip_id)
        await self._set(user_id, digest_sent_at=self._clock(), seen_tips=seen)

    # -- privacy

    async def export(self, user_id: int) -> dict[str, Any] | None:
        """Everything stored about the resident, as JSON-ready data."""
        async with self._db.reading() as session:
            row = await session.get(Resident, user_id)
            if row is None:
                return None
            reminders = list(
                await session.scalars(
                    select(Reminder).where(Reminder.user_id == user_id).order_by(Reminder.id)
                )
            )
            resident = {
                column.key: _jsonable(getattr(row, column.key))
                for column in Resident.__table__.columns
            }
            data: dict[str, Any] = {
                "resident": resident,
                "reminders": [
                    {
                        "event_id": r.event_id,
                        "kind": r.kind,
                        "due_at": _jsonable(r.due_at),
                        "done_at": _jsonable(r.done_at),
                        "outcome": r.outcome,
                        "created_at": _jsonable(r.created_at),
                    }
                    for r in reminders
                ],
                "questions": "not linked to you: the question log keeps no user id",
            }
        for exporter in self._exporters:
            key, value = await exporter(user_id)
            data[key] = value
        return data

    async def forget(self, user_id: int) -> int:
        """Delete every row about the resident; returns how many were deleted."""
        deleted = 0
        async with self._db.session() as session:
            for stmt in (
                delete(Reminder).where(Reminder.user_id == user_id),
                delete(Resident).where(Resident.user_id == user_id),
            ):
                result = await session.execute(stmt)
                deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
        for eraser in self._erasers:
            deleted += await eraser(user_id)
        return deleted

    async def forget_inactive(self, days: int, now: datetime | None = None) -> int:
        """Delete the profiles of residents not seen for `days`; returns how many."""
        before = (now or self._clock()) - timedelta(days=days)
        async with self._db.reading() as session:
            ids = list(
                await session.scalars(
                    select(Resident.user_id).where(Resident.last_seen_at < before)
                )
            )
        for user_id in ids:
            await self.forget(user_id)
        return len(ids)

    # -- group chats

    async def link_group(self, chat_id: int, residence_id: str) -> None:
        stmt = upsert(
            self._db.dialect,
            GroupLink.__table__,  # type: ignore[arg-type]
            {"chat_id": chat_id, "residence_id": residence_id, "linked_at": self._clock()},
            key=["chat_id"],
            update=["residence_id", "linked_at"],
        )
        async with self._db.session() as session:
            await session.execute(stmt)

    async def unlink_group(self, chat_id: int) -> bool:
        async with self._db.session() as session:
            result = await session.execute(delete(GroupLink).where(GroupLink.chat_id == chat_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def group_chats(self, residence_id: str) -> list[int]:
        """Where a residence's announcements are also posted."""
        async with self._db.reading() as session:
            return list(
                await session.scalars(
                    select(GroupLink.chat_id).where(GroupLink.residence_id == residence_id)
                )
            )

    async def group_residence(self, chat_id: int) -> str | None:
        async with self._db.reading() as session:
            return await session.scalar(
                select(GroupLink.residence_id).where(GroupLink.chat_id == chat_id)
            )

    async def residents_of(self, residence_id: str, topic: str) -> list[Profile]:
        """Residents of a residence following `topic` (for announcements)."""
        async with self._db.reading() as session:
            rows = await session.scalars(
                select(Resident).where(
                    and_(Resident.residence_id == residence_id, Resident.blocked.is_(False))
                )
            )
            profiles = [Profile.of(r) for r in rows]
        return [p for p in profiles if p.follows(topic) and not p.stopped]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | dict):
        return list(value)
    return value
