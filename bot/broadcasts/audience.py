"""Who an announcement is for, as staff choose it in /announce and the command line spells it.

Every filter narrows: no residence means every residence (and residents who chose none), no
topic means building announcements (on for everyone unless they opted out), no language
means every language. The command line's `all`, `residence:NAME`, `topic:KEY` and `lang:LL`
are one filter each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.residents.profile import ANNOUNCEMENTS, TOPICS


class AudienceError(ValueError):
    """An audience that names nothing known, worded for staff."""


@dataclass(frozen=True)
class Audience:
    residences: tuple[str, ...] = ()  # residence ids; empty: all
    entrances: tuple[tuple[str, str], ...] = ()  # (residence id, entrance); empty: all
    topic: str = ANNOUNCEMENTS
    language: str | None = None

    @property
    def everyone(self) -> bool:
        return not self.residences and self.topic == ANNOUNCEMENTS and self.language is None

    @property
    def reaches_groups(self) -> bool:
        """A residence's group chat hears the building's announcements, in the default
        language: not those for one topic, one language or some entrances only."""
        return self.topic == ANNOUNCEMENTS and self.language is None and not self.entrances

    def to_data(self) -> dict[str, Any]:
        return {
            "residences": list(self.residences),
            "entrances": [list(pair) for pair in self.entrances],
            "topic": self.topic,
            "language": self.language,
        }

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> Audience:
        data = data or {}
        return cls(
            residences=tuple(data.get("residences") or ()),
            entrances=tuple((str(r), str(e)) for r, e in data.get("entrances") or ()),
            topic=str(data.get("topic") or ANNOUNCEMENTS),
            language=data.get("language") or None,
        )

    def with_residence(self, residence_id: str, on: bool) -> Audience:
        chosen = [r for r in self.residences if r != residence_id]
        if on:
            chosen.append(residence_id)
        entrances = tuple(pair for pair in self.entrances if on or pair[0] != residence_id)
        return Audience(tuple(sorted(chosen)), entrances, self.topic, self.language)

    def with_entrance(self, residence_id: str, entrance: str, on: bool) -> Audience:
        pairs = [pair for pair in self.entrances if pair != (residence_id, entrance)]
        if on:
            pairs.append((residence_id, entrance))
        residences = set(self.residences) | ({residence_id} if on else set())
        return Audience(tuple(sorted(residences)), tuple(sorted(pairs)), self.topic, self.language)

    def matches(
        self, residence_id: str | None, entrance: str | None, topics: Iterable[str], lang: str
    ) -> bool:
        """Whether a resident (residence, entrance, followed topics, language) is in it."""
        if self.residences and residence_id not in self.residences:
            return False
        if self.entrances:
            mine = [e for r, e in self.entrances if r == residence_id]
            if mine and entrance not in mine:
                return False
        if self.language is not None and lang != self.language:
            return False
        return self.topic in topics


def parse(spec: str, residences: dict[str, str], languages: Iterable[str]) -> Audience:
    """The command line's `all | residence:NAME | topic:KEY | lang:LL`. `residences` maps ids
    to names; NAME may be either, in any case."""
    spec = spec.strip()
    kind, _, value = spec.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind == "all" and not value:
        return Audience()
    if kind == "residence" and value:
        wanted = value.casefold()
        for rid, name in residences.items():
            if wanted in (rid.casefold(), name.casefold()):
                return Audience(residences=(rid,))
        known = ", ".join(sorted(residences)) or "none"
        raise AudienceError(f"unknown residence {value!r} (known: {known})")
    if kind == "topic" and value:
        if value not in TOPICS:
            raise AudienceError(f"unknown topic {value!r} (known: {', '.join(TOPICS)})")
        return Audience(topic=value)
    if kind == "lang" and value:
        lang = value.lower().replace("-", "_").split("_")[0]
        if lang not in set(languages):
            raise AudienceError(f"unsupported language {value!r}")
        return Audience(language=lang)
    raise AudienceError(f"audience {spec!r}: use all, residence:NAME, topic:KEY or lang:LL")
