"""content/events/: places, pop-up shops, events and the "can I bring this?" item list.

Validated like the answers (bot.answers.content): every problem is listed with its file, entry
and field, and the assistant refuses to start on a broken file. Dates are rules relative to
today ("in: 5 days", "every: saturday"), so sample data never runs out (bot/events/schedule.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.answers.content import ContentError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
KINDS = ("museum", "heritage_tour", "workshop", "other")
POPUP = "popup"
STATUSES = ("scheduled", "cancelled", "postponed")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_HOUR = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_IN_DAYS = re.compile(r"^(\d{1,3}) days?$")

Texts = dict[str, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


class _Place(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=300)
    city: str = Field(min_length=1, max_length=100)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    entrances: list[str] = Field(default_factory=list)
    # The languages most spoken there, after French (posters' invitations).
    languages: list[str] = Field(default_factory=list)


class _When(_Strict):
    """One of: `in: 5 days` (one-off, re-planned that many days after the last one ended),
    `every: saturday` (weekly; `weeks: 2` every other week), `every: first saturday`
    (monthly), or `date: 2027-01-16` (a fixed day); always `from` and `to` (local hours)."""

    in_: str | None = Field(default=None, alias="in")
    every: str | None = None
    weeks: int = Field(default=1, ge=1, le=8)
    on: date | None = Field(default=None, alias="date")
    from_: str = Field(alias="from")
    to: str

    @field_validator("in_")
    @classmethod
    def _days(cls, value: str | None) -> str | None:
        if value is not None and not _IN_DAYS.match(value):
            raise ValueError("write it as '5 days'")
        return value

    @field_validator("every")
    @classmethod
    def _every(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = value.lower().split()
        ok = (len(parts) == 1 and parts[0] in WEEKDAYS) or (
            len(parts) == 2 and parts[0] in ORDINALS and parts[1] in WEEKDAYS
        )
        if not ok:
            raise ValueError("a weekday ('saturday') or 'first|second|third|fourth|last saturday'")
        return value.lower()

    @field_validator("from_", "to")
    @classmethod
    def _hour(cls, value: str) -> str:
        if not _HOUR.match(value):
            raise ValueError("an hour like 14:00")
        return value

    @model_validator(mode="after")
    def _one_rule(self) -> _When:
        given = [x for x in (self.in_, self.every, self.on) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'in', 'every' or 'date'")
        if self.weeks != 1 and (self.every is None or " " in self.every):
            raise ValueError("'weeks' goes with a weekly 'every'")
        return self


class _Popup(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    at: str
    spot: Texts = Field(default_factory=dict)
    when: _When
    buying: bool = True
    volunteer: str | None = Field(default=None, max_length=300)
    accepts: list[str] | None = None
    refuses: list[str] = Field(default_factory=list)
    status: Literal["scheduled", "cancelled", "postponed"] = "scheduled"


class _Event(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["museum", "heritage_tour", "workshop", "other"]
    at: str
    when: _When
    price: float = Field(default=0, ge=0, le=10_000)
    capacity: int | None = Field(default=None, ge=1)
    registration: str | None = Field(default=None, max_length=500)
    title: Texts
    description: Texts
    accessibility: Texts = Field(default_factory=dict)
    status: Literal["scheduled", "cancelled", "postponed"] = "scheduled"

    @field_validator("title")
    @classmethod
    def _short_titles(cls, value: Texts) -> Texts:
        for lang, text in value.items():
            if not 1 <= len(text) <= 100:
                raise ValueError(f"{lang}: a title of 1 to 100 characters")
        return value


class _Item(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    accepted: Literal["always", "never", "if_usable"]
    names: dict[str, list[str]]
    note: Texts = Field(default_factory=dict)
    reason: Texts = Field(default_factory=dict)
    elsewhere: Texts = Field(default_factory=dict)


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    address: str
    city: str
    latitude: float
    longitude: float
    entrances: tuple[str, ...]
    residence: bool
    sample: bool
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class When:
    in_days: int | None
    every: str | None
    weeks: int
    on: date | None
    start: str
    end: str


@dataclass(frozen=True)
class PopupSpec:
    id: str
    place: Place
    spot: Texts
    when: When
    buying: bool
    volunteer: str | None
    accepts: tuple[str, ...]
    refuses: tuple[str, ...]
    status: str
    sample: bool


@dataclass(frozen=True)
class EventSpec:
    id: str
    kind: str
    place: Place
    when: When
    price_cents: int
    capacity: int | None
    registration: str | None
    title: Texts
    description: Texts
    accessibility: Texts
    status: str
    sample: bool


@dataclass(frozen=True)
class Item:
    """A kind of object residents bring, and whether pop-up shops take it."""

    id: str
    accepted: str  # always | never | if_usable
    names: dict[str, tuple[str, ...]]
    note: Texts
    reason: Texts
    elsewhere: Texts

    def label(self, lang: str, fallback: str) -> str:
        names = self.names.get(lang) or self.names[fallback]
        return names[0]


@dataclass
class EventsContent:
    places: dict[str, Place] = field(default_factory=dict)
    popups: list[PopupSpec] = field(default_factory=list)
    events: list[EventSpec] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    conditions: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def residences(self) -> list[Place]:
        return [p for p in self.places.values() if p.residence]


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part).rstrip("_") for part in loc) or "(top)"


def _problems(prefix: str, exc: ValidationError) -> list[str]:
    out = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (check its spelling)"
        out.append(f"{prefix}: {_where(error['loc'])}: {message}")
    return out


def _when(model: _When) -> When:
    days = int(_IN_DAYS.match(model.in_).group(1)) if model.in_ else None  # type: ignore[union-attr]
    return When(days, model.every, model.weeks, model.on, model.from_, model.to)


class _Loader:
    def __init__(self, folder: Path, languages: tuple[str, ...]) -> None:
        self.folder = folder
        self.languages = languages
        self.problems: list[str] = []
        self.content = EventsContent()
        self.seen: dict[str, str] = {}

    def name(self, path: Path) -> str:
        return str(path.relative_to(self.folder.parent.parent))

    def read(self, filename: str, key: str) -> tuple[list[Any], bool, str] | None:
        path = self.folder / filename
        name = self.name(path)
        if not path.exists():
            self.problems.append(f"{name}: missing")
            return None
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            self.problems.append(f"{name}: not valid YAML: {exc}".replace("\n", " "))
            return None
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            self.problems.append(f"{name}: must hold a list under '{key}:'")
            return None
        return data[key], bool(data.get("sample", False)), name

    def validated(self, items: list[Any], schema: type[Any], prefix: str) -> list[Any]:
        out = []
        for index, raw in enumerate(items, start=1):
            label = raw.get("id") if isinstance(raw, dict) and raw.get("id") else f"#{index}"
            where = f"{prefix} {label}"
            if not label.startswith("#"):
                if label in self.seen:
                    self.problems.append(f"{where}: id: already used in {self.seen[label]}")
                    continue
                self.seen[label] = prefix
            try:
                out.append((where, schema.model_validate(raw)))
            except ValidationError as exc:
                self.problems.extend(_problems(where, exc))
        return out

    def texts(self, where: str, field_name: str, texts: dict[str, Any], required: bool) -> None:
        if not texts and not required:
            return
        for lang in self.languages:
            if not texts.get(lang):
                self.problems.append(f"{where}: {field_name}.{lang}: missing translation")
        for lang in texts:
            if lang not in self.languages:
                self.problems.append(
                    f"{where}: {field_name}.{lang}: no catalog for this language in locales/"
                )

    def place(self, where: str, place_id: str) -> Place | None:
        place = self.content.places.get(place_id)
        if place is None:
            self.problems.append(f"{where}: at: no residence or venue {place_id!r} in places.yaml")
        return place

    def load_places(self) -> None:
        read = self.read("places.yaml", "residences")
        if read is None:
            return
        residences, sample, name = read
        data = yaml.load((self.folder / "places.yaml").read_text(encoding="utf-8"), _LOADER)
        venues = data.get("venues") or []
        for kind, items in (("residence", residences), ("venue", venues)):
            for _, model in self.validated(items, _Place, f"{name}: {kind}"):
                self.content.places[model.id] = Place(
                    model.id,
                    model.name,
                    model.address,
                    model.city,
                    model.latitude,
                    model.longitude,
                    tuple(model.entrances),
                    kind == "residence",
                    sample,
                    tuple(model.languages),
                )

    def load_items(self) -> None:
        path = self.folder / "items.yaml"
        read = self.read("items.yaml", "items")
        if read is None:
            return
        items, _, name = read
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        conditions = data.get("conditions")
        if not isinstance(conditions, dict) or set(conditions) != {"usable", "unusable"}:
            self.problems.append(f"{name}: conditions: needs 'usable' and 'unusable' word lists")
        else:
            for kind, words in conditions.items():
                self.texts(f"{name}: conditions", kind, words or {}, True)
                self.content.conditions[kind] = {
                    lang: tuple(str(w) for w in ws) for lang, ws in (words or {}).items()
                }
        for where, model in self.validated(items, _Item, f"{name}: item"):
            self.texts(where, "names", model.names, True)
            self.texts(where, "note", model.note, False)
            if model.accepted != "always":
                self.texts(where, "reason", model.reason, True)
                self.texts(where, "elsewhere", model.elsewhere, True)
            self.content.items.append(
                Item(
                    model.id,
                    model.accepted,
                    {lang: tuple(ws) for lang, ws in model.names.items()},
                    model.note,
                    model.reason,
                    model.elsewhere,
                )
            )

    def load_popups(self) -> None:
        read = self.read("popups.yaml", "popups")
        if read is None:
            return
        items, sample, name = read
        known = {i.id for i in self.content.items}
        takeable = tuple(i.id for i in self.content.items if i.accepted != "never")
        for where, model in self.validated(items, _Popup, f"{name}: popup"):
            place = self.place(where, model.at)
            self.texts(where, "spot", model.spot, False)
            for listed in (model.accepts or [], model.refuses):
                for item_id in listed:
                    if item_id not in known:
                        self.problems.append(f"{where}: no item {item_id!r} in items.yaml")
            if place is None:
                continue
            self.content.popups.append(
                PopupSpec(
                    model.id,
                    place,
                    model.spot,
                    _when(model.when),
                    model.buying,
                    model.volunteer,
                    tuple(model.accepts) if model.accepts is not None else takeable,
                    tuple(model.refuses),
                    model.status,
                    sample,
                )
            )

    def load_events(self) -> None:
        read = self.read("events.yaml", "events")
        if read is None:
            return
        items, sample, name = read
        for where, model in self.validated(items, _Event, f"{name}: event"):
            place = self.place(where, model.at)
            self.texts(where, "title", model.title, True)
            self.texts(where, "description", model.description, True)
            self.texts(where, "accessibility", model.accessibility, False)
            if place is None:
                continue
            self.content.events.append(
                EventSpec(
                    model.id,
                    model.kind,
                    place,
                    _when(model.when),
                    round(model.price * 100),
                    model.capacity,
                    model.registration,
                    model.title,
                    model.description,
                    model.accessibility,
                    model.status,
                    sample,
                )
            )


def load_events_content(content_dir: Path, languages: tuple[str, ...]) -> EventsContent:
    """Read and validate content/events/; raise ContentError listing every problem."""
    folder = content_dir / "events"
    if not folder.is_dir():
        raise ContentError([f"{folder}: events folder not found (CONTENT_DIR)"])
    loader = _Loader(folder, languages)
    loader.load_places()
    loader.load_items()
    loader.load_popups()
    loader.load_events()
    if loader.problems:
        raise ContentError(loader.problems)
    return loader.content
