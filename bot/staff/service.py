"""Who is staff, and what staff did.

Admins are the ADMIN_IDS of the settings: always staff, never removable, the only ones who add
and remove staff. Staff are stored (several workers share them: nothing is cached). Every add
and remove writes the audit log in the same transaction; other staff actions call `audit`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from bot.clock import Clock
from bot.staff.models import AuditEntry, StaffMember
from bot.storage.database import Database

NAME_LIMIT = 128
SUBJECT_LIMIT = 256


class NotAllowed(Exception):
    """Only admins add and remove staff."""


class AdminNotRemovable(Exception):
    """Admins come from ADMIN_IDS: they are removed there, not by a command."""


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str | None
    admin: bool  # from ADMIN_IDS: no name, added_by or added_at
    added_by: int | None = None
    added_at: datetime | None = None


@dataclass(frozen=True)
class Audit:
    id: int
    at: datetime
    actor_id: int
    action: str
    subject: str
    detail: dict[str, Any] | None


def _entry(at: datetime, actor_id: int, action: str, subject: str, detail: Any) -> AuditEntry:
    return AuditEntry(
        at=at, actor_id=actor_id, action=action, subject=subject[:SUBJECT_LIMIT], detail=detail
    )


class StaffService:
    def __init__(self, db: Database, clock: Clock, admin_ids: Iterable[int]) -> None:
        self._db = db
        self._clock = clock
        self.admin_ids = frozenset(admin_ids)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids

    async def is_staff(self, user_id: int | None) -> bool:
        if user_id is None:
            return False
        if self.is_admin(user_id):
            return True
        async with self._db.reading() as session:
            return await session.get(StaffMember, user_id) is not None

    async def add(self, actor_id: int, user_id: int, name: str | None = None) -> bool:
        """Make `user_id` staff; False if they already were (or are an admin).
        Raises NotAllowed when the actor is not an admin."""
        if not self.is_admin(actor_id):
            raise NotAllowed
        if self.is_admin(user_id):
            return False
        name = (name or "").strip()[:NAME_LIMIT] or None
        now = self._clock()
        async with self._db.session() as session:
            if await session.get(StaffMember, user_id) is not None:
                return False
            session.add(StaffMember(user_id=user_id, name=name, added_by=actor_id, added_at=now))
            session.add(_entry(now, actor_id, "staff.add", str(user_id), {"name": name}))
        return True

    async def remove(self, actor_id: int, user_id: int) -> bool:
        """Take the staff role back; False if they were not staff.
        Raises NotAllowed (actor not an admin) or AdminNotRemovable."""
        if not self.is_admin(actor_id):
            raise NotAllowed
        if self.is_admin(user_id):
            raise AdminNotRemovable
        now = self._clock()
        async with self._db.session() as session:
            member = await session.get(StaffMember, user_id)
            if member is None:
                return False
            detail = {"name": member.name, "added_by": member.added_by}
            await session.execute(delete(StaffMember).where(StaffMember.user_id == user_id))
            session.add(_entry(now, actor_id, "staff.remove", str(user_id), detail))
        return True

    async def members(self) -> list[Member]:
        """Admins first (by id), then staff in the order they were added."""
        async with self._db.reading() as session:
            rows = (
                await session.scalars(
                    select(StaffMember).order_by(StaffMember.added_at, StaffMember.user_id)
                )
            ).all()
            staff = [Member(r.user_id, r.name, False, r.added_by, r.added_at) for r in rows]
        admins = [Member(user_id, None, True) for user_id in sorted(self.admin_ids)]
        return admins + [m for m in staff if m.user_id not in self.admin_ids]

    async def audit(
        self, actor_id: int, action: str, subject: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Record what a staff member did (action: a short key such as "content.reload")."""
        async with self._db.session() as session:
            session.add(_entry(self._clock(), actor_id, action, subject, detail))

    async def recent_audit(self, limit: int = 20) -> list[Audit]:
        """The latest entries, newest first."""
        async with self._db.reading() as session:
            rows = (
                await session.scalars(
                    select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
                )
            ).all()
            return [Audit(r.id, r.at, r.actor_id, r.action, r.subject, r.detail) for r in rows]
