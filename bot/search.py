"""Retrieval over the content store: BM25F per language on stemmed, folded terms.

Each entry (and each out-of-scope topic) is indexed once per language from its title,
keywords, example questions, answer and detail, with the fields weighted by how telling they
are. Queries get synonym expansion (content/synonyms.yaml) and typo correction against the
language's vocabulary (rapidfuzz). The index is built in memory at start-up: a search touches
no database and no disk.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.content import OUT_OF_SCOPE, ContentSet, Entry
from bot.textnorm import Analyzer, words

FIELD_WEIGHTS = (("title", 3.0), ("keywords", 3.0), ("questions", 2.0), ("answer", 1.0))
DETAIL_WEIGHT = 0.5
K1, B = 1.2, 0.6
MIN_FUZZY_LENGTH = 4


@dataclass
class _Doc:
    entry: Entry
    weights: dict[str, float]
    length: float


@dataclass(frozen=True)
class Match:
    """How one query matched one entry in one language."""

    entry: Entry
    lang: str
    score: float
    coverage: float


@dataclass
class LanguageIndex:
    lang: str
    analyzer: Analyzer
    docs: list[_Doc] = field(default_factory=list)
    postings: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    surface: dict[str, str] = field(default_factory=dict)
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    avg_length: float = 1.0
    unknown_idf: float = 1.0
    words_list: tuple[str, ...] = ()
    corrections: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def build(cls, lang: str, entries: list[Entry], synonyms: dict[str, str]) -> LanguageIndex:
        index = cls(lang, Analyzer(lang))
        for entry in entries:
            text = entry.texts.get(lang)
            if text is None:
                continue
            weights: dict[str, float] = defaultdict(float)
            fields = {
                "title": [text.title],
                "keywords": list(text.keywords),
                "questions": list(text.questions),
                "answer": [text.answer],
            }
            for name, weight in FIELD_WEIGHTS:
                for chunk in fields[name]:
                    for word in words(chunk):
                        stem = index.analyzer.stem(word)
                        index.surface.setdefault(word, stem)
                        weights[stem] += weight
            if text.detail:
                for word in words(text.detail):
                    stem = index.analyzer.stem(word)
                    index.surface.setdefault(word, stem)
                    weights[stem] += DETAIL_WEIGHT
            index.docs.append(_Doc(entry, dict(weights), sum(weights.values())))
        for position, doc in enumerate(index.docs):
            for term, weight in doc.weights.items():
                index.postings.setdefault(term, []).append((position, weight))
        count = max(len(index.docs), 1)
        index.avg_length = sum(d.length for d in index.docs) / count or 1.0
        index.idf = {
            term: math.log(1 + (count - len(p) + 0.5) / (len(p) + 0.5))
            for term, p in index.postings.items()
        }
        # A word the content never uses weighs like a rare one: it may be what the question
        # is really about, and then we should not be confident.
        index.unknown_idf = math.log(1 + (count - 0.5) / 1.5)
        index.synonyms = {
            " ".join(words(key)): words(value) for key, value in synonyms.items() if words(key)
        }
        index.words_list = tuple(index.surface)
        return index

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.surface)

    def _correct(self, word: str) -> str | None:
        """The closest word of the content vocabulary, within 1 edit (2 for long words)."""
        if word not in self.corrections:
            limit = 1 if len(word) <= 6 else 2
            found = process.extractOne(
                word, self.words_list, scorer=Levenshtein.distance, score_cutoff=limit
            )
            self.corrections[word] = None if found is None else found[0]
        return self.corrections[word]

    def query_terms(self, text: str, *, fuzzy: bool) -> list[tuple[str, bool]]:
        """Stemmed query terms, each with whether the content knows it."""
        tokens = words(text)
        expanded: list[str] = []
        for i, token in enumerate(tokens):
            expanded.append(token)
            expanded.extend(self.synonyms.get(token, ()))
            if i + 1 < len(tokens):
                expanded.extend(self.synonyms.get(f"{token} {tokens[i + 1]}", ()))
        terms: dict[str, bool] = {}
        for token in expanded:
            stem = self.surface.get(token) or self.analyzer.stem(token)
            known = stem in self.idf
            if not known and fuzzy and len(token) >= MIN_FUZZY_LENGTH and not token.isdigit():
                corrected = self._correct(token)
                if corrected is not None:
                    stem, known = self.surface[corrected], True
            if stem not in terms or known:
                terms[stem] = known
        return list(terms.items())

    def search(self, text: str, *, fuzzy: bool = True, limit: int = 8) -> list[Match]:
        terms = self.query_terms(text, fuzzy=fuzzy)
        if not terms:
            return []
        total = sum(self.idf[t] if known else self.unknown_idf for t, known in terms)
        scores: dict[int, float] = defaultdict(float)
        covered: dict[int, float] = defaultdict(float)
        for term, known in terms:
            if not known:
                continue
            idf = self.idf[term]
            for position, tf in self.postings[term]:
                norm = K1 * (1 - B + B * self.docs[position].length / self.avg_length)
                scores[position] += idf * tf * (K1 + 1) / (tf + norm)
                covered[position] += idf
        best = sorted(scores, key=lambda p: scores[p], reverse=True)[:limit]
        return [
            Match(self.docs[p].entry, self.lang, scores[p], covered[p] / total if total else 0.0)
            for p in best
        ]


class SearchIndex:
    """All languages' indexes over one content set."""

    def __init__(self, content: ContentSet, languages: tuple[str, ...]) -> None:
        self.content = content
        self.languages = languages
        self.indexes = {
            lang: LanguageIndex.build(lang, content.entries, content.synonyms.get(lang, {}))
            for lang in languages
        }
        self.vocabularies = {lang: index.vocabulary for lang, index in self.indexes.items()}

    def search(self, text: str, langs: tuple[str, ...], *, limit: int = 8) -> list[Match]:
        """Best match per entry across the given languages, best first."""
        best: dict[str, Match] = {}
        for lang in langs:
            index = self.indexes.get(lang)
            if index is None:
                continue
            for match in index.search(text, limit=limit):
                current = best.get(match.entry.id)
                if current is None or _rank(match) > _rank(current):
                    best[match.entry.id] = match
        return sorted(best.values(), key=_rank, reverse=True)[:limit]


def _rank(match: Match) -> float:
    """BM25 decides the order; coverage breaks near-ties across languages."""
    return match.score * (0.5 + 0.5 * match.coverage)


def is_out_of_scope_topic(entry: Entry) -> bool:
    return entry.kind == OUT_OF_SCOPE
