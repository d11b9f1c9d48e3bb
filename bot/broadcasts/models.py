"""Announcements, their delivery runs, and the outbox: one delivery row per recipient."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow


class Announcement(Base):
    """What staff wrote, for whom and when.

    `texts` maps a language to the HTML residents of that language get; the others get
    `language`'s. `audience` is bot.broadcasts.audience.Audience as data. `due_at` is the next
    time it goes out (None once it went, or for a draft); `recurrence` repeats it weekly.
    """

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the command line
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # draft -> scheduled -> sending -> done; or cancelled, missed. Weekly ones stay scheduled.
    status: Mapped[str] = mapped_column(String(16), index=True)
    language: Mapped[str] = mapped_column(String(16))
    texts: Mapped[Any] = mapped_column(JSON)
    photo: Mapped[str | None] = mapped_column(String(255))  # a Telegram file_id
    # A photo uploaded in the back office, until Telegram has it: the first recipient's copy
    # uploads it, then its file_id goes to `photo` and this is emptied (migration 0012).
    photo_file: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    audience: Mapped[Any] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    recurrence: Mapped[Any] = mapped_column(JSON)  # {"days": [0..6], "time": "HH:MM"}


class Run(Base):
    """One sending of an announcement (a recurring one has one per occurrence).

    (announcement_id, due_at) is unique: two schedulers or a restart cannot start the same
    occurrence twice. `cursor` is the last resident id expanded into deliveries, so an
    expansion cut by a crash resumes where it stopped.
    """

    __tablename__ = "broadcast_runs"
    __table_args__ = (UniqueConstraint("announcement_id", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime]
    # expanding -> sending -> done; or stopped by staff
    status: Mapped[str] = mapped_column(String(16), index=True)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    groups_done: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]


class Delivery(Base):
    """One recipient of one run: pending -> sending -> sent | blocked | failed | unknown
    (a timeout: Telegram may have delivered it, so it is not sent again) | stopped.

    A row is `sending` from its claim until Telegram's answer is recorded: after a crash, the
    scheduler's next holder puts those back to pending (at most these are duplicated)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("run_id", "chat_id"),
        Index("ix_deliveries_status_not_before", "status", "not_before"),
        Index("ix_deliveries_run_status", "run_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("broadcast_runs.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # None: a group chat
    language: Mapped[str] = mapped_column(String(16))
    residence_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    not_before: Mapped[datetime | None]  # quiet hours: not sent before then
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None]
