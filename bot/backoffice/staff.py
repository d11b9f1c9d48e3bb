"""The two things the back office asks about people: who is staff, and what they changed,
both answered by the staff roles and their audit log (bot/staff/)."""

from __future__ import annotations

import json
from typing import Any

from bot.services import Services


async def is_staff(services: Services, user_id: int | None) -> bool:
    """Asked on every page and every form, server-side."""
    return await services.staff.is_staff(user_id)


async def audit(services: Services, user_id: int, action: str, **details: Any) -> None:
    """Who changed what, and when: the audit log, as for staff actions in the bot."""
    subject = str(details.get("event") or details.get("residence") or details.get("id") or "")
    detail = json.loads(json.dumps(details, ensure_ascii=False, default=str))
    await services.staff.audit(user_id, f"web.{action}", subject, detail)
