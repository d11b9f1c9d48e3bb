"""The two hooks the back office asks about people: who is staff, and what they changed.

One function each, so that the staff roles (bot/staff/, when it lands) replace them here and
nowhere else: today staff are the ADMIN_IDS, and the audit trail is a log line.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.services import Services

log = logging.getLogger("bot.audit")


async def is_staff(services: Services, user_id: int | None) -> bool:
    """Asked on every page and every form, server-side."""
    return services.is_admin(user_id)


async def audit(services: Services, user_id: int, action: str, **details: Any) -> None:
    """Who changed what, and when (the log's timestamp; the clock's time in the line)."""
    at = services.clock().isoformat(timespec="seconds")
    log.info(
        "audit: %s by %s at %s %s",
        action,
        user_id,
        at,
        json.dumps(details, ensure_ascii=False, default=str, sort_keys=True),
    )
