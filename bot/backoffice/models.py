"""The back office's own rows: one-time login links and uploads (calendars, an announcement's
photo) awaiting a confirmation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow


class WebLogin(Base):
    """A login link's nonce: valid until `expires_at`, and once (`used_at`). Once used, the
    row is the session it opened, until the staff member logs out (`closed_at`) or it expires:
    a copied cookie dies with the session it names."""

    __tablename__ = "web_logins"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class PendingImport(Base):
    """An .ics file or URL's bytes, or an announcement's photo (`source` "photo:<type>"),
    between the preview and the staff member's confirmation (in the database, so any worker
    can apply it); deleted when applied or after a day."""

    __tablename__ = "web_imports"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(500))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
