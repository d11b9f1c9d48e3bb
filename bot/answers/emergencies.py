"""Emergencies: danger to life is recognised before anything else and answered with the numbers
to call and what to do now, never with a content card.

Everything is data in content/emergencies.yaml, reviewed like content (see content/README.md):
the numbers, one entry per kind (in order of priority) with its texts in every language, and
the trigger patterns. A trigger is a line of parts that must all appear in the message, in
that order, on folded words (lowercase, no accents, Arabic letter forms unified):

    parts       separated by spaces; up to 3 other words may stand between two parts, and up
                to 8 with ".." between them:  bu javel   mari .. frappe
    part        alternatives separated by "|":  bu|avale|ingere
    phrase      an alternative of several words in a row, joined by "+":  eau+de+javel|javel
    wildcards   "javel*" starts with, "*ضرب" ends with, "*نتحر*" contains
    optional    a part ending with "?":  de?
    word set    "@name" stands for the alternatives declared under `words:` for the language,
                so that every line saying "a child swallowed something" knows every verb and
                every product the others know:  @swallowed @product

An `except` pattern of a kind cancels that kind's triggers whose words it overlaps, so "mourir de
froid" cancels "envie de mourir de froid" without cancelling "je veux mourir" elsewhere. Except
patterns are idioms: at most one other word may stand between two of their parts.
Every language's patterns run on every message, whatever language the detector guesses.
When no pattern matches, the emergency model (bot/answers/emergency_model.py) reads the message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from babel.lists import format_list
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.answers.emergency_model import CONCERN, THRESHOLD, EmergencyModel
from bot.answers.textnorm import fold, raw_words, words
from bot.i18n import HTML, Translator

FILE = "emergencies.yaml"
MESSAGES_FILE = "emergency_messages.yaml"
DEFAULT_GAP = 3
EXCEPT_GAP = 1  # "mourir de froid" cancels "envie de mourir de froid", not "mourir, j'ai froid"
WIDE_GAP = 8
WIDE = ".."
# Only the start of a message is scanned: a pasted letter must not slow anyone down.
SCAN_CHARS = 2000
MAX_PARTS = 16  # a slot reference packs (trigger, part) in one int
NUMBER_PATTERN = r"^\d+( \d+)*$"  # written as the French do: "3114", "0 800 47 33 33"
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
SET_PATTERN = re.compile(r"^@[a-z][a-z0-9-]{0,39}$")


class PatternError(ValueError):
    """A trigger that cannot be compiled; the message says what to fix."""


@dataclass(frozen=True)
class Part:
    """One word position of a trigger: any of its alternatives matches a folded word."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    infixes: tuple[str, ...]
    optional: bool
    gap: int  # how many other words may stand between the previous part and this one


@dataclass(frozen=True)
class Pattern:
    """One way a trigger line can match: a line with phrases ("eau+de+javel") in a part
    compiles to one Pattern per choice of alternative, all with the line as `source`."""

    source: str
    parts: tuple[Part, ...]


MAX_VARIANTS = 64

_Word = tuple[str, str]  # (kind, folded text)


def _word(raw: str, source: str) -> _Word:
    """(kind, folded text) of one word: kind is exact, prefix, suffix or infix."""
    found = _checked_word(raw)
    if isinstance(found, str):
        raise PatternError(f"'{source}': {found}")
    return found


@cache
def _checked_word(raw: str) -> _Word | str:
    """`_word` without the line: the same alternatives come back in many lines (word sets,
    product lists), and folding them is most of the start-up's pattern work. A str is what is
    wrong with it."""
    starts, ends = raw.startswith("*"), raw.endswith("*")
    core = raw.strip("*")
    if "*" in core:
        return "'*' goes only at the start or end of a word"
    if not core:
        return "an alternative is empty"
    folded = fold(core)
    tokens = words(core)
    if len(tokens) != 1 or tokens[0] != folded:
        return f"'{core}' is not one word; join the words of a phrase with '+'"
    minimum = 3 if starts and ends else 2 if starts or ends else 1
    if len(folded) < minimum:
        return f"'{raw}' is too short for a wildcard"
    kind = "infix" if starts and ends else "suffix" if starts else "prefix" if ends else "exact"
    return kind, folded


def _part(found: Iterable[_Word], optional: bool, gap: int) -> Part:
    table: dict[str, list[str]] = {"exact": [], "prefix": [], "suffix": [], "infix": []}
    for kind, folded in found:
        table[kind].append(folded)
    return Part(
        frozenset(table["exact"]),
        tuple(table["prefix"]),
        tuple(table["suffix"]),
        tuple(table["infix"]),
        optional,
        gap,
    )


def _alternatives(chunk: str, source: str, sets: dict[str, str]) -> list[str]:
    """A part's alternatives, each "@name" replaced by the alternatives of that word set."""
    out: list[str] = []
    for alternative in chunk.split("|"):
        if not alternative.startswith("@"):
            out.append(alternative)
        elif not SET_PATTERN.match(alternative):
            raise PatternError(f"'{source}': '{alternative}' is not a word set's name")
        elif alternative[1:] not in sets:
            raise PatternError(
                f"'{source}': no word set '{alternative}' under words: for this language"
            )
        else:
            out.extend(sets[alternative[1:]].split("|"))
    return out


def parse_pattern(
    source: str, default_gap: int = DEFAULT_GAP, sets: dict[str, str] | None = None
) -> tuple[Pattern, ...]:
    """Compile one trigger line; PatternError says what is wrong with it. `except` lines are
    idioms ("mourir de froid"): they are compiled with a tighter gap, EXCEPT_GAP. `sets`: the
    language's word sets, by name without "@"."""
    text = " ".join(source.split())
    if not text:
        raise PatternError("a trigger is empty")
    variants: list[list[Part]] = [[]]
    gap = default_gap
    required = False
    for chunk in text.split(" "):
        if chunk == WIDE:
            if variants == [[]] or gap == WIDE_GAP:
                raise PatternError(f"'{source}': '..' must stand between two parts")
            gap = WIDE_GAP
            continue
        optional = chunk.endswith("?")
        singles: list[_Word] = []
        phrases: list[list[_Word]] = []
        for alternative in _alternatives(chunk.removesuffix("?"), source, sets or {}):
            pieces = [_word(piece, source) for piece in alternative.split("+")]
            if len(pieces) == 1:
                singles.extend(pieces)
            else:
                phrases.append(pieces)
        options: list[list[Part]] = []
        if singles:
            options.append([_part(singles, optional, gap)])
        for phrase in phrases:
            options.append([_part([w], False, gap if i == 0 else 0) for i, w in enumerate(phrase)])
        if optional and not singles:
            options.append([])
        required = required or not optional
        variants = [v + o for v in variants for o in options]
        if len(variants) > MAX_VARIANTS:
            raise PatternError(f"'{source}': too many phrases to combine; split the line")
        gap = default_gap
    if gap == WIDE_GAP:
        raise PatternError(f"'{source}': '..' must stand between two parts")
    if not required:
        raise PatternError(f"'{source}': at least one part must be required")
    out = []
    for parts in variants:
        if all(part.optional for part in parts):
            continue  # only reachable by leaving out optional phrases: nothing to anchor on
        if len(parts) > MAX_PARTS:
            raise PatternError(f"'{source}': more than {MAX_PARTS} words in a row")
        out.append(Pattern(text, tuple(parts)))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# The data: numbers and kinds of emergency


@dataclass(frozen=True)
class Number:
    id: str
    number: str
    sms: bool  # an SMS number (114), not one to call
    free: bool
    always_open: bool  # 24 hours a day, 7 days a week
    labels: dict[str, str]

    def label(self, lang: str, fallback: str) -> str:
        return self.labels.get(lang) or self.labels[fallback]


def number_note(number: Number, t: Translator) -> str:
    """How to reach a number, in the reader's language: "by SMS, free, and 24/7"."""
    notes = []
    if number.sms:
        notes.append(t._("by SMS"))
    if number.free:
        notes.append(t._("free"))
    if number.always_open:
        notes.append(t._("24/7"))
    return format_list(notes, locale=t.locale) if notes else ""


def concern_line(
    t: Translator, number: Number, lang: str, fallback: str, strong: Callable[[str], str] = str
) -> str:
    """The line above an answer when the model half suspects an emergency (bot and `ask`
    alike); `strong`: how the number is set off (bold in Telegram)."""
    return t._(
        "In danger, or someone near you? Call {number} ({label}).",
        number=HTML(strong(number.number)),
        label=number.label(lang, fallback),
    )


@dataclass(frozen=True)
class EmergencyText:
    name: str  # the kind in a few words, for staff ("Odeur de gaz")
    title: str
    now: str  # what to do now: a few short lines


@dataclass(frozen=True)
class Emergency:
    id: str
    numbers: tuple[Number, ...]  # in order of priority
    sources: tuple[str, ...]
    texts: dict[str, EmergencyText]
    triggers: dict[str, tuple[Pattern, ...]]
    exceptions: dict[str, tuple[Pattern, ...]]

    def text(self, lang: str, fallback: str) -> EmergencyText:
        return self.texts.get(lang) or self.texts[fallback]


@dataclass
class EmergencySet:
    """The kinds in order of priority: when a message matches several, the first one leads.
    `messages`: what the model learns from, (text, kind or None for a near miss)."""

    emergencies: list[Emergency] = field(default_factory=list)
    numbers: dict[str, Number] = field(default_factory=dict)
    messages: list[tuple[str, str | None]] = field(default_factory=list)

    def by_id(self) -> dict[str, Emergency]:
        return {e.id: e for e in self.emergencies}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Number(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    number: str = Field(pattern=NUMBER_PATTERN)
    how: Literal["call", "sms"]
    free: bool
    always_open: bool
    label: dict[str, str]


class _Text(_Strict):
    name: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=80)
    now: str = Field(min_length=1, max_length=700)


class _Emergency(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    numbers: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    text: dict[str, _Text]
    triggers: dict[str, list[str]]
    except_: dict[str, list[str]] = Field(default_factory=dict, alias="except")

    @field_validator("sources")
    @classmethod
    def _urls(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.startswith("https://") or " " in value:
                raise ValueError(f"{value!r} must be the https:// address of the public source")
        return values


def _problems(prefix: str, exc: ValidationError) -> list[str]:
    out = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]).replace("except_", "except") or "(top)"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (check its spelling)"
        out.append(f"{prefix}: {where}: {message}")
    return out


def _check_languages(
    prefix: str,
    field_name: str,
    given: Iterable[str],
    languages: tuple[str, ...],
    warnings: list[str],
) -> list[str]:
    """Problems: the default language (the first) missing, or a language with no catalog.
    A missing other language is a warning: its residents get the default-language text,
    and its messages are not recognised as emergencies until its triggers are written."""
    given = set(given)
    missing = [lang for lang in languages if lang not in given]
    out = [
        f"{prefix}: {field_name}.{lang}: missing translation"
        for lang in missing[:1]
        if lang == languages[0]
    ]
    warnings.extend(
        f"{prefix}: {field_name}.{lang}: not translated yet"
        for lang in missing
        if lang != languages[0]
    )
    out += [
        f"{prefix}: {field_name}.{lang}: no catalog for this language in locales/"
        for lang in sorted(given - set(languages))
    ]
    return out


def _compile(
    prefix: str,
    field_name: str,
    raw: Any,
    problems: list[str],
    sets: dict[str, dict[str, str]],
    gap: int = DEFAULT_GAP,
) -> dict[str, Any]:
    """Compile every pattern of `triggers:` or `except:`, reporting each bad one."""
    compiled: dict[str, tuple[Pattern, ...]] = {}
    if not isinstance(raw, dict):
        return compiled
    for lang, lines in raw.items():
        if not isinstance(lines, list):
            problems.append(f"{prefix}: {field_name}.{lang}: must be a list of patterns")
            continue
        out: list[Pattern] = []
        for number, line in enumerate(lines, start=1):
            try:
                out.extend(parse_pattern(str(line), gap, sets.get(lang, {})))
            except PatternError as exc:
                problems.append(f"{prefix}: {field_name}.{lang}.{number}: {exc}")
        compiled[lang] = tuple(out)
    return compiled


def _numbers(
    raw: Any, name: str, languages: tuple[str, ...], problems: list[str], warnings: list[str]
) -> tuple[dict[str, Number], set[str]]:
    """The valid numbers, and every id declared (a broken number is reported once, not again
    by each emergency that names it)."""
    numbers: dict[str, Number] = {}
    declared: set[str] = set()
    if not isinstance(raw, list) or not raw:
        problems.append(f"{name}: numbers: a list of numbers is required")
        return numbers, declared
    for index, item in enumerate(raw, start=1):
        label = item.get("id") if isinstance(item, dict) and item.get("id") else f"#{index}"
        prefix = f"{name}: number {label}"
        if label in declared:
            problems.append(f"{prefix}: id: already used")
            continue
        declared.add(str(label))
        try:
            model = _Number.model_validate(item)
        except ValidationError as exc:
            problems.extend(_problems(prefix, exc))
            continue
        problems.extend(_check_languages(prefix, "label", model.label, languages, warnings))
        numbers[model.id] = Number(
            model.id, model.number, model.how == "sms", model.free, model.always_open, model.label
        )
    return numbers, declared


def _check_emergency(
    raw: dict[str, Any],
    prefix: str,
    numbers: dict[str, Number],
    declared: set[str],
    languages: tuple[str, ...],
    problems: list[str],
    warnings: list[str],
    sets: dict[str, dict[str, str]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the schema cannot see, checked even when the schema fails, so staff get every
    problem in one pass: known numbers, every language, patterns that compile, and the first
    number given in each "what to do now"."""
    ids = raw.get("numbers") if isinstance(raw.get("numbers"), list) else []
    for index, number_id in enumerate(ids):
        if number_id not in declared:
            problems.append(f"{prefix}: numbers.{index}: unknown number {number_id!r}")
    texts = raw.get("text") if isinstance(raw.get("text"), dict) else {}
    triggers = raw.get("triggers") if isinstance(raw.get("triggers"), dict) else {}
    exceptions = raw.get("except") if isinstance(raw.get("except"), dict) else {}
    problems.extend(_check_languages(prefix, "text", texts, languages, warnings))
    problems.extend(_check_languages(prefix, "triggers", triggers, languages, warnings))
    for lang, lines in triggers.items():
        if isinstance(lines, list) and not lines:
            problems.append(f"{prefix}: triggers.{lang}: at least one trigger is required")
    for lang in set(exceptions) - set(languages):
        problems.append(f"{prefix}: except.{lang}: no catalog for this language in locales/")
    first = numbers.get(ids[0]) if ids else None
    for lang, text in texts.items():
        now = text.get("now") if isinstance(text, dict) else None
        if first is not None and isinstance(now, str) and first.number not in now:
            problems.append(
                f"{prefix}: text.{lang}.now: does not give {first.number}, its first number"
            )
    return (
        _compile(prefix, "triggers", triggers, problems, sets),
        _compile(prefix, "except", exceptions, problems, sets, EXCEPT_GAP),
    )


def _word_sets(
    raw: Any, name: str, languages: tuple[str, ...], problems: list[str]
) -> dict[str, dict[str, str]]:
    """`words:`, per language: name -> alternatives ("bu|avale|eau+de+javel|medicament*"),
    each checked as a trigger part would be. A set cannot name another set."""
    sets: dict[str, dict[str, str]] = {}
    if raw is None:
        return sets
    if not isinstance(raw, dict):
        problems.append(f"{name}: words: must map each language to its word sets")
        return sets
    for lang, table in raw.items():
        where = f"{name}: words.{lang}"
        if lang not in languages:
            problems.append(f"{where}: no catalog for this language in locales/")
            continue
        if not isinstance(table, dict):
            problems.append(f"{where}: must map each set's name to its words")
            continue
        for key, value in table.items():
            if not SET_PATTERN.match(f"@{key}"):
                problems.append(f"{where}.{key}: a name is lowercase letters, digits and '-'")
            elif not isinstance(value, str) or not value.strip() or " " in value.strip():
                problems.append(f"{where}.{key}: alternatives joined by '|', with no spaces")
            elif "@" in value:
                problems.append(f"{where}.{key}: a word set cannot name another set")
            else:
                try:
                    parse_pattern(value.strip())
                except PatternError as exc:
                    problems.append(f"{where}.{key}: {exc}")
                    continue
                sets.setdefault(lang, {})[key] = value.strip()
    return sets


def load_emergencies(
    data: Any,
    name: str,
    languages: tuple[str, ...],
    problems: list[str],
    warnings: list[str] | None = None,
) -> EmergencySet:
    """Validate the parsed file; every problem goes into `problems` (file, entry, field)."""
    result = EmergencySet()
    if not isinstance(data, dict):
        problems.append(f"{name}: must hold 'numbers:' and 'emergencies:'")
        return result
    unknown = set(data) - {"numbers", "words", "emergencies"}
    for key in sorted(unknown):
        problems.append(f"{name}: {key}: unknown field (check its spelling)")
    warnings = warnings if warnings is not None else []
    sets = _word_sets(data.get("words"), name, languages, problems)
    result.numbers, declared = _numbers(data.get("numbers"), name, languages, problems, warnings)
    items = data.get("emergencies")
    if not isinstance(items, list) or not items:
        problems.append(f"{name}: emergencies: a list of emergencies is required")
        return result
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        label = item.get("id") if isinstance(item, dict) and item.get("id") else f"#{index}"
        prefix = f"{name}: emergency {label}"
        if label in seen:
            problems.append(f"{prefix}: id: already used")
            continue
        seen.add(label)
        before = len(problems)
        raw = item if isinstance(item, dict) else {}
        triggers, exceptions = _check_emergency(
            raw, prefix, result.numbers, declared, languages, problems, warnings, sets
        )
        try:
            model = _Emergency.model_validate(item)
        except ValidationError as exc:
            problems.extend(_problems(prefix, exc))
            continue
        if len(problems) > before or any(n not in result.numbers for n in model.numbers):
            continue  # a broken number is reported where it is declared
        result.emergencies.append(
            Emergency(
                model.id,
                tuple(result.numbers[n] for n in model.numbers),
                tuple(model.sources),
                {lang: EmergencyText(t.name, t.title, t.now) for lang, t in model.text.items()},
                triggers,
                exceptions,
            )
        )
    return result


class _Message(_Strict):
    q: str = Field(min_length=1, max_length=2000)
    lang: str
    kind: str | None
    source: str | None = Field(default=None, pattern=r"^https?://\S+$")
    note: str | None = None


def load_messages(
    data: Any, name: str, languages: tuple[str, ...], kinds: set[str], problems: list[str]
) -> list[tuple[str, str | None]]:
    """The `messages:` of emergency_messages.yaml; every problem names the message's number."""
    items = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        problems.append(f"{name}: messages: a list of messages is required")
        return []
    out: list[tuple[str, str | None]] = []
    for number, item in enumerate(items, start=1):
        prefix = f"{name}: message {number}"
        try:
            message = _Message.model_validate(item)
        except ValidationError as exc:
            problems.extend(_problems(prefix, exc))
            continue
        if message.lang not in languages:
            problems.append(f"{prefix}: lang: no catalog for {message.lang!r} in locales/")
        elif message.kind is not None and message.kind not in kinds:
            problems.append(f"{prefix}: kind: {message.kind!r} is no emergency's id (or null)")
        else:
            out.append((message.q, message.kind))
    return out


# ---------------------------------------------------------------------------------------------
# Matching


@dataclass(frozen=True)
class Alarm:
    """What a message raised: the leading kind, any other kinds, and which languages' patterns
    found the leading kind (a hint for the reply language)."""

    emergency: Emergency
    others: tuple[Emergency, ...]
    langs: tuple[str, ...]
    trigger: str  # the first pattern that matched, for review and the bench


@dataclass(frozen=True)
class _Trigger:
    kind: int  # index of the emergency, i.e. its priority
    lang: str
    pattern: Pattern
    exception: bool


class EmergencyDetector:
    """Precompiled: each folded word maps once (then from a cache) to the trigger parts it
    satisfies, so a message costs a few dictionary look-ups per word."""

    CACHE = 50_000

    def __init__(self, emergencies: EmergencySet, model: EmergencyModel | None = None) -> None:
        """`model`: the second reader, asked when no pattern matched (and no except idiom
        silenced one)."""
        self.model = model
        self.emergencies = list(emergencies.emergencies)
        self._by_id = {e.id: e for e in self.emergencies}
        self._triggers: list[_Trigger] = []
        for kind, emergency in enumerate(self.emergencies):
            for table, exception in ((emergency.triggers, False), (emergency.exceptions, True)):
                for lang, patterns in table.items():
                    for pattern in patterns:
                        self._triggers.append(_Trigger(kind, lang, pattern, exception))
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._suffix: dict[str, list[int]] = {}
        self._infix: dict[str, list[int]] = {}
        self._anchors: set[int] = set()
        for number, trigger in enumerate(self._triggers):
            parts = trigger.pattern.parts
            anchor = next(k for k, part in enumerate(parts) if not part.optional)
            self._anchors.add(number * MAX_PARTS + anchor)
            for k, part in enumerate(parts):
                ref = number * MAX_PARTS + k
                for word in part.exact:
                    self._exact.setdefault(word, []).append(ref)
                for table, items in (
                    (self._prefix, part.prefixes),
                    (self._suffix, part.suffixes),
                    (self._infix, part.infixes),
                ):
                    for item in items:
                        table.setdefault(item, []).append(ref)
        self._prefix_sizes = sorted({len(k) for k in self._prefix})
        self._suffix_sizes = sorted({len(k) for k in self._suffix})
        self._infix_sizes = sorted({len(k) for k in self._infix})
        self._cache: dict[str, tuple[int, ...]] = {}

    def _refs(self, word: str) -> tuple[int, ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: set[int] = set(self._exact.get(word, ()))
        size = len(word)
        for n in self._prefix_sizes:
            if n > size:
                break
            found.update(self._prefix.get(word[:n], ()))
        for n in self._suffix_sizes:
            if n > size:
                break
            found.update(self._suffix.get(word[-n:], ()))
        for n in self._infix_sizes:
            if n > size:
                break
            for start in range(size - n + 1):
                found.update(self._infix.get(word[start : start + n], ()))
        refs = tuple(sorted(found))
        if len(self._cache) < self.CACHE:
            self._cache[word] = refs
        return refs

    @staticmethod
    def _span(
        parts: tuple[Part, ...], base: int, positions: dict[int, list[int]]
    ) -> tuple[int, int] | None:
        """(first, last) word positions of the earliest match of the parts in order."""

        def go(k: int, last: int | None, first: int | None) -> tuple[int, int] | None:
            if k == len(parts):
                return (first, last) if first is not None and last is not None else None
            part = parts[k]
            for p in positions.get(base + k, ()):
                if last is None or last < p <= last + part.gap + 1:
                    found = go(k + 1, p, p if first is None else first)
                    if found:
                        return found
            # A missing optional part leaves the next part's gap as it is: "mourir de? froid"
            # allows "mourir froid", not "mourir, j'ai froid".
            return go(k + 1, last, first) if part.optional else None

        return go(0, None, None)

    def match(self, text: str) -> Alarm | None:
        return self.assess(text)[0]

    def assess(self, text: str) -> tuple[Alarm | None, Emergency | None]:
        """The alarm, if any; else the kind the model half suspects (a concern): not enough
        to answer with the numbers alone, enough to give the first one beside the answer."""
        alarm, silenced = self.by_patterns(text)
        if alarm is not None or silenced or self.model is None:
            return alarm, None
        verdict = self.model.verdict(text[:SCAN_CHARS])
        # A kind since removed from emergencies.yaml is no kind at all.
        emergency = self._by_id.get(verdict.kind) if verdict is not None else None
        if verdict is None or emergency is None or verdict.probability < CONCERN:
            return None, None
        if verdict.probability < THRESHOLD:
            return None, emergency
        return Alarm(emergency, (), (), f"model {verdict.probability:.2f}"), None

    def by_patterns(self, text: str) -> tuple[Alarm | None, bool]:
        """The patterns' alarm, and whether an except idiom silenced a trigger (the model
        stays silent then)."""
        # raw_words folds word by word from a cache, and search reads the same tuple.
        tokens = [folded for _, folded in raw_words(text[:SCAN_CHARS])]
        positions: dict[int, list[int]] = {}
        for index, token in enumerate(tokens):
            for ref in self._refs(token):
                positions.setdefault(ref, []).append(index)
        candidates = sorted({ref // MAX_PARTS for ref in positions if ref in self._anchors})
        if not candidates:
            return None, False
        hits: dict[int, list[tuple[_Trigger, tuple[int, int]]]] = {}
        cancels: dict[int, list[tuple[int, int]]] = {}
        for number in candidates:
            trigger = self._triggers[number]
            span = self._span(trigger.pattern.parts, number * MAX_PARTS, positions)
            if span is None:
                continue
            if trigger.exception:
                cancels.setdefault(trigger.kind, []).append(span)
            else:
                hits.setdefault(trigger.kind, []).append((trigger, span))
        raised: list[tuple[int, list[_Trigger]]] = []
        for kind in sorted(hits):
            kept = [
                trigger
                for trigger, (a, b) in hits[kind]
                if not any(a <= d and c <= b for c, d in cancels.get(kind, ()))
            ]
            if kept:
                raised.append((kind, kept))
        if not raised:
            return None, bool(cancels)
        kind, triggers = raised[0]
        alarm = Alarm(
            self.emergencies[kind],
            tuple(self.emergencies[k] for k, _ in raised[1:]),
            tuple(dict.fromkeys(t.lang for t in triggers)),
            triggers[0].pattern.source,
        )
        return alarm, False

    def by_id(self) -> dict[str, Emergency]:
        return dict(self._by_id)

    def detect(self, text: str) -> Emergency | None:
        alarm = self.match(text)
        return alarm.emergency if alarm else None
