"""The staff table and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base


class StaffMember(Base):
    """A person an admin made staff. Admins themselves come from ADMIN_IDS, not from here."""

    __tablename__ = "staff"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The name Telegram gave when they were added (a forward shows it); None when added by id.
    name: Mapped[str | None] = mapped_column(String(128))
    added_by: Mapped[int] = mapped_column(BigInteger)
    added_at: Mapped[datetime]


class AuditEntry(Base):
    """One thing a staff member did: who, what, on what, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(64))  # "staff.add", "content.reload", ...
    subject: Mapped[str] = mapped_column(String(256))  # what it was done to, as text
    detail: Mapped[Any] = mapped_column(JSON)  # anything else worth keeping, or None
