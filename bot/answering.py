"""Answering a resident's question: language, retrieval, and the honest out-of-scope call.

Pure and synchronous: no database, no Telegram. The handlers and `residents-bot ask` both
call it, so what the CLI scores is exactly what residents get.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content import ContentSet, Entry
from bot.langdetect import Detection, LanguageDetection
from bot.search import Match, SearchIndex, is_out_of_scope_topic
from bot.textnorm import words

# Questions are searched on their first characters: a pasted letter must not slow us down.
SEARCH_CHARS = 600


@dataclass(frozen=True)
class Thresholds:
    """When to trust the best match. Coverage is the share of the question's informative
    words (IDF-weighted) that the matched entry contains; score is its BM25F score."""

    coverage: float = 0.45
    score: float = 4.0
    topic_coverage: float = 0.35


@dataclass(frozen=True)
class Answer:
    question: str
    lang: str
    detected: str | None
    out_of_scope: bool
    confident: bool
    results: list[Match] = field(default_factory=list)
    topic: Entry | None = None

    @property
    def best(self) -> Match | None:
        return self.results[0] if self.results else None

    @property
    def empty(self) -> bool:
        """Nothing to search for: emoji, punctuation, blank."""
        return not self.results and self.topic is None and not words(self.question)


class Answerer:
    def __init__(
        self,
        content: ContentSet,
        languages: tuple[str, ...],
        default_locale: str,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.content = content
        self.languages = languages
        self.default_locale = default_locale
        self.thresholds = thresholds or Thresholds()
        self.index = SearchIndex(content, languages)
        self.detection = LanguageDetection(languages)
        self.entries = {e.id: e for e in content.answers}

    def in_category(self, category: str) -> list[Entry]:
        """Entries of one category in content order, for browsing without typing."""
        return [e for e in self.content.answers if e.category == category]

    def detect(self, text: str) -> Detection:
        return self.detection.detect(text, self.index.vocabularies)

    def answer(self, question: str, fallback_lang: str | None = None) -> Answer:
        fallback = fallback_lang if fallback_lang in self.languages else self.default_locale
        text = question.strip()[:SEARCH_CHARS]
        detection = self.detect(text)
        lang = detection.lang if detection.lang in self.languages else fallback
        if not words(text):
            return Answer(question, lang, detection.lang, False, False)
        first = (detection.lang,) if detection.lang in self.languages else self.languages
        matches = self.index.search(text, first)
        if first != self.languages and not self._trusted(matches):
            # The detector may be wrong on a short or mixed text: look everywhere.
            matches = self.index.search(text, self.languages, fuzzy=detection.lang)
        in_scope = [m for m in matches if not is_out_of_scope_topic(m.entry)]
        top = matches[0] if matches else None
        t = self.thresholds
        if (
            top is not None
            and is_out_of_scope_topic(top.entry)
            and top.coverage >= t.topic_coverage
        ):
            return Answer(question, lang, detection.lang, True, True, in_scope, top.entry)
        if self._trusted(matches):
            return Answer(question, lang, detection.lang, False, True, in_scope)
        return Answer(question, lang, detection.lang, True, False, in_scope)

    def _trusted(self, matches: list[Match]) -> bool:
        if not matches:
            return False
        top = matches[0]
        t = self.thresholds
        if is_out_of_scope_topic(top.entry):
            return top.coverage >= t.topic_coverage
        return top.coverage >= t.coverage and top.score >= t.score

    def contact(self, lang: str) -> str:
        contacts = self.content.default_contact
        return contacts.get(lang) or contacts.get(self.default_locale) or ""
