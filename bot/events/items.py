""" "Can I bring this?": an object named in a few words, matched against the item list.

Names are matched in every language at once (a short phrase rarely says which language it
is in), accent- and case-folded, a plural "s" or "x" forgiven. Words saying that the object
is broken or worn ("cassé", "broken", "partido") or that it works make the difference for
items the shops take only when usable.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers.textnorm import words
from bot.events.content import EventsContent, Item

USABLE, UNUSABLE = "usable", "unusable"


@dataclass(frozen=True)
class Verdict:
    item: Item
    condition: str | None  # usable, unusable or None when the resident did not say
    accepted: bool | None  # None: it depends on the condition, which was not said

    @property
    def matched(self) -> str:
        return self.item.id


def _singular(word: str) -> str:
    if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        return word[:-1]
    return word


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(_singular(w) for w in words(text))


def _find(phrase: tuple[str, ...], tokens: tuple[str, ...]) -> int:
    """Where phrase starts in tokens, or -1."""
    size = len(phrase)
    for start in range(len(tokens) - size + 1):
        if tokens[start : start + size] == phrase:
            return start
    return -1


class ItemMatcher:
    def __init__(self, content: EventsContent) -> None:
        self.items = {item.id: item for item in content.items}
        self._names: list[tuple[tuple[str, ...], Item]] = []
        for item in content.items:
            for names in item.names.values():
                for name in names:
                    phrase = _phrase(name)
                    if phrase:
                        self._names.append((phrase, item))
        # Longest names first: "machine à laver" before "machine".
        self._names.sort(key=lambda pair: -len(pair[0]))
        self._conditions: list[tuple[tuple[str, ...], str]] = []
        for condition, by_lang in content.conditions.items():
            for phrases in by_lang.values():
                for text in phrases:
                    phrase = _phrase(text)
                    if phrase:
                        self._conditions.append((phrase, condition))
        self._conditions.sort(key=lambda pair: -len(pair[0]))

    def condition(self, tokens: tuple[str, ...]) -> str | None:
        """ "Unusable" wins: "qui ne marche plus" must not read as "marche"."""
        found = {c for phrase, c in self._conditions if _find(phrase, tokens) >= 0}
        if UNUSABLE in found:
            return UNUSABLE
        return USABLE if USABLE in found else None

    def match(self, text: str) -> Verdict | None:
        """The item the text names (the longest name found), with the verdict."""
        tokens = _phrase(text[:300])
        if not tokens:
            return None
        for phrase, item in self._names:
            if _find(phrase, tokens) >= 0:
                condition = self.condition(tokens)
                if item.accepted == "always":
                    accepted: bool | None = True
                elif item.accepted == "never":
                    accepted = False
                else:
                    accepted = None if condition is None else condition == USABLE
                return Verdict(item, condition, accepted)
        return None
