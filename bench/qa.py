"""Answering quality and speed on the labelled resident questions in bench/data/.

Prints, per language, top-1 and top-3 category accuracy, out-of-scope precision and recall,
and p50/p95 latency, for the assistant and, in the same run, for a plain BM25 baseline
(rank-bm25 over the same content, lowercase whitespace tokens). Then the assistant's latency
with the content scaled to 1,000 entries.

Top-1 counts a question as right only when the assistant answers it (not out of scope) with an
entry of the expected category; top-3 when that category is among the first three results.

Three sets: `questions.jsonl`, the main set (263 questions, about 12% out of scope);
`unrelated.jsonl`, 150 questions on subjects we do not cover and no out-of-scope topic names
(parking, doctors, recipes...). The answering thresholds were calibrated on these two with
--calibrate. `heldout.jsonl` was written separately and never used to tune anything: it shows
how the answering does on questions it was not fitted to.
Run: python -m bench.qa [--data FILE] [--calibrate]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from rank_bm25 import BM25Okapi

from bot.answers.answering import SURE_LANGUAGE, Answerer, Thresholds
from bot.answers.content import OUT_OF_SCOPE, ContentSet, Entry, load_content
from bot.answers.search import Match
from bot.config import Settings
from bot.i18n import Catalogs

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "questions.jsonl"
HELDOUT = ROOT / "bench" / "data" / "heldout.jsonl"
UNRELATED = ROOT / "bench" / "data" / "unrelated.jsonl"


@dataclass(frozen=True)
class Question:
    q: str
    lang: str
    category: str | None


@dataclass(frozen=True)
class Prediction:
    out_of_scope: bool
    categories: list[str]
    seconds: float


def load_questions(path: Path) -> list[Question]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [Question(r["q"], r["lang"], r.get("category")) for r in rows]


class BM25Baseline:
    """Plain BM25: one document per entry and language, lowercase whitespace tokens."""

    def __init__(self, content: ContentSet) -> None:
        self.docs: list[Entry] = []
        corpus: list[list[str]] = []
        for entry in content.entries:
            for text in entry.texts.values():
                body = " ".join([text.title, *text.keywords, *text.questions, text.answer])
                corpus.append(body.lower().split())
                self.docs.append(entry)
        self.bm25 = BM25Okapi(corpus)

    def predict(self, question: str) -> tuple[bool, list[str]]:
        scores = self.bm25.get_scores(question.lower().split())
        order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
        categories: list[str] = []
        seen: set[str] = set()
        for i in order:
            entry = self.docs[i]
            if entry.id in seen or scores[i] <= 0:
                continue
            seen.add(entry.id)
            categories.append(entry.category)
            if len(categories) == 5:
                break
        oos = not categories or categories[0] == OUT_OF_SCOPE
        return oos, [c for c in categories if c != OUT_OF_SCOPE]


def run(
    questions: list[Question], predict: Callable[[Question], tuple[bool, list[str]]]
) -> list[Prediction]:
    out = []
    for question in questions:
        start = time.perf_counter()
        oos, categories = predict(question)
        out.append(Prediction(oos, categories, time.perf_counter() - start))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(name: str, questions: list[Question], predictions: list[Prediction]) -> dict[str, float]:
    by_lang: dict[str, list[tuple[Question, Prediction]]] = defaultdict(list)
    for q, p in zip(questions, predictions, strict=True):
        by_lang[q.lang].append((q, p))
    print(f"\n== {name}")
    print(
        f"{'lang':<6}{'n':>5}{'top-1':>9}{'top-3':>9}{'oos P':>9}{'oos R':>9}"
        f"{'p50 ms':>9}{'p95 ms':>9}"
    )
    summary: dict[str, float] = {}
    for lang in [*sorted(by_lang), "all"]:
        pairs = [x for rows in by_lang.values() for x in rows] if lang == "all" else by_lang[lang]
        scoped = [(q, p) for q, p in pairs if q.category is not None]
        top1 = sum(1 for q, p in scoped if not p.out_of_scope and p.categories[:1] == [q.category])
        top3 = sum(1 for q, p in scoped if q.category in p.categories[:3])
        predicted_oos = [(q, p) for q, p in pairs if p.out_of_scope]
        actual_oos = [(q, p) for q, p in pairs if q.category is None]
        true_oos = sum(1 for q, p in pairs if p.out_of_scope and q.category is None)
        precision = true_oos / len(predicted_oos) if predicted_oos else 1.0
        recall = true_oos / len(actual_oos) if actual_oos else 1.0
        times = [p.seconds * 1000 for _, p in pairs]
        top1_text = f"{top1 / len(scoped):>9.1%}" if scoped else f"{'-':>9}"
        top3_text = f"{top3 / len(scoped):>9.1%}" if scoped else f"{'-':>9}"
        print(
            f"{lang:<6}{len(pairs):>5}{top1_text}{top3_text}"
            f"{precision:>9.1%}{recall:>9.1%}{statistics.median(times):>9.2f}"
            f"{percentile(times, 95):>9.2f}"
        )
        summary[f"{lang}.top1"] = top1 / len(scoped) if scoped else 0.0
    return summary


def scaled(content: ContentSet, target: int) -> ContentSet:
    """Content grown to `target` answer entries by copies with new ids, for latency at scale."""
    answers = content.answers
    copies = [
        replace(answers[n % len(answers)], id=f"{answers[n % len(answers)].id}-copy{n}")
        for n in range(max(0, target - len(answers)))
    ]
    return ContentSet([*content.entries, *copies], content.default_contact, content.synonyms)


def _objective(
    answerer: Answerer, searched: list[tuple[Question, list[Match], list[Match] | None]]
) -> tuple[float, float, float]:
    """Top-1 accuracy on in-scope questions plus out-of-scope F1: (sum, top-1, F1).
    Replays Answerer.answer: the question's language first, every language when unsure."""
    right = tp = fp = fn = 0
    for q, first, everywhere in searched:
        matches = first
        if everywhere is not None and not answerer.decide(first)[1]:
            matches = everywhere
        topic, trusted = answerer.decide(matches)
        oos = topic is not None or not trusted
        entries = [m for m in matches if m.entry.kind != OUT_OF_SCOPE]
        if q.category is None:
            tp, fn = tp + oos, fn + (not oos)
        else:
            fp += oos
            right += not oos and bool(entries) and entries[0].entry.category == q.category
    inscope = sum(1 for row in searched if row[0].category) or 1
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return right / inscope + f1, right / inscope, f1


def calibrate(answerer: Answerer, questions: list[Question]) -> None:
    """Grid-search the thresholds for the best sum of top-1 accuracy and out-of-scope F1."""
    import itertools

    searched = []
    every = answerer.languages
    for q in questions:
        detection = answerer.detect(q.q)
        first = (detection.lang,) if detection.lang in every else every
        sure = first == every or detection.confidence >= SURE_LANGUAGE
        everywhere = None if sure else answerer.index.search(q.q, every, fuzzy=detection.lang)
        searched.append((q, answerer.index.search(q.q, first), everywhere))
    scores = []
    for score, coverage, ratio, topic_cov in itertools.product(
        (4, 6, 8, 10, 12, 14, 16, 18, 20),
        (0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5),
        (0.6, 0.65, 0.7, 0.75, 0.8, 1.0),
        (0.1, 0.2, 0.3),
    ):
        answerer.thresholds = Thresholds(score, coverage, ratio, topic_cov)
        scores.append((*_objective(answerer, searched), answerer.thresholds))
    for total, top1, f1, thresholds in sorted(scores, key=lambda x: -x[0])[:3]:
        print(f"{total:.3f}  top-1 {top1:.1%}  oos F1 {f1:.1%}  {thresholds}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, action="append")
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    catalogs = Catalogs(settings.locales_dir, settings.default_locale, settings.timezone)
    content = load_content(ROOT / "content", catalogs.supported)
    answerer = Answerer(content, catalogs.supported, settings.default_locale)
    answerer.answer("warm-up chauffage")
    if args.calibrate:
        calibrate(answerer, load_questions(DATA) + load_questions(UNRELATED))
        return

    def ours(q: Question) -> tuple[bool, list[str]]:
        answer = answerer.answer(q.q, None)
        return answer.out_of_scope, [m.entry.category for m in answer.results]

    baseline = BM25Baseline(content)
    print(f"content: {len(content.answers)} entries, {len(content.topics)} out-of-scope topics")
    questions: list[Question] = []
    for path in args.data or [DATA, HELDOUT, UNRELATED]:
        questions = load_questions(path)
        print(f"\n##### {path.name}: {len(questions)} questions")
        report("assistant", questions, run(questions, ours))
        baseline_run = run(questions, lambda q: baseline.predict(q.q))
        report("BM25 baseline (rank-bm25, whitespace tokens)", questions, baseline_run)

    big = scaled(content, 1000)
    big_answerer = Answerer(big, catalogs.supported, settings.default_locale)
    big_answerer.answer("warm-up chauffage")
    times = [
        p.seconds * 1000
        for p in run(questions, lambda q: (big_answerer.answer(q.q).out_of_scope, []))
    ]
    print(
        f"\nlatency with {len(big.answers)} entries: p50 {statistics.median(times):.2f} ms, "
        f"p95 {percentile(times, 95):.2f} ms"
    )


if __name__ == "__main__":
    main()
