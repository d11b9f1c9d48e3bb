"""The residents table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow


class Resident(Base):
    """A person who talks to the assistant in a private chat."""

    __tablename__ = "residents"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(16))
    telegram_language: Mapped[str | None] = mapped_column(String(35))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The estate they live in (bot.events residences), chosen from the recycling screen.
    residence_id: Mapped[str | None] = mapped_column(String(64))
    # -- the profile (migration 0005): what the resident chose to hear about, and when
    entrance: Mapped[str | None] = mapped_column(String(64))
    # Topics followed (bot.residents.profile.TOPICS); None until chosen: the defaults apply.
    topics: Mapped[Any] = mapped_column(JSON)
    # Quiet hours as minutes after local midnight: None = the default 21:00-08:00; equal
    # start and end = no quiet hours.
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_sent_at: Mapped[datetime | None]
    seen_tips: Mapped[Any] = mapped_column(JSON)  # ids of the tips the digest already sent
    stopped: Mapped[bool] = mapped_column(Boolean, default=False)  # /stop: only replies
    onboarded_at: Mapped[datetime | None]


class GroupLink(Base):
    """A residence's group chat, where its announcements are also posted (/link_group)."""

    __tablename__ = "group_links"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    residence_id: Mapped[str] = mapped_column(String(64), index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
