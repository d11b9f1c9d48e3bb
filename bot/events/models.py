"""Residences, events (one row per occurrence) and the reminders residents asked for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow


class Residence(Base):
    """A housing estate where pop-up shops come.

    Each row has one owner, named by `source`: "content" rows mirror content/events/places.yaml
    (the content sync adds, updates and deletes them, and only them); "web" rows were added or
    edited by staff in the back office, and the content sync never touches them. A staff edit
    of a file's residence moves it to "web": from then on the back office is its one source
    (the sync reports the file's entry as overridden, so it can be deleted from the file).
    """

    __tablename__ = "residences"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    city: Mapped[str] = mapped_column(String(100))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    entrances: Mapped[Any] = mapped_column(JSON)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # -- migration 0009_web
    source: Mapped[str] = mapped_column(String(16), default="content", server_default="content")
    # The languages most spoken there after French (posters' invitations); None: the default.
    languages: Mapped[Any] = mapped_column(JSON, nullable=True)


class Event(Base):
    """One occurrence of a pop-up shop (kind "popup") or a cultural event.

    `key` is the identity a source gives it (a content id and date, or an iCalendar UID and
    RECURRENCE-ID), so a re-import updates the row instead of adding one; `id` is what
    buttons and deep links carry. Times are UTC; `timezone` is the zone the event is in.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_kind_starts_at", "kind", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(String(255), index=True)
    series: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str] = mapped_column(String(64))
    titles: Mapped[Any] = mapped_column(JSON)
    descriptions: Mapped[Any] = mapped_column(JSON)
    accessibility: Mapped[Any] = mapped_column(JSON)
    residence_id: Mapped[str | None] = mapped_column(String(64), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    price_cents: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[Any] = mapped_column(JSON)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    # A staff member cancelled or moved it: later imports leave its status and times alone.
    staff_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_starts_at: Mapped[datetime | None]
    checksum: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reminder(Base):
    """A message owed to a resident about an event: "eve" (the day before at 18:00), "hour"
    (an hour before), or a notice that it was "cancelled", "moved" or "postponed".

    Rows outlive restarts: pending ones are scheduled again at start-up. `done_at` is set
    when a worker takes the row, so a message is never sent twice.
    """

    __tablename__ = "event_reminders"
    __table_args__ = (UniqueConstraint("user_id", "event_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(index=True)
    done_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
