"""The residents table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String
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
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The estate they live in (bot.events residences), chosen from the recycling screen.
    residence_id: Mapped[str | None] = mapped_column(String(64))
