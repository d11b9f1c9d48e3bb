"""Announcements: written, scheduled, expanded into the outbox, claimed, recorded, reported.

The outbox is the `deliveries` table: one row per recipient of a run. Recipients are expanded
in batches of residents (a cursor on the resident id, committed with the batch), so 100,000
residents never sit in memory and a crash mid-expansion resumes where it stopped. Rows are
claimed `pending -> sending` in one statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL: two
processes never claim the same row) and recorded once Telegram answered. What a crash leaves
`sending` goes back to pending when the next sender starts: those, at most, may be sent twice;
nothing is lost. Quiet hours are checked when a row is claimed, on the resident's settings of
that moment, so a long delivery never wakes anyone at night.

Domain only: the sending itself (bot/telegram/outbox.py) and the words (handlers/) are
elsewhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import undefer

from bot.broadcasts.audience import Audience
from bot.broadcasts.models import Announcement, Delivery, Run
from bot.broadcasts.when import Weekly
from bot.clock import Clock
from bot.residents.models import GroupLink, Resident
from bot.residents.profile import DEFAULT_TOPICS, after_quiet, quiet_hours
from bot.storage.database import Database
from bot.storage.upsert import insert_new, upsert

Resolve = Callable[[str | None, str | None], str]

# Announcement statuses
DRAFT, SCHEDULED, SENDING = "draft", "scheduled", "sending"
DONE, CANCELLED, MISSED = "done", "cancelled", "missed"
# Run statuses
EXPANDING, STOPPED = "expanding", "stopped"
# Delivery statuses
PENDING, SENT, BLOCKED, FAILED, UNKNOWN, SKIPPED = (
    "pending",
    "sent",
    "blocked",
    "failed",
    "unknown",  # a timeout: Telegram may have delivered it
    "skipped",  # the resident sent /stop after the announcement was written
)
UNREACHED = (BLOCKED, FAILED)
EXPAND_BATCH = 1000


@dataclass(frozen=True)
class Draft:
    """An announcement as staff confirmed it."""

    texts: dict[str, str]  # language -> HTML
    language: str  # the version residents of other languages get
    audience: Audience
    photo: str | None = None  # a Telegram file_id (the bot's composer)
    urgent: bool = False
    due_at: datetime | None = None  # None: now
    weekly: Weekly | None = None
    # A JPEG or PNG uploaded in the back office: given to Telegram with the first recipient's
    # copy, whose file_id the others get (`Message.photo_file`, `photo_sent`).
    photo_file: bytes | None = None


@dataclass(frozen=True)
class Reach:
    residents: int
    by_language: dict[str, int]  # resident language -> count
    groups: int

    def versions(self, texts: Sequence[str], default: str) -> dict[str, int]:
        """How many residents get each written version (theirs, else the default's)."""
        counts: Counter[str] = Counter()
        for lang, count in self.by_language.items():
            counts[lang if lang in texts else default] += count
        return dict(counts)


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    run_id: int
    chat_id: int
    user_id: int | None
    language: str
    attempts: int


@dataclass(frozen=True)
class Message:
    """What a run sends, per recipient language."""

    announcement_id: int
    texts: dict[str, str]
    language: str
    photo: str | None  # Telegram's file_id
    photo_file: bytes | None = None  # the image itself, while Telegram has no file_id for it

    def text(self, lang: str) -> str:
        return self.texts.get(lang) or self.texts[self.language]


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: str
    user_id: int | None = None
    message_id: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Started:
    runs: list[int]
    missed: list[tuple[int, int | None, datetime]]  # announcement id, author, due time


@dataclass(frozen=True)
class Report:
    run_id: int
    announcement_id: int
    author_id: int | None
    stopped: bool
    by_status: dict[str, int]
    by_language: dict[str, dict[str, int]]  # language -> status -> count
    by_residence: dict[str | None, dict[str, int]]  # residence (None: no residence)
    groups: dict[str, int]  # status -> group chats

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def unreached(self) -> dict[str | None, int]:
        """Residents not reached on Telegram, per residence: for a letter or a door knock."""
        counts = {
            residence: sum(statuses.get(s, 0) for s in UNREACHED)
            for residence, statuses in self.by_residence.items()
        }
        return {residence: n for residence, n in counts.items() if n}


@dataclass(frozen=True)
class Summary:
    """An announcement as /announcements and `broadcast list` show it."""

    id: int
    status: str
    author_id: int | None
    created_at: datetime
    due_at: datetime | None
    weekly: Weekly | None
    urgent: bool
    audience: Audience
    languages: tuple[str, ...]
    preview: str  # the default version's first words, HTML
    counts: dict[str, int] = field(default_factory=dict)  # its latest run's deliveries


class BroadcastService:
    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo, resolve: Resolve) -> None:
        self._db = db
        self._clock = clock
        self._tz = tz
        self._resolve = resolve

    # -- writing

    async def create(self, author_id: int | None, draft: Draft) -> int:
        """Write and schedule at once (the command line)."""
        draft_id = await self.save_draft(author_id, None, draft)
        await self.confirm(draft_id)
        return draft_id

    async def save_draft(self, author_id: int | None, draft_id: int | None, draft: Draft) -> int:
        """Keep what staff composed so far in the database: a restart mid-way loses nothing,
        and every button of the composer carries the draft's id."""
        values: dict[str, Any] = {
            "language": draft.language,
            "texts": dict(draft.texts),
            "photo": draft.photo,
            "photo_file": draft.photo_file,
            "audience": draft.audience.to_data(),
            "urgent": draft.urgent,
            "due_at": draft.due_at,
            "recurrence": draft.weekly.to_data() if draft.weekly else None,
        }
        async with self._db.session() as session:
            row = await session.get(Announcement, draft_id) if draft_id is not None else None
            if row is None or row.status != DRAFT:
                row = Announcement(author_id=author_id, created_at=self._clock(), status=DRAFT)
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            await session.flush()
            return row.id

    async def draft(self, draft_id: int) -> tuple[int | None, Draft] | None:
        """(author, draft) of a draft not yet confirmed, else None."""
        async with self._db.reading() as session:
            row = await session.get(Announcement, draft_id)
            if row is None or row.status != DRAFT:
                return None
            return row.author_id, Draft(
                texts=dict(row.texts),
                language=row.language,
                audience=Audience.of(row.audience),
                photo=row.photo,
                urgent=row.urgent,
                due_at=row.due_at,
                weekly=Weekly.of(row.recurrence),
            )

    async def confirm(self, draft_id: int) -> datetime | None:
        """Schedule a draft: returns when it goes out (None if it was no longer a draft)."""
        now = self._clock()
        async with self._db.session() as session:
            row = await session.get(Announcement, draft_id)
            if row is None or row.status != DRAFT:
                return None
            weekly = Weekly.of(row.recurrence)
            if weekly is not None:
                due = weekly.next_after(now, self._tz)
            else:
                due = row.due_at if row.due_at is not None and row.due_at > now else now
            row.status, row.due_at, row.created_at = SCHEDULED, due, now
            return due

    async def discard(self, draft_id: int) -> bool:
        async with self._db.session() as session:
            result = await session.execute(
                delete(Announcement).where(
                    Announcement.id == draft_id, Announcement.status == DRAFT
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def cancel(self, announcement_id: int) -> str | None:
        """Cancel a scheduled one, or stop one being delivered (the rows not sent yet are
        dropped; what is in flight finishes). Returns "cancelled", "stopped" or None."""
        now = self._clock()
        async with self._db.session() as session:
            row = await session.get(Announcement, announcement_id)
            if row is None or row.status in (DRAFT, DONE, CANCELLED, MISSED):
                return None
            running = list(
                await session.scalars(
                    select(Run).where(
                        Run.announcement_id == announcement_id,
                        Run.status.in_((EXPANDING, SENDING)),
                    )
                )
            )
            row.status = CANCELLED
            for run in running:
                run.status, run.finished_at = STOPPED, now
            if running:
                await session.execute(
                    update(Delivery)
                    .where(Delivery.run_id.in_([r.id for r in running]), Delivery.status == PENDING)
                    .values(status=STOPPED, updated_at=now)
                )
            return STOPPED if running else CANCELLED

    # -- who

    async def _residents(
        self, audience: Audience, after: int, limit: int
    ) -> tuple[list[tuple[int, int, str, str | None]], int | None]:
        """The next residents of the audience after resident id `after`:
        [(user_id, chat_id, language, residence)], and the last id looked at (None: done)."""
        stmt = (
            select(
                Resident.user_id,
                Resident.chat_id,
                Resident.language,
                Resident.telegram_language,
                Resident.residence_id,
                Resident.entrance,
                Resident.topics,
            )
            .where(
                Resident.user_id > after,
                Resident.blocked.is_(False),
                Resident.stopped.is_(False),
            )
            .order_by(Resident.user_id)
            .limit(limit)
        )
        if audience.residences:
            stmt = stmt.where(Resident.residence_id.in_(audience.residences))
        async with self._db.reading() as session:
            rows = (await session.execute(stmt)).all()
        chosen = []
        for user_id, chat_id, lang, tg_lang, residence, entrance, topics in rows:
            resolved = self._resolve(lang, tg_lang)
            followed = DEFAULT_TOPICS if topics is None else topics
            if audience.matches(residence, entrance, followed, resolved):
                chosen.append((user_id, chat_id, resolved, residence))
        last = rows[-1][0] if len(rows) == limit else None
        return chosen, last

    async def _groups(self, audience: Audience) -> list[tuple[int, str]]:
        if not audience.reaches_groups:
            return []
        stmt = select(GroupLink.chat_id, GroupLink.residence_id)
        if audience.residences:
            stmt = stmt.where(GroupLink.residence_id.in_(audience.residences))
        async with self._db.reading() as session:
            return [(chat, residence) for chat, residence in (await session.execute(stmt)).all()]

    async def reach(self, audience: Audience) -> Reach:
        """How many residents (per language) and group chats an announcement would reach."""
        languages: Counter[str] = Counter()
        after: int | None = 0
        while after is not None:
            chosen, after = await self._residents(audience, after, 5 * EXPAND_BATCH)
            languages.update(lang for _, _, lang, _ in chosen)
        groups = await self._groups(audience)
        return Reach(sum(languages.values()), dict(languages), len(groups))

    # -- when

    async def scheduled(self) -> list[tuple[int, datetime]]:
        """(id, due time) of what waits to go out, for the job queue."""
        async with self._db.reading() as session:
            rows = await session.execute(
                select(Announcement.id, Announcement.due_at).where(
                    Announcement.status == SCHEDULED, Announcement.due_at.is_not(None)
                )
            )
            return [(i, due) for i, due in rows.all() if due is not None]

    async def start_due(self, grace: timedelta) -> Started:
        """Start a run for every announcement due now; one missed by more than `grace` (the
        assistant was down) is marked missed instead (a weekly one skips to its next date)."""
        now = self._clock()
        runs: list[int] = []
        missed: list[tuple[int, int | None, datetime]] = []
        async with self._db.session() as session:
            due = list(
                await session.scalars(
                    select(Announcement)
                    .where(Announcement.status == SCHEDULED, Announcement.due_at <= now)
                    .order_by(Announcement.due_at)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in due:
                assert row.due_at is not None
                weekly = Weekly.of(row.recurrence)
                if now - row.due_at > grace:
                    missed.append((row.id, row.author_id, row.due_at))
                    if weekly is not None:
                        row.due_at = weekly.next_after(now, self._tz)
                    else:
                        row.status = MISSED
                    continue
                result = await session.execute(
                    upsert(
                        self._db.dialect,
                        Run.__table__,  # type: ignore[arg-type]
                        {
                            "announcement_id": row.id,
                            "due_at": row.due_at,
                            "status": EXPANDING,
                            "cursor": 0,
                            "groups_done": False,
                            "started_at": now,
                        },
                        key=["announcement_id", "due_at"],
                    ).returning(Run.id)
                )
                run_id = result.scalar()
                if run_id is not None:
                    runs.append(run_id)
                if weekly is not None:
                    row.due_at = weekly.next_after(max(now, row.due_at), self._tz)
                else:
                    row.status = SENDING
        return Started(runs, missed)

    # -- the outbox

    async def expand(self, run_id: int, batch: int = EXPAND_BATCH) -> bool:
        """Add the next batch of recipients to a run's outbox; True once all are in."""
        async with self._db.reading() as session:
            run = await session.get(Run, run_id)
            if run is None or run.status != EXPANDING:
                return True
            announcement = await session.get(Announcement, run.announcement_id)
            assert announcement is not None
            audience = Audience.of(announcement.audience)
            default = announcement.language
            cursor, groups_done = run.cursor, run.groups_done
        now = self._clock()
        rows: list[dict[str, Any]] = []
        if not groups_done:
            rows += [
                _delivery(run_id, chat, None, default, residence, now)
                for chat, residence in await self._groups(audience)
            ]
        chosen, last = await self._residents(audience, cursor, batch)
        rows += [
            _delivery(run_id, chat, user, lang, residence, now)
            for user, chat, lang, residence in chosen
        ]
        done = last is None
        async with self._db.session() as session:
            if rows:
                await session.execute(
                    insert_new(
                        self._db.dialect,
                        Delivery.__table__,  # type: ignore[arg-type]
                        key=["run_id", "chat_id"],
                    ),
                    rows,
                )
            await session.execute(
                update(Run)
                .where(Run.id == run_id, Run.status == EXPANDING)
                .values(
                    cursor=last if last is not None else cursor,
                    groups_done=True,
                    status=SENDING if done else EXPANDING,
                )
            )
        return done

    async def expanding(self) -> list[int]:
        async with self._db.reading() as session:
            return list(
                await session.scalars(
                    select(Run.id).where(Run.status == EXPANDING).order_by(Run.id)
                )
            )

    async def recover(self) -> int:
        """Put back to pending what a stopped or crashed sender left claimed. Only the one
        sender (the scheduler's process) calls it, when it starts."""
        async with self._db.session() as session:
            result = await session.execute(
                update(Delivery).where(Delivery.status == SENDING).values(status=PENDING)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def claim(self, limit: int) -> list[Claimed]:
        """Take up to `limit` rows due now: `pending -> sending`. Rows of residents now in
        their quiet hours (unless urgent) wait for the end of them instead; rows of residents
        who sent /stop meanwhile are skipped."""
        now = self._clock()
        ids = (
            select(Delivery.id)
            .where(
                Delivery.status == PENDING,
                or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
            )
            .order_by(Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        async with self._db.session() as session:
            result = await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(status=SENDING, attempts=Delivery.attempts + 1, updated_at=now)
                .returning(
                    Delivery.id,
                    Delivery.run_id,
                    Delivery.chat_id,
                    Delivery.user_id,
                    Delivery.language,
                    Delivery.attempts,
                )
                .execution_options(synchronize_session=False)
            )
            claimed = [Claimed(*row) for row in result.all()]
            if not claimed:
                return []
            users = [c.user_id for c in claimed if c.user_id is not None]
            urgent = dict(
                (
                    await session.execute(
                        select(Run.id, Announcement.urgent)
                        .join(Announcement, Announcement.id == Run.announcement_id)
                        .where(Run.id.in_({c.run_id for c in claimed}))
                    )
                ).all()
            )
            settings = {
                row[0]: row[1:]
                for row in (
                    await session.execute(
                        select(
                            Resident.user_id,
                            Resident.quiet_start,
                            Resident.quiet_end,
                            Resident.stopped,
                            Resident.blocked,
                        ).where(Resident.user_id.in_(users))
                    )
                ).all()
            }
            ready: list[Claimed] = []
            later: list[dict[str, Any]] = []
            for row in claimed:
                if row.user_id is None:
                    ready.append(row)
                    continue
                start, end, stopped, blocked = settings.get(row.user_id, (None, None, True, False))
                if stopped or blocked:
                    later.append({"id": row.delivery_id, "status": BLOCKED if blocked else SKIPPED})
                    continue
                allowed = after_quiet(quiet_hours(start, end), now, self._tz)
                if not urgent.get(row.run_id) and allowed > now:
                    later.append(
                        {
                            "id": row.delivery_id,
                            "status": PENDING,
                            "not_before": allowed,
                            "attempts": row.attempts - 1,
                        }
                    )
                    continue
                ready.append(row)
            if later:
                await session.execute(update(Delivery), later)
            return ready

    async def message(self, run_id: int) -> Message | None:
        async with self._db.reading() as session:
            row = (
                await session.execute(
                    select(Announcement)
                    .options(undefer(Announcement.photo_file))
                    .join(Run, Run.announcement_id == Announcement.id)
                    .where(Run.id == run_id)
                )
            ).scalar()
            if row is None:
                return None
            upload = None if row.photo else row.photo_file
            return Message(row.id, dict(row.texts), row.language, row.photo, upload)

    async def photo_sent(self, announcement_id: int, file_id: str) -> None:
        """Telegram has the uploaded photo: its file_id from now on (later runs of a weekly
        one too), and the image is no longer kept."""
        async with self._db.session() as session:
            await session.execute(
                update(Announcement)
                .where(Announcement.id == announcement_id)
                .values(photo=file_id, photo_file=None)
            )

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Telegram's answers, in one transaction; residents who blocked the bot are marked."""
        if not outcomes:
            return
        now = self._clock()
        blocked = [o.user_id for o in outcomes if o.status == BLOCKED and o.user_id is not None]
        async with self._db.session() as session:
            await session.execute(
                update(Delivery),
                [
                    {
                        "id": o.delivery_id,
                        "status": o.status,
                        "message_id": o.message_id,
                        "error": o.error,
                        "updated_at": now,
                    }
                    for o in outcomes
                ],
            )
            if blocked:
                await session.execute(
                    update(Resident)
                    .where(Resident.user_id.in_(blocked))
                    .values(blocked=True, blocked_at=now)
                )

    async def finish(self) -> list[int]:
        """Close the runs with nothing left to send; returns their ids."""
        now = self._clock()
        waiting = (
            select(Delivery.id)
            .where(Delivery.run_id == Run.id, Delivery.status.in_((PENDING, SENDING)))
            .exists()
        )
        async with self._db.session() as session:
            runs = list(await session.scalars(select(Run).where(Run.status == SENDING, ~waiting)))
            for run in runs:
                run.status, run.finished_at = DONE, now
                await session.execute(
                    update(Announcement)
                    .where(Announcement.id == run.announcement_id, Announcement.status == SENDING)
                    .values(status=DONE)
                )
            return [run.id for run in runs]

    async def unreported(self) -> list[int]:
        """Finished (or stopped) runs whose author was not told yet."""
        async with self._db.reading() as session:
            return list(
                await session.scalars(
                    select(Run.id)
                    .where(Run.status.in_((DONE, STOPPED)), Run.reported_at.is_(None))
                    .order_by(Run.id)
                )
            )

    async def reported(self, run_id: int) -> None:
        async with self._db.session() as session:
            await session.execute(
                update(Run).where(Run.id == run_id).values(reported_at=self._clock())
            )

    async def report(self, run_id: int) -> Report | None:
        async with self._db.reading() as session:
            run = await session.get(Run, run_id)
            if run is None:
                return None
            announcement = await session.get(Announcement, run.announcement_id)
            assert announcement is not None
            rows = (
                await session.execute(
                    select(
                        Delivery.status,
                        Delivery.language,
                        Delivery.residence_id,
                        Delivery.user_id.is_(None),
                        func.count(),
                    )
                    .where(Delivery.run_id == run_id)
                    .group_by(
                        Delivery.status,
                        Delivery.language,
                        Delivery.residence_id,
                        Delivery.user_id.is_(None),
                    )
                )
            ).all()
        by_status: Counter[str] = Counter()
        by_language: dict[str, Counter[str]] = {}
        by_residence: dict[str | None, Counter[str]] = {}
        groups: Counter[str] = Counter()
        for status, lang, residence, is_group, count in rows:
            if is_group:
                groups[status] += count
                continue
            by_status[status] += count
            by_language.setdefault(lang, Counter())[status] += count
            by_residence.setdefault(residence, Counter())[status] += count
        return Report(
            run_id=run_id,
            announcement_id=announcement.id,
            author_id=announcement.author_id,
            stopped=run.status == STOPPED,
            by_status=dict(by_status),
            by_language={k: dict(v) for k, v in by_language.items()},
            by_residence={k: dict(v) for k, v in by_residence.items()},
            groups=dict(groups),
        )

    async def latest_run(self, announcement_id: int) -> int | None:
        """The id of an announcement's latest run (its report), None if it never went out."""
        async with self._db.reading() as session:
            return await session.scalar(
                select(func.max(Run.id)).where(Run.announcement_id == announcement_id)
            )

    async def backlog(self) -> int:
        """Deliveries waiting to be sent (for /healthz and the metrics)."""
        async with self._db.reading() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.status.in_((PENDING, SENDING)))
            )
            return int(count or 0)

    # -- lists

    async def summaries(self, limit: int = 20, only: int | None = None) -> list[Summary]:
        """The newest announcements first (or only the one `only`), with their latest run's
        counts."""
        stmt = (
            select(Announcement)
            .where(Announcement.status != DRAFT)
            .order_by(Announcement.id.desc())
            .limit(limit)
        )
        if only is not None:
            stmt = stmt.where(Announcement.id == only)
        async with self._db.reading() as session:
            rows = list(await session.scalars(stmt))
            latest = dict(
                (
                    await session.execute(
                        select(Run.announcement_id, func.max(Run.id))
                        .where(Run.announcement_id.in_([r.id for r in rows]))
                        .group_by(Run.announcement_id)
                    )
                ).all()
            )
            counts: dict[int, dict[str, int]] = {}
            if latest:
                for run_id, status, count in (
                    await session.execute(
                        select(Delivery.run_id, Delivery.status, func.count())
                        .where(Delivery.run_id.in_(list(latest.values())))
                        .group_by(Delivery.run_id, Delivery.status)
                    )
                ).all():
                    counts.setdefault(run_id, {})[status] = count
            return [
                Summary(
                    id=row.id,
                    status=row.status,
                    author_id=row.author_id,
                    created_at=row.created_at,
                    due_at=row.due_at,
                    weekly=Weekly.of(row.recurrence),
                    urgent=row.urgent,
                    audience=Audience.of(row.audience),
                    languages=tuple(row.texts),
                    preview=row.texts.get(row.language, ""),
                    counts=counts.get(latest.get(row.id, -1), {}),
                )
                for row in rows
            ]

    async def get(self, announcement_id: int) -> Summary | None:
        found = await self.summaries(limit=1, only=announcement_id)
        return found[0] if found else None

    # -- privacy

    async def export_user(self, user_id: int) -> tuple[str, list[dict[str, Any]]]:
        """/mydata: the announcements sent to the resident and what became of each."""
        async with self._db.reading() as session:
            rows = await session.execute(
                select(Run.announcement_id, Delivery.status, Delivery.updated_at)
                .join(Run, Run.id == Delivery.run_id)
                .where(Delivery.user_id == user_id)
                .order_by(Delivery.id)
            )
            return "announcements", [
                {
                    "announcement": announcement,
                    "status": status,
                    "at": at.isoformat() if at else None,
                }
                for announcement, status, at in rows.all()
            ]

    async def forget_user(self, user_id: int) -> int:
        """/forget: the resident's deliveries go with the rest."""
        async with self._db.session() as session:
            result = await session.execute(delete(Delivery).where(Delivery.user_id == user_id))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _delivery(
    run_id: int,
    chat_id: int,
    user_id: int | None,
    language: str,
    residence: str | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "chat_id": chat_id,
        "user_id": user_id,
        "language": language,
        "residence_id": residence,
        "status": PENDING,
        "attempts": 0,
        "updated_at": now,
    }
