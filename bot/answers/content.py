"""The content store's data files: schema, validation with errors that name file, entry, field.

Layout (documented for staff in content/README.md):
- content/entries/**/*.yaml: `entries:` list of answers, each in the default language at least;
- content/out_of_scope.yaml: what we do not handle, and whom to contact instead;
- content/synonyms.yaml: colloquial words and their plain equivalents, per language;
- content/emergencies.yaml: danger to life, its numbers and triggers (bot/answers/emergencies.py).
- content/emergency_messages.yaml: real emergencies and near misses the emergency model learns
  from (bot/answers/emergency_model.py).
- content/resident_questions.yaml: questions real people asked, with the category that answers
  them: the answer model learns from them (bot/answers/category_model.py); optional.

Problems come in two kinds. Errors (a missing field, a misspelt field name, an unknown
category, a YAML syntax error, a text missing in the default language) stop the content from
loading: ContentError lists every one of them at once. Warnings (a text not yet translated
into a language) are listed in ContentSet.warnings: residents of that language get the
default-language text with a note, so content can be written in French first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from bot.answers.emergencies import FILE as EMERGENCIES_FILE
from bot.answers.emergencies import MESSAGES_FILE, EmergencySet, load_emergencies, load_messages
from bot.answers.taxonomy import CATEGORIES

# libyaml's C loader when present: the content files are large and parsed at every start.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"  # callback data holds ids: keep them short
OUT_OF_SCOPE = "out_of_scope"


class ContentError(Exception):
    """Every problem found, one per line, so staff fix them all in one pass."""

    def __init__(self, problems: list[str], warnings: list[str] | None = None) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.warnings = warnings or []


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Text(_Strict):
    title: str = Field(min_length=1, max_length=80)
    answer: str = Field(min_length=1, max_length=700)
    detail: str | None = Field(default=None, max_length=2500)
    keywords: list[str] = Field(min_length=1)
    questions: list[str] = Field(min_length=1)


class _Entry(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    category: str
    source: str
    text: dict[str, _Text]

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r} (see the taxonomy in content/README.md)")
        return value

    @field_validator("source")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith("https://") or " " in value:
            raise ValueError("must be the https:// address of the public source")
        return value


class _TopicText(_Strict):
    title: str = Field(min_length=1, max_length=80)
    contact: str = Field(min_length=1, max_length=700)
    keywords: list[str] = Field(min_length=1)
    questions: list[str] = Field(min_length=1)


class _Topic(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    text: dict[str, _TopicText]


_ModelT = TypeVar("_ModelT", _Entry, _Topic)


@dataclass(frozen=True)
class Text:
    title: str
    answer: str
    detail: str | None
    keywords: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """An answer (kind "entry") or an out-of-scope topic (kind "out_of_scope", answer = contact)."""

    id: str
    kind: str
    category: str
    source: str | None
    texts: dict[str, Text]

    def text(self, lang: str, fallback: str) -> Text:
        """The text in `lang`, or in the default language `fallback` when not translated."""
        return self.texts.get(lang) or self.texts[fallback]

    def translated(self, lang: str) -> bool:
        return lang in self.texts

    def to_data(self) -> dict[str, Any]:
        return {
            lang: {
                "title": t.title,
                "answer": t.answer,
                "detail": t.detail,
                "keywords": list(t.keywords),
                "questions": list(t.questions),
            }
            for lang, t in sorted(self.texts.items())
        }

    def checksum(self) -> str:
        payload = json.dumps(
            [self.kind, self.category, self.source, self.to_data()], sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    @staticmethod
    def texts_from_data(data: dict[str, Any]) -> dict[str, Text]:
        return {
            lang: Text(
                t["title"],
                t["answer"],
                t.get("detail"),
                tuple(t["keywords"]),
                tuple(t["questions"]),
            )
            for lang, t in data.items()
        }


@dataclass(frozen=True)
class Asked:
    """A question a real person asked, and the category that answers it (None: not ours)."""

    q: str
    lang: str
    category: str | None


@dataclass
class ContentSet:
    entries: list[Entry] = field(default_factory=list)
    default_contact: dict[str, str] = field(default_factory=dict)
    synonyms: dict[str, dict[str, str]] = field(default_factory=dict)
    emergencies: EmergencySet | None = None  # None: nothing is recognised as an emergency
    asked: list[Asked] = field(default_factory=list)  # real questions, for the answer model
    warnings: list[str] = field(default_factory=list)  # what is not translated yet

    @property
    def answers(self) -> list[Entry]:
        return [e for e in self.entries if e.kind != OUT_OF_SCOPE]

    @property
    def topics(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == OUT_OF_SCOPE]

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}


@dataclass
class _Report:
    """What the check found. Errors stop the loading; warnings (untranslated texts) do not."""

    languages: tuple[str, ...]
    default: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def missing(self, present: Any) -> list[str]:
        return [lang for lang in self.languages if lang not in present]


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top)"


def _plain(error: ErrorDetails) -> str:
    """Pydantic's message in the words of the content check."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown field (check its spelling)"
    if kind == "missing":
        return "missing (this field is required)"
    if kind == "string_too_short":
        return "empty"
    if kind == "string_too_long":
        return f"too long: at most {ctx.get('max_length')} characters, now {len(error['input'])}"
    if kind == "too_short":
        return "empty: give at least one"
    if kind == "string_pattern_mismatch":
        return "only lowercase letters, digits and hyphens (2 to 40 characters)"
    if kind == "string_type":
        return "must be a text (put it in quotes)"
    if kind == "list_type":
        return "must be a list, e.g. [word one, word two] or lines starting with '- '"
    if kind in ("dict_type", "model_type"):
        return "must hold fields (name: value), one per line"
    return str(error["msg"]).removeprefix("Value error, ")


def _pydantic_problems(prefix: str, exc: ValidationError) -> list[str]:
    return [f"{prefix}: {_where(error['loc'])}: {_plain(error)}" for error in exc.errors()]


class _Loader(_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, noting the fields given twice in one place: YAML silently keeps the
    last one, so a copied `questions:` would hide the first list."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key, _value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                if key.value in seen:
                    self.duplicates.append((key.start_mark.line + 1, key.value))
                seen.add(key.value)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


_INDENT = "a line does not line up with the lines above it (check the spaces at its start)"
_AFTER_QUOTE = (
    "unexpected text: after a closing quote, or on a line that does not line up with the "
    "lines above (inside a text in '...', write an apostrophe twice: 'l''eau')"
)
# (words of the parser's message, what staff read, whether to point at where it started)
_YAML_PROBLEMS: tuple[tuple[str, str, bool], ...] = (
    (
        "quoted scalar",
        "a quote is not closed (a text that starts with a quote must end with the same quote)",
        True,
    ),
    (
        "mapping values are not allowed",
        "a colon and a space (': ') inside a text, or a line indented too far: put a text "
        "holding ': ' in quotes",
        False,
    ),
    (
        "flow sequence",
        "a list opened with [ is not closed with ], or a comma is missing between two items",
        True,
    ),
    ("flow mapping", "a { is not closed with }, or a comma is missing", True),
    (
        "node content",
        "something is missing or out of place here (a [ or { not closed above?)",
        False,
    ),
    ("undefined alias", "a text that starts with * must be in quotes", False),
    ("found duplicate anchor", "a text that starts with & must be in quotes", False),
    ("'-' indicator", _INDENT, False),
    ("<block mapping start>", _INDENT, False),
    ("expected key", _AFTER_QUOTE, False),
    ("<scalar>", _AFTER_QUOTE, False),
    ("block end", _INDENT, False),
    (
        "could not find expected ':'",
        "a field name without its colon (:), or a text over several lines without quotes",
        False,
    ),
    (
        "cannot start any token",
        "a character that cannot start a text here (such as @ or `): put the text in quotes",
        False,
    ),
    (
        "end of stream",
        "the file ends in the middle of something (a quote or a bracket not closed?)",
        False,
    ),
)


def _yaml_problem(name: str, text: str, exc: yaml.YAMLError) -> str:
    """A syntax error in plain words, with the line to look at."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return f"{name}: cannot be read as YAML ({exc})".replace("\n", " ")
    message = f"{exc.context or ''} {exc.problem or ''}"
    mark = exc.problem_mark or exc.context_mark
    words = f"cannot be read as YAML ({(exc.problem or 'unknown problem').strip()})"
    for needle, plain, at_start in _YAML_PROBLEMS:
        if needle in message:
            words = plain
            if at_start and exc.context_mark is not None:
                mark = exc.context_mark
            break
    if mark is None:
        return f"{name}: {words}"
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in line[: mark.column + 1] or ("token" in message and "\t" in line):
        words = "a tab character: indent with spaces only"
    return f"{name}, line {mark.line + 1}: {words}"


def _read_yaml(path: Path, root: Path, problems: list[str]) -> Any:
    name = str(path.relative_to(root.parent))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(f"{name}: not saved as UTF-8 text (save it again, encoding UTF-8)")
        return None
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(name, text, exc))
        return None
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        problems.append(
            f"{name}, line {line}: the field {key!r} is given twice in the same place "
            "(only the last one would count)"
        )
    return None if loader.duplicates else data


def _validated(
    items: list[Any],
    schema: type[_ModelT],
    where: str,
    name: str,
    seen: dict[str, str],
    report: _Report,
) -> Iterator[_ModelT]:
    """The items without errors. Every error of the others, all of them at once (schema,
    languages, duplicate id), goes into the report; so do the warnings of all."""
    for index, raw in enumerate(items, start=1):
        label = raw.get("id") if isinstance(raw, dict) and raw.get("id") else f"#{index}"
        prefix = f"{where} {label}"
        errors = len(report.problems)
        _claim_id(str(label), name, prefix, seen, report.problems)
        model = None
        try:
            model = schema.model_validate(raw)
        except ValidationError as exc:
            report.problems.extend(_pydantic_problems(prefix, exc))
        texts = raw.get("text") if isinstance(raw, dict) else None
        if isinstance(texts, dict):
            _check_languages(prefix, texts, report)
        if model is not None and len(report.problems) == errors:
            yield model


def _claim_id(
    label: str, name: str, prefix: str, seen: dict[str, str], problems: list[str]
) -> None:
    """Ids are unique across all files; an entry reusing one is reported and skipped."""
    if label.startswith("#"):
        return
    if label in seen:
        problems.append(f"{prefix}: id: already used in {seen[label]}")
        return
    seen[label] = name


def _check_languages(prefix: str, texts: dict[str, Any], report: _Report) -> None:
    """The default language is required; the others are warned about until translated."""
    if report.default not in texts:
        report.problems.append(
            f"{prefix}: text.{report.default}: missing: every entry needs its text in "
            f"{report.default} (the default language)"
        )
    for lang in texts:
        if lang not in report.languages:
            report.problems.append(
                f"{prefix}: text.{lang}: no catalog for this language in locales/"
            )
    missing = report.missing(texts)
    if missing and report.default in texts:
        report.warnings.append(f"{prefix}: not translated into {', '.join(missing)}")
    details = [
        lang
        for lang in report.languages
        if isinstance(texts.get(lang), dict) and texts[lang].get("detail")
    ]
    written = [lang for lang in report.languages if lang in texts]
    if details and details != written:
        lacking = ", ".join(lang for lang in written if lang not in details)
        report.warnings.append(f"{prefix}: detail: not translated into {lacking}")


def load_content(
    content_dir: Path, languages: tuple[str, ...], default: str | None = None
) -> ContentSet:
    """Read and validate every file; raise ContentError listing every problem at once.

    `default` is the language every entry must be written in (the first of `languages`
    unless given); texts missing in another language are warnings, in ContentSet.warnings.
    """
    report = _Report(languages, default or languages[0])
    content = ContentSet()
    seen: dict[str, str] = {}
    if not content_dir.is_dir():
        raise ContentError([f"{content_dir}: content folder not found (CONTENT_DIR)"])
    files = sorted((content_dir / "entries").rglob("*.y*ml"))
    if not files:
        report.problems.append(f"{content_dir / 'entries'}: no entry files found")
    for path in files:
        name = str(path.relative_to(content_dir.parent))
        data = _read_yaml(path, content_dir, report.problems)
        if data is None:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            report.problems.append(f"{name}: must hold a list under 'entries:'")
            continue
        for model in _validated(data["entries"], _Entry, f"{name}: entry", name, seen, report):
            texts = {
                lang: Text(t.title, t.answer, t.detail, tuple(t.keywords), tuple(t.questions))
                for lang, t in model.text.items()
            }
            content.entries.append(Entry(model.id, "entry", model.category, model.source, texts))
    _load_out_of_scope(content_dir, content, seen, report)
    _load_synonyms(content_dir, content, report)
    _load_emergencies(content_dir, report.languages, content, report.problems, report.warnings)
    _load_asked(content_dir, content, report)
    if report.problems:
        raise ContentError(report.problems, report.warnings)
    content.warnings = report.warnings
    return content


def _load_out_of_scope(
    content_dir: Path, content: ContentSet, seen: dict[str, str], report: _Report
) -> None:
    path = content_dir / "out_of_scope.yaml"
    name = str(path.relative_to(content_dir.parent))
    if not path.exists():
        report.problems.append(
            f"{name}: missing (it says whom to contact for what we do not handle)"
        )
        return
    data = _read_yaml(path, content_dir, report.problems)
    if not isinstance(data, dict):
        if data is not None:
            report.problems.append(f"{name}: must hold 'default_contact:' and 'topics:'")
        return
    contact = data.get("default_contact")
    if not isinstance(contact, dict):
        report.problems.append(f"{name}: default_contact: a text per language is required")
    else:
        written = {k for k, v in contact.items() if isinstance(v, str) and v.strip()}
        if report.default not in written:
            report.problems.append(
                f"{name}: default_contact.{report.default}: missing (the default language)"
            )
        if missing := report.missing(written):
            report.warnings.append(
                f"{name}: default_contact: not translated into {', '.join(missing)}"
            )
        content.default_contact = {k: str(contact[k]).strip() for k in written}
    topics = data.get("topics") or []
    if not isinstance(topics, list):
        report.problems.append(f"{name}: topics: must be a list of topics")
        return
    for model in _validated(topics, _Topic, f"{name}: topic", name, seen, report):
        texts = {
            lang: Text(t.title, t.contact, None, tuple(t.keywords), tuple(t.questions))
            for lang, t in model.text.items()
        }
        content.entries.append(Entry(model.id, OUT_OF_SCOPE, OUT_OF_SCOPE, None, texts))


def _load_synonyms(content_dir: Path, content: ContentSet, report: _Report) -> None:
    path = content_dir / "synonyms.yaml"
    if not path.exists():
        return
    name = str(path.relative_to(content_dir.parent))
    data = _read_yaml(path, content_dir, report.problems)
    if data is None:
        return
    if not isinstance(data, dict):
        report.problems.append(f"{name}: must map each language to 'word: plain words'")
        return
    for lang, mapping in data.items():
        if lang not in report.languages:
            report.problems.append(f"{name}: {lang}: no catalog for this language in locales/")
            continue
        if not isinstance(mapping, dict):
            report.problems.append(f"{name}: {lang}: must map 'word: plain words'")
            continue
        content.synonyms[lang] = {str(k).lower(): str(v) for k, v in mapping.items()}


def _load_emergencies(
    content_dir: Path,
    languages: tuple[str, ...],
    content: ContentSet,
    problems: list[str],
    warnings: list[str],
) -> None:
    name, data = _required(content_dir, EMERGENCIES_FILE, "the emergency numbers", problems)
    if data is not None:
        content.emergencies = load_emergencies(data, name, languages, problems, warnings)
    name, data = _required(content_dir, MESSAGES_FILE, "what the model learns from", problems)
    if data is not None and content.emergencies is not None:
        kinds = {e.id for e in content.emergencies.emergencies}
        content.emergencies.messages = load_messages(data, name, languages, kinds, problems)


ASKED_FILE = "resident_questions.yaml"


class _Asked(_Strict):
    q: str = Field(min_length=1, max_length=2000)
    lang: str
    category: str | None
    topic: str | None = None
    source: str | None = Field(default=None, pattern=r"^https?://\S+$")
    note: str | None = None


def _load_asked(content_dir: Path, content: ContentSet, report: _Report) -> None:
    """resident_questions.yaml, when there is one: the answer model learns without it too."""
    path = content_dir / ASKED_FILE
    if not path.exists():
        return
    name = str(path.relative_to(content_dir.parent))
    data = _read_yaml(path, content_dir, report.problems)
    items = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        if data is not None:
            report.problems.append(f"{name}: must hold a list under 'questions:'")
        return
    topics = {t.id for t in content.topics}
    for number, item in enumerate(items, start=1):
        prefix = f"{name}: question {number}"
        try:
            model = _Asked.model_validate(item)
        except ValidationError as exc:
            report.problems.extend(_pydantic_problems(prefix, exc))
            continue
        if model.lang not in report.languages:
            report.problems.append(f"{prefix}: lang: no catalog for {model.lang!r} in locales/")
        elif model.category is not None and model.category not in CATEGORIES:
            report.problems.append(f"{prefix}: category: {model.category!r} is not a category")
        elif model.topic is not None and model.topic not in topics:
            report.problems.append(f"{prefix}: topic: {model.topic!r} is no out-of-scope topic")
        else:
            content.asked.append(Asked(model.q, model.lang, model.category))


def _required(
    content_dir: Path, file: str, holds: str, problems: list[str]
) -> tuple[str, Any | None]:
    """(the file's name as staff see it, its parsed data): None and a problem when missing."""
    path = content_dir / file
    name = str(path.relative_to(content_dir.parent))
    if not path.exists():
        problems.append(f"{name}: missing (it holds {holds})")
        return name, None
    return name, _read_yaml(path, content_dir, problems)
