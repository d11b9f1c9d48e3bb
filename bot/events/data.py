"""What the events capability hands around: plain frozen data, no database session, no Telegram."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

POPUP = "popup"
SCHEDULED, CANCELLED, POSTPONED = "scheduled", "cancelled", "postponed"
EVENT_KINDS = ("museum", "heritage_tour", "workshop", "other")


class Remark(str):
    """A line of an import's report: English as a string (logs, the CLI), and its gettext
    message id and values, so that the back office shows it in each staff member's language."""

    message: str
    values: dict[str, Any]

    def __new__(cls, message: str, **values: Any) -> Remark:
        remark = super().__new__(cls, message.format(**values))
        remark.message, remark.values = message, values
        return remark


def pick(texts: dict[str, str] | None, lang: str, fallback: str) -> str:
    """A text in the resident's language, else the default one, else any."""
    texts = texts or {}
    return texts.get(lang) or texts.get(fallback) or next(iter(texts.values()), "")


@dataclass(frozen=True)
class EventData:
    """An occurrence as a source (content rule, iCalendar feed) describes it."""

    key: str
    series: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    titles: dict[str, str]
    status: str = SCHEDULED
    all_day: bool = False
    descriptions: dict[str, str] = field(default_factory=dict)
    accessibility: dict[str, str] = field(default_factory=dict)
    residence_id: str | None = None
    place: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    price_cents: int | None = None
    capacity: int | None = None
    registration: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    sample: bool = False

    def columns(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def checksum(self) -> str:
        payload = json.dumps(self.columns(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class EventView:
    """An occurrence as residents see it."""

    id: int
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    timezone: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    accessibility: dict[str, str]
    residence_id: str | None
    place: str
    address: str
    latitude: float | None
    longitude: float | None
    price_cents: int | None
    capacity: int | None
    registration: str | None
    details: dict[str, Any]
    previous_starts_at: datetime | None
    sample: bool

    @property
    def is_popup(self) -> bool:
        return self.kind == POPUP

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED

    @property
    def postponed(self) -> bool:
        return self.status == POSTPONED

    @property
    def has_map(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def title(self, lang: str, fallback: str) -> str:
        return pick(self.titles, lang, fallback)

    def description(self, lang: str, fallback: str) -> str:
        return pick(self.descriptions, lang, fallback)


@dataclass(frozen=True)
class ResidenceView:
    id: str
    name: str
    address: str
    city: str
    latitude: float
    longitude: float
    entrances: tuple[str, ...]
    languages: tuple[str, ...] = ()
    # "content" (content/events/places.yaml) or "web" (added or edited in the back office).
    source: str = "content"


@dataclass(frozen=True)
class Nearby:
    """The next pop-up shop at a place, and how far the place is."""

    event: EventView
    km: float


@dataclass
class Report:
    """What an import or a content sync did; `skipped` and `notes` give their reasons."""

    added: int = 0
    updated: int = 0
    moved: int = 0
    cancelled: int = 0
    unchanged: int = 0
    kept_staff_changes: int = 0
    removed: int = 0
    notified: int = 0
    skipped: list[Remark] = field(default_factory=list)
    notes: list[Remark] = field(default_factory=list)
    changed_events: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"added: {self.added}",
            f"updated: {self.updated} (of which moved: {self.moved})",
            f"cancelled: {self.cancelled}",
            f"unchanged: {self.unchanged}",
        ]
        if self.kept_staff_changes:
            out.append(f"kept as staff changed them: {self.kept_staff_changes}")
        if self.removed:
            out.append(f"removed: {self.removed}")
        out.append(f"residents to be told of a change: {self.notified}")
        out.append(f"skipped: {len(self.skipped)}")
        out += [f"  - {reason}" for reason in self.skipped]
        out += [f"note: {note}" for note in self.notes]
        return out


@dataclass(frozen=True)
class Change:
    """One line of an import's preview: a title, its (new) start, its start before a move."""

    title: str
    starts_at: datetime
    previous: datetime | None = None


@dataclass
class FeedPreview:
    """What an import would do, shown to staff before they confirm it."""

    added: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    moved: list[Change] = field(default_factory=list)
    cancelled: list[Change] = field(default_factory=list)
    kept: list[Change] = field(default_factory=list)  # changed by staff: the feed leaves them
    unchanged: int = 0
    reminded: int = 0  # residents who asked for a reminder of a moved or cancelled one
    skipped: list[Remark] = field(default_factory=list)
    notes: list[Remark] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.updated) + len(self.moved) + len(self.cancelled)
