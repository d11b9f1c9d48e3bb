"""Retrieval over the content store, per language, on stemmed and folded terms.

Two views of each entry (and each out-of-scope topic) are scored with BM25 and added up:
- the whole entry, its fields weighted by how telling they are (BM25F): title and keywords
  count most, then example questions, then the answer and its detail; a term weighs by how
  few subjects (categories, topics) use it, not how few entries: the answer is judged by its
  subject;
- its passages (the title, each example question, the keywords), the best one counting: a
  resident's question often mirrors one example question closely.
A plainer BM25 over each entry's whole text lifts the leading candidates, and those candidates
then vote for their category (`supported`): several entries of one subject agreeing outweigh
one entry's lucky wording.
Queries get synonym expansion (content/synonyms.yaml; a word mapped to nothing, such as a
greeting, is dropped) and typo correction against the language's vocabulary (rapidfuzz). The
index is built in memory at start-up: a search touches no database and no disk.
An entry not yet translated into a language is indexed there with its default-language text,
so a question in that language still finds it by the words both share (names, "Emmaüs",
"DEEE", "Linky", the French words residents mix in).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from wordfreq import zipf_frequency

from bot.answers.content import OUT_OF_SCOPE, ContentSet, Entry, Text
from bot.answers.textnorm import Analyzer, arabic_variants, raw_words, words

FIELD_WEIGHTS = {"title": 2.0, "keywords": 3.0, "questions": 1.5, "answer": 0.5, "detail": 0.25}
PASSAGE_WEIGHT = 0.5
PLAIN_WEIGHT, PLAIN_K1 = 1.0, 2.5  # 4-fold over the example questions: 83.4% -> 84.5%
K1, B = 3.0, 0.75  # K1 high: field weights already inflate term counts (leave-questions-out)
MIN_FUZZY_LENGTH = 4
REAL_WORD = 3.0  # informativeness at or under which a word is never corrected (Zipf >= 3.8)
MAX_PHRASE = 4
MIN_IDF = 0.15
CANDIDATES = 15
MAX_CORRECTIONS = 50_000
# The leading candidates vote for their category: each is lifted by the others of its category
# among the first SUPPORT_HEAD, relative to the best (4-fold +0.8, real dev +2.2 points; the
# grid's larger values gained on dev and lost on questions collected after it).
SUPPORT_HEAD = 5
SUPPORT_WEIGHT = 0.2
# The answer model's opinion (bot/answers/category_model.py) re-orders the candidates: each
# scores its support relative to the best plus this weight times the model's probability of
# its category. Chosen by cross-validation over the real dev questions' source pages (0, 0.25,
# 0.5, 1, 2: top-1 80.0, 80.2, 80.3, 81.0, 80.7%). The search's side of that figure is
# flattered (its synonyms and thresholds were fitted to dev), so the weight errs low.
OPINION_WEIGHT = 1.0

Opinion = Callable[[str], dict[str, float]]


class _BM25:
    """Postings and IDF over weighted bags of terms.

    Each posting holds the term's saturated, length-normalised weight in that bag, computed
    once at build time, so a query only multiplies by the IDF and adds up.
    """

    def __init__(self, bags: list[dict[str, float]], groups: list[str] | None = None) -> None:
        """`groups`: the subject of each bag. When given, a term's IDF counts the subjects
        that use it, not the bags: "cisterna" in all three toilet cards says "toilet" as
        surely as a word in one of them, and a word spread over four subjects says little
        however few cards hold it (4-fold +0.7, real dev +1.0 points, fewer wrong refusals).
        It is scaled to the bag-level IDF's mean, so the gate's thresholds keep their sense."""
        lengths = [sum(bag.values()) for bag in bags]
        count = max(len(bags), 1)
        avg_length = sum(lengths) / count or 1.0
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for position, bag in enumerate(bags):
            norm = K1 * (1 - B + B * lengths[position] / avg_length)
            for term, tf in bag.items():
                self.postings[term].append((position, tf * (K1 + 1) / (tf + norm)))
        self.idf = {term: _idf(count, len(p)) for term, p in self.postings.items()}
        if groups and self.idf:
            total = len(set(groups))
            by_group = {
                term: _idf(total, len({groups[position] for position, _ in p}))
                for term, p in self.postings.items()
            }
            scale = sum(self.idf.values()) / (sum(by_group.values()) or 1.0)
            self.idf = {term: scale * idf for term, idf in by_group.items()}

    def scores(self, terms: Iterable[str]) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for term in terms:
            idf = self.idf.get(term, 0.0)
            if idf < MIN_IDF:  # in nearly every bag: says nothing, costs the most
                continue
            for position, weight in self.postings[term]:
                out[position] += idf * weight
        return out


def _idf(count: int, found: int) -> float:
    return math.log(1 + (count - found + 0.5) / (found + 0.5))


@dataclass(frozen=True)
class Match:
    """How one query matched one entry in one language. `coverage` is the IDF-weighted share
    of the question's words that the entry contains: low when the question is about
    something the content never mentions."""

    entry: Entry
    lang: str
    score: float
    coverage: float
    lift: float = 1.0  # the plain view's opinion: orders the answers, leaves `score` alone

    def rank(self) -> float:
        """Order of the answers: relevance, lifted by how much of the question is covered,
        so the entry that knows the question's rarest word ("termoacumulador") wins over
        one that shares only its common words ("temperatura", "certa")."""
        return self.strength() * self.lift

    def strength(self) -> float:
        """The rank without the plain view's lift: what the decision compares, so that a near
        tie stays a doubt whichever way the plain view leans."""
        return self.score * (1.0 + self.coverage)


@dataclass
class LanguageIndex:
    lang: str
    analyzer: Analyzer
    entries: list[Entry] = field(default_factory=list)
    docs: _BM25 | None = None
    doc_terms: list[frozenset[str]] = field(default_factory=list)
    passages: _BM25 | None = None
    passage_owner: list[int] = field(default_factory=list)
    # The plain view: each entry's whole text, words as written (folded, not stemmed), every
    # field alike; scored at query time for the leading candidates only, so nothing is
    # indexed for it but the counts.
    plain_bags: list[dict[str, float]] = field(default_factory=list)
    plain_norms: list[float] = field(default_factory=list)
    plain_df: Counter[str] = field(default_factory=Counter)
    surface: dict[str, str] = field(default_factory=dict)
    native: set[str] = field(default_factory=set)  # words of texts written in this language
    synonyms: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    courtesy: frozenset[str] = frozenset()  # every word of a synonym that stands for nothing
    by_initial: dict[str, tuple[str, ...]] = field(default_factory=dict)
    corrections: dict[str, str | None] = field(default_factory=dict)
    readings: dict[str, str | None] = field(default_factory=dict)  # Arabic words' readings

    def _terms(
        self, text: str, *, native: bool = True, plain: dict[str, float] | None = None
    ) -> list[str]:
        """The text's index terms; its words as written are counted into `plain` too."""
        out = []
        for word in words(text):
            stem = self.analyzer.stem(word)
            self.surface.setdefault(word, stem)
            if native:
                self.native.add(word)
            if plain is not None:
                plain[word] += 1.0
            out.append(stem)
        return out

    def _fields(self, text: Text) -> dict[str, list[str]]:
        return {
            "title": [text.title],
            "keywords": list(text.keywords),
            "questions": list(text.questions),
            "answer": [text.answer],
            "detail": [text.detail] if text.detail else [],
        }

    @classmethod
    def build(
        cls,
        lang: str,
        entries: list[Entry],
        synonyms: dict[str, str],
        default: str | None = None,
    ) -> LanguageIndex:
        """`default`: the language whose text stands in for a missing translation."""
        index = cls(lang, Analyzer(lang))
        bags: list[dict[str, float]] = []
        passage_bags: list[dict[str, float]] = []
        for entry in entries:
            native = entry.translated(lang)
            text = entry.texts.get(lang) or (entry.texts.get(default) if default else None)
            if text is None:
                continue
            owner = len(index.entries)
            index.entries.append(entry)
            bag: dict[str, float] = defaultdict(float)
            plain: dict[str, float] = defaultdict(float)
            fields = {
                name: [index._terms(chunk, native=native, plain=plain) for chunk in chunks]
                for name, chunks in index._fields(text).items()
            }
            for name, chunk_terms in fields.items():
                for terms in chunk_terms:
                    for term in terms:
                        bag[term] += FIELD_WEIGHTS[name]
            bags.append(dict(bag))
            index.doc_terms.append(frozenset(bag))
            index.plain_bags.append(plain)
            index.plain_df.update(plain.keys())
            # The passages are the title, each example question and the keywords together:
            # their terms were just computed for the fields (tokenising is most of the build).
            keywords = [term for terms in fields["keywords"] for term in terms]
            for terms in (*fields["title"], *fields["questions"], keywords):
                if terms:
                    index.passage_owner.append(owner)
                    passage_bags.append(dict.fromkeys(terms, 1.0))
        index.docs = _BM25(bags, [subject(entry) for entry in index.entries])
        index.passages = _BM25(passage_bags)
        lengths = [sum(bag.values()) for bag in index.plain_bags]
        average = sum(lengths) / (len(lengths) or 1) or 1.0
        index.plain_norms = [PLAIN_K1 * (1 - B + B * n / average) for n in lengths]
        index.synonyms = {" ".join(words(k)): raw_words(v) for k, v in synonyms.items() if words(k)}
        index.courtesy = frozenset(
            word
            for key, expansion in index.synonyms.items()
            if not expansion
            for word in key.split()
        )
        initials: dict[str, list[str]] = defaultdict(list)
        for word in index.surface:
            initials[word[0]].append(word)
        index.by_initial = {letter: tuple(found) for letter, found in initials.items()}
        return index

    @property
    def vocabulary(self) -> frozenset[str]:
        """The words of this language's own texts (language detection reads it): the
        default-language text standing in for a missing translation is not evidence."""
        return frozenset(self.native)

    def _correct(self, word: str) -> str | None:
        """The closest word of the content vocabulary, within 1 edit (2 for long words),
        starting with the same letter: people rarely mistype the first letter, and a word
        that differs there is most often another word ("etage" is not "stage")."""
        if word not in self.corrections:
            if len(self.corrections) >= MAX_CORRECTIONS:  # residents' typos are endless
                self.corrections.clear()
            limit = 1 if len(word) <= 6 else 2
            found = process.extractOne(
                word,
                self.by_initial.get(word[0], ()),
                scorer=Levenshtein.distance,
                score_cutoff=limit,
            )
            self.corrections[word] = None if found is None else found[0]
        return self.corrections[word]

    def _real_word(self, word: str) -> bool:
        """A number, or a word common in the language: not a typo to correct ("cart" is not
        "card", "place" is not "placa"), just a word the content does not use."""
        return word.isdigit() or informativeness(word, self.lang) <= REAL_WORD

    def _arabic_reading(self, word: str) -> str | None:
        """The stem of the first shorter reading of an Arabic word that the content knows.
        Asked of every Arabic word of every question: remembered, like the corrections."""
        assert self.docs is not None
        if word not in self.readings:
            if len(self.readings) >= MAX_CORRECTIONS:
                self.readings.clear()
            # A reading that stems like the word itself says nothing new: "لتهويه" without
            # its ending still stems to "لتهو"; without its "ل" it is "تهو", the content's word.
            own = self.surface.get(word) or self.analyzer.stem(word)
            self.readings[word] = next(
                (
                    stem
                    for variant in arabic_variants(word)
                    if (stem := self.surface.get(variant) or self.analyzer.stem(variant)) != own
                    and stem in self.docs.idf
                ),
                None,
            )
        return self.readings[word]

    def _groups(self, text: str) -> list[tuple[str, list[tuple[str, str]]]]:
        """The question's words, synonyms applied (longest phrase first, up to 4 words): for
        each word or phrase, the raw word weighed for informativeness and the (raw, folded)
        words it stands for. Courtesy words stand for nothing."""
        pairs = raw_words(text)
        raw, folded = [r for r, _ in pairs], [f for _, f in pairs]
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        i = 0
        while i < len(raw):
            for size in range(min(MAX_PHRASE, len(raw) - i), 0, -1):
                phrase = " ".join(folded[i : i + size])
                expansion = self.synonyms.get(phrase)
                if expansion is not None:
                    if size == 1 and phrase in self.surface and expansion:
                        expansion = [(raw[i], phrase), *expansion]
                    groups.append((raw[i], expansion))
                    i += size
                    break
            else:
                groups.append((raw[i], [(raw[i], folded[i])]))
                i += 1
        return groups

    def only_courtesy(self, text: str) -> bool:
        """Words, but nothing to search for: "bonjour", "thanks!", "السلام عليكم"."""
        if any(folded not in self.courtesy for _, folded in raw_words(text)):
            return False  # the common case, decided without phrase matching
        groups = self._groups(text)
        return bool(groups) and not any(expansion for _, expansion in groups)

    def query(self, text: str, *, fuzzy: bool = True) -> list[tuple[float, frozenset[str]]]:
        """Per word of the question: how informative it is, and the index terms standing for
        it (empty when the content does not know it)."""
        assert self.docs is not None
        out: list[tuple[float, frozenset[str]]] = []
        for _, expansion in self._groups(text):
            if not expansion:
                continue
            stems: set[str] = set()
            for raw_word, word in expansion:
                stem = self.surface.get(word) or self.analyzer.stem(word)
                if self.lang == "ar":
                    # The stemmer is not consistent ("رمي" gives "رم", "رميها" gives "رمي"):
                    # the first shorter reading the content knows stands for the word too.
                    reading = self._arabic_reading(word)
                    if stem not in self.docs.idf:
                        stem = reading or stem
                    elif reading:
                        stems.add(reading)
                if stem not in self.docs.idf and fuzzy and len(word) >= MIN_FUZZY_LENGTH:
                    corrected = None if self._real_word(raw_word) else self._correct(word)
                    stem = self.surface[corrected] if corrected else stem
                if stem in self.docs.idf:
                    stems.add(stem)
            # Weighed by the words it stands for: "se chauffer" means heating, not "se".
            weigh = [w for w, _ in expansion]
            weight = max(informativeness(w, self.lang) for w in weigh)
            out.append((weight, frozenset(stems)))
        return out

    def _plain_lifts(self, text: str, candidates: list[int]) -> dict[int, float]:
        """Lift the leading candidates by a second, plainer opinion: BM25 over each entry's
        whole text, words as written, every field alike (the answer counts as much as the
        title). Its errors differ from the weighted, stemmed view's (real questions often
        use the answer's words, not the examples'); it scales the rank (not the score the
        decision reads) by up to 1 + PLAIN_WEIGHT, relative to the best candidate's."""
        count = len(self.plain_bags)
        plain: dict[int, float] = defaultdict(float)
        for term in set(words(text)):
            df = self.plain_df.get(term, 0)
            if not df:
                continue
            idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
            if idf < MIN_IDF:
                continue
            for position in candidates:
                tf = self.plain_bags[position].get(term)
                if tf:
                    norm = self.plain_norms[position]
                    plain[position] += idf * tf * (PLAIN_K1 + 1) / (tf + norm)
        top = max(plain.values(), default=0.0) or 1.0
        return {position: 1.0 + PLAIN_WEIGHT * value / top for position, value in plain.items()}

    def search(self, text: str, *, limit: int = 8, fuzzy: bool = True) -> list[Match]:
        assert self.docs is not None and self.passages is not None
        words_ = self.query(text, fuzzy=fuzzy)
        known = frozenset().union(*(stems for _, stems in words_))
        if not known:
            return []
        scores = self.docs.scores(known)
        # The best passage re-ranks the leading candidates only: the rest cannot catch up.
        candidates = heapq.nlargest(CANDIDATES, scores, key=scores.__getitem__)
        wanted = set(candidates)
        passage_scores: dict[int, float] = defaultdict(float)
        for term in known:
            idf = self.passages.idf.get(term, 0.0)
            if idf < MIN_IDF:
                continue
            for position, weight in self.passages.postings[term]:
                if self.passage_owner[position] in wanted:
                    passage_scores[position] += idf * weight
        best_passage: dict[int, float] = {}
        for position, score in passage_scores.items():
            owner = self.passage_owner[position]
            if score > best_passage.get(owner, 0.0):
                best_passage[owner] = score
        for owner, score in best_passage.items():
            scores[owner] += PASSAGE_WEIGHT * score
        lifts = self._plain_lifts(text, candidates)
        total = sum(weight for weight, _ in words_) or 1.0
        matches = [
            Match(
                self.entries[p],
                self.lang,
                scores[p],
                sum(w for w, stems in words_ if stems & self.doc_terms[p]) / total,
                lifts.get(p, 1.0),
            )
            for p in candidates
        ]
        return heapq.nlargest(limit, matches, key=Match.rank)


@lru_cache(maxsize=100_000)
def informativeness(word: str, lang: str) -> float:
    """How much a word says about what a question is about, from its frequency in the
    language at large (wordfreq's Zipf scale: 7 for "the", 3 for "radiator", 0 for unknown).
    "where", "my", "depuis" say little; "parking", "radiateur", "zorglub" say a lot."""
    try:
        zipf = zipf_frequency(word, lang, wordlist="small")
    except (LookupError, ValueError):
        return 1.0
    return min(4.0, max(0.2, 6.8 - zipf))


class SearchIndex:
    """All languages' indexes over one content set."""

    def __init__(
        self,
        content: ContentSet,
        languages: tuple[str, ...],
        default: str | None = None,
        opinion: Opinion | None = None,
    ) -> None:
        """`opinion`: each category's probability for a question (the answer model)."""
        self.content = content
        self.opinion = opinion
        # A question is searched in its language, then, when unsure, in every language: the
        # model reads it once.
        self._last_opinion: tuple[str, dict[str, float]] | None = None
        self.languages = languages
        default = default or (languages[0] if languages else None)
        self.indexes = {
            lang: LanguageIndex.build(
                lang, content.entries, content.synonyms.get(lang, {}), default
            )
            for lang in languages
        }
        self.vocabularies = {lang: index.vocabulary for lang, index in self.indexes.items()}
        for lang in languages:  # load each frequency list now, not under a resident's question
            informativeness("the", lang)

    def search(
        self, text: str, langs: tuple[str, ...], *, limit: int = 8, fuzzy: str | None = None
    ) -> list[Match]:
        """Best match per entry across the given languages, best first. Typos are corrected
        in `fuzzy` (the question's language) only, or in every language when it is None:
        a word unknown to another language is most likely just not of that language."""
        best: dict[str, Match] = {}
        for lang in langs:
            index = self.indexes.get(lang)
            if index is None:
                continue
            for match in index.search(text, limit=limit, fuzzy=fuzzy in (None, lang)):
                current = best.get(match.entry.id)
                if current is None or match.rank() > current.rank():
                    best[match.entry.id] = match
        ranked = supported(sorted(best.values(), key=Match.rank, reverse=True))[:limit]
        if self.opinion is None or len(ranked) < 2:
            return ranked
        last = self._last_opinion
        if last is None or last[0] != text:
            last = self._last_opinion = (text, self.opinion(text))
        return weighed(ranked, last[1])


def _supports(matches: list[Match]) -> list[float]:
    """Each match's rank lifted by the others of its category among the first SUPPORT_HEAD."""
    head = matches[:SUPPORT_HEAD]
    top = matches[0].rank() or 1.0

    def support(match: Match) -> float:
        others = sum(
            other.rank()
            for other in head
            if other is not match
            and other.entry.kind == match.entry.kind
            and other.entry.category == match.entry.category
        )
        return match.rank() * (1.0 + SUPPORT_WEIGHT * others / top)

    return [support(m) for m in matches]


def supported(matches: list[Match]) -> list[Match]:
    """Re-order by category support: when the second and third candidates both say "toilet"
    and the first says "leaks", the question is most likely about the toilet. One entry's
    wording can win by chance; several entries of a category agreeing rarely do."""
    if len(matches) < 2:
        return matches
    supports = _supports(matches)
    order = sorted(range(len(matches)), key=supports.__getitem__, reverse=True)
    return [matches[i] for i in order]


def weighed(matches: list[Match], opinion: dict[str, float]) -> list[Match]:
    """Re-order by support and the answer model's opinion of each category: the search
    knows the content's words, the model how residents word a subject. An out-of-scope
    topic has no category in the model: it keeps its support alone."""
    supports = _supports(matches)
    top = max(supports) or 1.0

    def key(i: int) -> float:
        entry = matches[i].entry
        said = 0.0 if entry.kind == OUT_OF_SCOPE else opinion.get(entry.category, 0.0)
        return supports[i] / top + OPINION_WEIGHT * said

    return [matches[i] for i in sorted(range(len(matches)), key=key, reverse=True)]


def is_out_of_scope_topic(entry: Entry) -> bool:
    return entry.kind == OUT_OF_SCOPE


def subject(entry: Entry) -> str:
    """What an entry is about, as the answer is judged: its category, or its own topic."""
    return f"{OUT_OF_SCOPE}:{entry.id}" if is_out_of_scope_topic(entry) else entry.category
