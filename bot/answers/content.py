"""The content store's data files: schema, validation with errors that name file, entry, field.

Layout (documented for staff in content/README.md):
- content/entries/**/*.yaml: `entries:` list of answers, each with every language;
- content/out_of_scope.yaml: what we do not handle, and whom to contact instead;
- content/synonyms.yaml: colloquial words and their plain equivalents, per language;
- content/emergencies.yaml: danger to life, its numbers and triggers (bot/answers/emergencies.py).
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

from bot.answers.emergencies import FILE as EMERGENCIES_FILE
from bot.answers.emergencies import EmergencySet, load_emergencies
from bot.answers.taxonomy import CATEGORIES

# libyaml's C loader when present: the content files are large and parsed at every start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"  # callback data holds ids: keep them short
OUT_OF_SCOPE = "out_of_scope"


class ContentError(Exception):
    """Every problem found, one per line, so staff fix them all in one pass."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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
        return self.texts.get(lang) or self.texts[fallback]

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


@dataclass
class ContentSet:
    entries: list[Entry] = field(default_factory=list)
    default_contact: dict[str, str] = field(default_factory=dict)
    synonyms: dict[str, dict[str, str]] = field(default_factory=dict)
    emergencies: EmergencySet | None = None  # None: nothing is recognised as an emergency

    @property
    def answers(self) -> list[Entry]:
        return [e for e in self.entries if e.kind != OUT_OF_SCOPE]

    @property
    def topics(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == OUT_OF_SCOPE]

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top)"


def _pydantic_problems(prefix: str, exc: ValidationError) -> list[str]:
    out = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (check its spelling)"
        out.append(f"{prefix}: {_where(error['loc'])}: {message}")
    return out


def _read_yaml(path: Path, root: Path, problems: list[str]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(
            f"{path.relative_to(root.parent)}: not valid YAML: {exc}".replace("\n", " ")
        )
        return None


def _validated(
    items: list[Any],
    schema: type[_ModelT],
    where: str,
    name: str,
    languages: tuple[str, ...],
    seen: dict[str, str],
    problems: list[str],
) -> Iterator[_ModelT]:
    """The items that pass the schema; every problem of the others goes into `problems`."""
    for index, raw in enumerate(items, start=1):
        label = raw.get("id") if isinstance(raw, dict) and raw.get("id") else f"#{index}"
        prefix = f"{where} {label}"
        if not _claim_id(label, name, prefix, seen, problems):
            continue
        try:
            model = schema.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(prefix, exc))
            continue
        _check_languages(prefix, model.text, languages, problems)  # type: ignore[attr-defined]
        yield model


def _claim_id(
    label: str, name: str, prefix: str, seen: dict[str, str], problems: list[str]
) -> bool:
    """Ids are unique across all files; an entry reusing one is reported and skipped."""
    if label.startswith("#"):
        return True
    if label in seen:
        problems.append(f"{prefix}: id: already used in {seen[label]}")
        return False
    seen[label] = name
    return True


def _check_languages(
    prefix: str, texts: dict[str, Any], languages: tuple[str, ...], problems: list[str]
) -> None:
    for lang in languages:
        if lang not in texts:
            problems.append(f"{prefix}: text.{lang}: missing translation")
    for lang in texts:
        if lang not in languages:
            problems.append(f"{prefix}: text.{lang}: no catalog for this language in locales/")
    details = {lang for lang, t in texts.items() if getattr(t, "detail", None)}
    if details and details != set(texts):
        missing = ", ".join(sorted(set(texts) - details))
        problems.append(f"{prefix}: detail: given in some languages but not in {missing}")


def load_content(content_dir: Path, languages: tuple[str, ...]) -> ContentSet:
    """Read and validate every file; raise ContentError listing every problem at once."""
    problems: list[str] = []
    content = ContentSet()
    seen: dict[str, str] = {}
    if not content_dir.is_dir():
        raise ContentError([f"{content_dir}: content folder not found (CONTENT_DIR)"])
    files = sorted((content_dir / "entries").rglob("*.y*ml"))
    if not files:
        problems.append(f"{content_dir / 'entries'}: no entry files found")
    for path in files:
        name = str(path.relative_to(content_dir.parent))
        data = _read_yaml(path, content_dir, problems)
        if data is None:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            problems.append(f"{name}: must hold a list under 'entries:'")
            continue
        for model in _validated(
            data["entries"], _Entry, f"{name}: entry", name, languages, seen, problems
        ):
            texts = {
                lang: Text(t.title, t.answer, t.detail, tuple(t.keywords), tuple(t.questions))
                for lang, t in model.text.items()
            }
            content.entries.append(Entry(model.id, "entry", model.category, model.source, texts))
    _load_out_of_scope(content_dir, languages, content, seen, problems)
    _load_synonyms(content_dir, languages, content, problems)
    _load_emergencies(content_dir, languages, content, problems)
    if problems:
        raise ContentError(problems)
    return content


def _load_out_of_scope(
    content_dir: Path,
    languages: tuple[str, ...],
    content: ContentSet,
    seen: dict[str, str],
    problems: list[str],
) -> None:
    path = content_dir / "out_of_scope.yaml"
    name = str(path.relative_to(content_dir.parent))
    if not path.exists():
        problems.append(f"{name}: missing (it says whom to contact for what we do not handle)")
        return
    data = _read_yaml(path, content_dir, problems)
    if not isinstance(data, dict):
        problems.append(f"{name}: must hold 'default_contact:' and 'topics:'")
        return
    contact = data.get("default_contact")
    if not isinstance(contact, dict):
        problems.append(f"{name}: default_contact: a text per language is required")
    else:
        for lang in languages:
            if not isinstance(contact.get(lang), str) or not contact[lang].strip():
                problems.append(f"{name}: default_contact.{lang}: missing translation")
        content.default_contact = {k: str(v).strip() for k, v in contact.items()}
    topics = data.get("topics") or []
    for model in _validated(topics, _Topic, f"{name}: topic", name, languages, seen, problems):
        texts = {
            lang: Text(t.title, t.contact, None, tuple(t.keywords), tuple(t.questions))
            for lang, t in model.text.items()
        }
        content.entries.append(Entry(model.id, OUT_OF_SCOPE, OUT_OF_SCOPE, None, texts))


def _load_synonyms(
    content_dir: Path, languages: tuple[str, ...], content: ContentSet, problems: list[str]
) -> None:
    path = content_dir / "synonyms.yaml"
    if not path.exists():
        return
    name = str(path.relative_to(content_dir.parent))
    data = _read_yaml(path, content_dir, problems)
    if not isinstance(data, dict):
        problems.append(f"{name}: must map each language to 'word: plain words'")
        return
    for lang, mapping in data.items():
        if lang not in languages:
            problems.append(f"{name}: {lang}: no catalog for this language in locales/")
            continue
        if not isinstance(mapping, dict):
            problems.append(f"{name}: {lang}: must map 'word: plain words'")
            continue
        content.synonyms[lang] = {str(k).lower(): str(v) for k, v in mapping.items()}


def _load_emergencies(
    content_dir: Path, languages: tuple[str, ...], content: ContentSet, problems: list[str]
) -> None:
    path = content_dir / EMERGENCIES_FILE
    name = str(path.relative_to(content_dir.parent))
    if not path.exists():
        problems.append(f"{name}: missing (it holds the emergency numbers and what to do)")
        return
    data = _read_yaml(path, content_dir, problems)
    if data is not None:
        content.emergencies = load_emergencies(data, name, languages, problems)
