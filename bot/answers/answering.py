"""Answering a resident's question: language, retrieval, and the honest out-of-scope call.

Pure and synchronous: no database, no Telegram. The handlers and `residents-bot ask` both
call it, so what the CLI scores is exactly what residents get.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.answers.content import ContentSet, Entry
from bot.answers.langdetect import Detection, LanguageDetection
from bot.answers.search import Match, SearchIndex, is_out_of_scope_topic
from bot.answers.textnorm import words

# Questions are searched on their first characters: a pasted letter must not slow us down.
SEARCH_CHARS = 600
# Below this detection confidence, a question with no trusted answer is searched again in
# every language (the detector may be wrong on a short or mixed text).
SURE_LANGUAGE = 0.6


@dataclass(frozen=True)
class Thresholds:
    """When to trust a match; calibrated with `python -m bench.qa --calibrate` on the main
    question set plus questions on unrelated subjects (bench/data/).

    `score` is the best entry's relevance (BM25F plus its best passage); `coverage` the share
    of the question's informative words (IDF-weighted) the entry contains. An out-of-scope
    topic wins when its score reaches `topic_ratio` of the best entry's: when a question is as
    much about a breakdown as about hot water, we say whom to call rather than guess.
    """

    score: float = 14.0
    coverage: float = 0.4
    topic_ratio: float = 0.7
    topic_coverage: float = 0.1


@dataclass(frozen=True)
class Answer:
    question: str
    lang: str
    detected: str | None
    out_of_scope: bool
    confident: bool
    results: list[Match] = field(default_factory=list)
    topic: Entry | None = None
    small_talk: bool = False

    @property
    def best(self) -> Match | None:
        return self.results[0] if self.results else None

    @property
    def empty(self) -> bool:
        """Nothing to search for: emoji, punctuation, blank."""
        return not words(self.question)


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
        self.index = SearchIndex(content, languages, default_locale)
        self.detection = LanguageDetection(languages)
        self.entries = {e.id: e for e in content.answers}
        self._by_category: dict[str, list[Entry]] = {}
        for entry in content.answers:
            self._by_category.setdefault(entry.category, []).append(entry)

    def in_category(self, category: str) -> list[Entry]:
        """Entries of one category in content order, for browsing without typing."""
        return self._by_category.get(category, [])

    def detect(self, text: str, prefer: str | None = None) -> Detection:
        return self.detection.detect(text, self.index.vocabularies, prefer)

    def answer(self, question: str, fallback_lang: str | None = None) -> Answer:
        fallback = fallback_lang if fallback_lang in self.languages else self.default_locale
        text = question.strip()[:SEARCH_CHARS]
        detection = self.detect(text, fallback_lang)
        lang = detection.lang if detection.lang in self.languages else fallback
        if not words(text):
            return Answer(question, lang, detection.lang, False, False)
        courtesy = self._courtesy_language(text, lang)
        if courtesy is not None:
            return Answer(question, courtesy, detection.lang, False, True, small_talk=True)
        first = (detection.lang,) if detection.lang in self.languages else self.languages
        matches = self.index.search(text, first)
        unsure = detection.confidence < SURE_LANGUAGE
        if first != self.languages and unsure and not self.decide(matches)[1]:
            # The detector may be wrong on a short or mixed text: look everywhere.
            matches = self.index.search(text, self.languages, fuzzy=detection.lang)
        topic, confident = self.decide(matches)
        in_scope = [m for m in matches if not is_out_of_scope_topic(m.entry)]
        if topic is not None:
            return Answer(question, lang, detection.lang, True, True, in_scope, topic)
        return Answer(question, lang, detection.lang, not confident, confident, in_scope)

    def _courtesy_language(self, text: str, lang: str) -> str | None:
        """The language of a message made only of greetings or thanks, if it is one."""
        for code in dict.fromkeys((lang, *self.languages)):
            if self.index.indexes[code].only_courtesy(text):
                return code
        return None

    def decide(self, matches: list[Match]) -> tuple[Entry | None, bool]:
        """(the out-of-scope topic to answer with, or None; whether to trust the best entry)."""
        t = self.thresholds
        entry = next((m for m in matches if not is_out_of_scope_topic(m.entry)), None)
        topic = next((m for m in matches if is_out_of_scope_topic(m.entry)), None)
        if (
            topic is not None
            and topic.coverage >= t.topic_coverage
            and (entry is None or topic.score >= t.topic_ratio * entry.score)
        ):
            return topic.entry, True
        trusted = entry is not None and entry.score >= t.score and entry.coverage >= t.coverage
        return None, trusted

    def contact(self, lang: str) -> str:
        contacts = self.content.default_contact
        return contacts.get(lang) or contacts.get(self.default_locale) or ""
