"""The words for an announcement's audience, status and deliveries' outcomes, shared by the
bot's /announcements and the back office."""

from __future__ import annotations

from bot.broadcasts.audience import Audience
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
from bot.i18n import N_, Catalogs, Translator
from bot.residents.profile import ANNOUNCEMENTS, TOPIC_LABELS

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


def describe_audience(t: Translator, audience: Audience, names: dict[str, str]) -> str:
    """Who an announcement is for, in the staff member's words (safe HTML: values escaped).
    `names`: residence id -> name."""
    parts = []
    if audience.residences:
        chosen = []
        for residence in audience.residences:
            entrances = [e for r, e in audience.entrances if r == residence]
            name = names.get(residence, residence)
            if entrances:
                name += " (" + ", ".join(entrances) + ")"
            chosen.append(name)
        parts.append(t._("residences: {names}", names=", ".join(chosen)))
    if audience.topic != ANNOUNCEMENTS:
        parts.append(t._("followers of {topic}", topic=t._(TOPIC_LABELS[audience.topic])))
    if audience.language:
        language = Catalogs.language_name(audience.language)
        parts.append(t._("residents speaking {language}", language=language))
    return "; ".join(parts) if parts else t._("every resident")
