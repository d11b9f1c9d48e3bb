"""The words for an announcement's status and its deliveries' outcomes, shared by the bot's
/announcements and the back office (msgids only: each side translates them)."""

from __future__ import annotations

from bot.broadcasts.service import (
    BLOCKED,
    CANCELLED,
    DONE,
    FAILED,
    MISSED,
    PENDING,
    SCHEDULED,
    SENDING,
    SENT,
    SKIPPED,
    STOPPED,
    UNKNOWN,
)
from bot.i18n import N_

STATUS_LABELS = {
    SCHEDULED: N_("🕒 scheduled"),
    SENDING: N_("📤 being sent"),
    DONE: N_("✅ sent"),
    CANCELLED: N_("✖️ cancelled"),
    MISSED: N_("⚠️ missed"),
}
DELIVERY_LABELS = {
    SENT: N_("delivered"),
    BLOCKED: N_("blocked the bot"),
    FAILED: N_("failed"),
    UNKNOWN: N_("no answer from Telegram"),
    SKIPPED: N_("stopped messages"),
    STOPPED: N_("not sent (stopped)"),
    PENDING: N_("waiting"),
    SENDING: N_("being sent"),
}
# The order outcomes are listed in.
DELIVERY_ORDER = (SENT, BLOCKED, FAILED, UNKNOWN, SKIPPED, STOPPED, PENDING, SENDING)
