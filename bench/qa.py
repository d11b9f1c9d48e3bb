"""Answering quality and speed on labelled resident questions, against a BM25 baseline.

Sets, side by side (bench/data/):
- dev (`content/resident_questions.yaml`, where the answer model learns from it) and
  `real/test.jsonl`: questions real people asked on public pages (FAQs, forums), in five
  languages, split by source page (bench/data/real/README.md). Thresholds are calibrated on dev
  (with the older sets below) and the answer model is fitted on it: its dev figure is a fit.
  NOTHING is tuned or trained on test: it is the figure to trust.
- `questions.jsonl` (main, written with the content), `heldout.jsonl` (written apart, never
  tuned on) and `unrelated.jsonl` (subjects we do not cover).

Per language: top-1 (the question is not refused and the first result has the expected
category: an "unsure" reply counts by its first guess, as residents see it first), top-3,
wrong refusals (an answerable question told "out of scope"), out-of-scope precision and
recall, p50/p95 latency. Emergencies are scored by bench/emergencies.py, not here.
The BM25 baseline (rank-bm25, whitespace tokens) gets the same abstention calibration: its
refusal threshold on the best score is fitted on the same questions with the same objective.
Then the assistant's latency with the content scaled to 1,000 entries.
`--folds`: the ranking alone (ungated top-1) on the content's own example questions, 4-fold:
each quarter of them is taken out of the content and asked; a choice of ranking that helps
here helps on wording nobody fitted (the sets above are fitted, all but test).
Run: python -m bench.qa [--data FILE ...] [--calibrate] [--folds]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from rank_bm25 import BM25Okapi

from bot.answers.answering import ANSWER, OUT_OF_SCOPE, SURE_LANGUAGE, Answerer, Thresholds
from bot.answers.content import ContentSet, Entry, load_content
from bot.answers.search import Match
from bot.config import Settings
from bot.i18n import Catalogs

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
# The dev half lives in the content, where the answer model learns from it.
DEV, TEST = ROOT / "content" / "resident_questions.yaml", DATA / "real" / "test.jsonl"
MAIN, HELDOUT, UNRELATED = (
    DATA / "questions.jsonl",
    DATA / "heldout.jsonl",
    DATA / "unrelated.jsonl",
)
# Never test; nor the main set: its near copies of the examples would overstate scores.
CALIBRATION = (DEV,)


@dataclass(frozen=True)
class Question:
    q: str
    lang: str
    category: str | None  # None: out of scope


@dataclass(frozen=True)
class Prediction:
    refused: bool
    categories: list[str]
    seconds: float


def load_questions(path: Path) -> list[Question]:
    """Emergencies are left to bench/emergencies.py. JSON lines, or the content's YAML."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".yaml":
        rows = yaml.safe_load(text)["questions"]
    else:
        rows = [json.loads(line) for line in text.splitlines() if line]
    return [Question(r["q"], r["lang"], r.get("category")) for r in rows if not r.get("emergency")]


class BM25Baseline:
    """Plain BM25: one document per entry and language, lowercase whitespace tokens; refuses
    when an out-of-scope topic ranks first or the best score is under `threshold`."""

    def __init__(self, content: ContentSet) -> None:
        self.docs: list[Entry] = []
        corpus: list[list[str]] = []
        for entry in content.entries:
            for text in entry.texts.values():
                body = " ".join([text.title, *text.keywords, *text.questions, text.answer])
                corpus.append(body.lower().split())
                self.docs.append(entry)
        self.bm25 = BM25Okapi(corpus)
        self.threshold = 0.0

    def ranked(self, question: str) -> tuple[float, list[Entry]]:
        scores = self.bm25.get_scores(question.lower().split())
        order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
        entries: list[Entry] = []
        for i in order:
            if scores[i] <= 0 or len(entries) == 5:
                break
            if self.docs[i] not in entries:
                entries.append(self.docs[i])
        return (float(scores[order[0]]) if order else 0.0), entries

    def decide(self, best: float, entries: list[Entry]) -> tuple[bool, list[str]]:
        refused = not entries or entries[0].kind == "out_of_scope" or best < self.threshold
        return refused, [e.category for e in entries if e.kind != "out_of_scope"]

    def predict(self, question: str) -> tuple[bool, list[str]]:
        return self.decide(*self.ranked(question))


def run(
    questions: list[Question], predict: Callable[[Question], tuple[bool, list[str]]]
) -> list[Prediction]:
    out = []
    for question in questions:
        start = time.perf_counter()
        refused, categories = predict(question)
        out.append(Prediction(refused, categories, time.perf_counter() - start))
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def scores(pairs: Iterable[tuple[Question, Prediction]]) -> dict[str, float]:
    pairs = list(pairs)
    scoped = [(q, p) for q, p in pairs if q.category is not None]
    top1 = sum(1 for q, p in scoped if not p.refused and p.categories[:1] == [q.category])
    top3 = sum(1 for q, p in scoped if q.category in p.categories[:3])
    refusals = sum(1 for _, p in scoped if p.refused)
    predicted = sum(1 for _, p in pairs if p.refused)
    actual = sum(1 for q, _ in pairs if q.category is None)
    true = sum(1 for q, p in pairs if p.refused and q.category is None)
    n = len(scoped) or 1
    return {
        "n": len(pairs),
        "scoped": len(scoped),
        "top1": top1 / n,
        "top3": top3 / n,
        "refusals": refusals / n,
        "oos_p": true / predicted if predicted else 1.0,
        "oos_r": true / actual if actual else 1.0,
        "oos_n": actual,
    }


def report(name: str, questions: list[Question], predictions: list[Prediction]) -> None:
    by_lang: dict[str, list[tuple[Question, Prediction]]] = defaultdict(list)
    for q, p in zip(questions, predictions, strict=True):
        by_lang[q.lang].append((q, p))
    print(f"\n== {name}")
    print(
        f"{'lang':<6}{'n':>5}{'top-1':>8}{'top-3':>8}{'refused':>9}{'oos P':>8}{'oos R':>8}"
        f"{'p50 ms':>8}{'p95 ms':>8}"
    )
    for lang in [*sorted(by_lang), "all"]:
        pairs = [x for rows in by_lang.values() for x in rows] if lang == "all" else by_lang[lang]
        s = scores(pairs)
        times = [p.seconds * 1000 for _, p in pairs]

        def pct(key: str, s: dict[str, float] = s) -> str:
            return f"{s[key]:>8.1%}" if s["scoped"] else f"{'-':>8}"

        oos = f"{s['oos_p']:>8.1%}{s['oos_r']:>8.1%}" if s["oos_n"] else f"{'-':>8}{'-':>8}"
        print(
            f"{lang:<6}{s['n']:>5.0f}{pct('top1')}{pct('top3')}{s['refusals']:>9.1%}{oos}"
            f"{statistics.median(times):>8.2f}{percentile(times, 95):>8.2f}"
        )


def objective(s: dict[str, float]) -> float:
    """What calibration maximises: answerable questions answered right, and out-of-scope ones
    recognised (F1), with a wrong refusal costing as much as a wrong answer."""
    f1 = 2 * s["oos_p"] * s["oos_r"] / (s["oos_p"] + s["oos_r"] or 1)
    return s["top1"] + 0.5 * f1


def scaled(content: ContentSet, target: int) -> ContentSet:
    """Content grown to `target` answer entries by copies with new ids, for latency at scale."""
    answers = content.answers
    copies = [
        replace(answers[n % len(answers)], id=f"{answers[n % len(answers)].id}-copy{n}")
        for n in range(max(0, target - len(answers)))
    ]
    return ContentSet([*content.entries, *copies], content.default_contact, content.synonyms)


def fold_sets(content: ContentSet, k: int = 4) -> Iterator[tuple[ContentSet, list[Question]]]:
    """The content without each k-th of its example questions, and that k-th as questions:
    wording nobody fitted. An out-of-scope topic's questions are expected refused."""
    for fold in range(k):
        entries, asked = [], []
        for entry in content.entries:
            texts = {}
            for lang, text in entry.texts.items():
                out = [q for q in text.questions if zlib.crc32(q.encode()) % k == fold]
                category = None if entry.kind == "out_of_scope" else entry.category
                asked += [Question(q, lang, category) for q in out]
                kept = [q for q in text.questions if q not in out]
                texts[lang] = replace(text, questions=type(text.questions)(kept))
            entries.append(replace(entry, texts=texts))
        yield replace(content, entries=entries), asked


Searched = tuple[Question, list[Match], list[Match] | None]


def searched(answerer: Answerer, questions: list[Question], langs: bool = False) -> list[Searched]:
    """Each question's matches as `Answerer.matches` finds them (its language, then every
    language when the detector is unsure), so that decisions can be replayed under other
    thresholds without searching again. `langs`: the question's language is known."""
    every = answerer.languages
    out: list[Searched] = []
    for q in questions:
        detection = answerer.detect(q.q, q.lang if langs else None)
        first = (detection.lang,) if detection.lang in every else every
        sure = first == every or detection.confidence >= SURE_LANGUAGE
        everywhere = None if sure else answerer.index.search(q.q, every, fuzzy=detection.lang)
        out.append((q, answerer.index.search(q.q, first), everywhere))
    return out


def replay(answerer: Answerer, rows: list[Searched]) -> tuple[list[Prediction], list[bool]]:
    """Predictions under the answerer's current thresholds; and, for each answerable question
    answered confidently, whether the answer was right."""
    predictions, answered = [], []
    for q, first, everywhere in rows:
        matches = first
        if everywhere is not None and answerer.decide(first)[0] != ANSWER:
            matches = everywhere
        decision, _ = answerer.decide(matches)
        cats = [m.entry.category for m in matches if m.entry.kind != "out_of_scope"]
        predictions.append(Prediction(decision == OUT_OF_SCOPE, cats, 0.0))
        if decision == ANSWER and q.category:
            answered.append(cats[:1] == [q.category])
    return predictions, answered


def calibrate(
    answerer: Answerer, baseline: BM25Baseline, questions: list[Question], content: ContentSet
) -> None:
    """Grid-search the refusal thresholds (then the answer/unsure split) on two pools given
    equal weight: `questions` (dev: real wording, but only a few hundred) and the content's
    own example questions, each quarter asked of the content without it (thousands, fitted by
    nobody): a gate fitted on dev alone learnt dev. Then the BM25 baseline's refusal
    threshold with the same objective on `questions`."""
    pools = {"dev": (questions, searched(answerer, questions))}
    fold_rows: list[Searched] = []
    for without, asked in fold_sets(content):
        held = Answerer(without, answerer.languages, answerer.default_locale)
        fold_rows += searched(held, asked, langs=True)
    pools["folds"] = ([row[0] for row in fold_rows], fold_rows)
    unrelated = load_questions(UNRELATED)
    pools["unrelated"] = (unrelated, searched(answerer, unrelated))

    def fit() -> tuple[float, dict[str, dict[str, float]]]:
        found = {
            name: scores(zip(qs, replay(answerer, rows)[0], strict=True))
            for name, (qs, rows) in pools.items()
        }
        return statistics.mean(objective(s) for s in found.values()), found

    base = answerer.thresholds
    print(f"current thresholds: {fit()[0]:.3f}  {base}")
    best: list[tuple[float, Thresholds, dict[str, dict[str, float]]]] = []
    for refuse_score, refuse_cov, ratio, topic_cov in itertools.product(
        (0, 6, 10, 12, 14, 18), (0.0, 0.1, 0.2, 0.3, 0.4), (0.8, 1.0, 1.2), (0.2, 0.3, 0.4)
    ):
        answerer.thresholds = replace(
            base,
            refuse_score=refuse_score,
            refuse_coverage=refuse_cov,
            topic_ratio=ratio,
            topic_coverage=topic_cov,
        )
        total, found = fit()
        best.append((total, answerer.thresholds, found))
    best.sort(key=lambda row: -row[0])
    print("refusal thresholds (best first):")
    for total, thresholds, found in best[:3]:
        print(f"  {total:.3f}  {thresholds}")
        for name, s in found.items():
            print(
                f"    {name:<6} top-1 {s['top1']:.1%}  refused {s['refusals']:.1%}  "
                f"oos P {s['oos_p']:.1%} R {s['oos_r']:.1%}"
            )
    answerer.thresholds = best[0][1]
    print("answer/unsure split: precision of confident answers, share answered confidently")
    rows = [row for _, pool in pools.values() for row in pool]
    scoped = sum(1 for q, _, _ in rows if q.category) or 1
    for score, cov in itertools.product((8, 10, 12, 14, 16, 18, 22), (0.3, 0.4, 0.5, 0.6)):
        answerer.thresholds = replace(best[0][1], answer_score=score, answer_coverage=cov)
        answered = replay(answerer, rows)[1]
        print(
            f"  answer_score {score:>2} coverage {cov:.1f}: precision "
            f"{sum(answered) / (len(answered) or 1):.1%}, answered {len(answered) / scoped:.1%}"
        )
    ranked = [(q, *baseline.ranked(q.q)) for q in questions]
    fits = []
    for threshold in (0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20):
        baseline.threshold = threshold
        preds = [Prediction(*baseline.decide(b, e), 0.0) for _, b, e in ranked]
        fits.append((objective(scores(zip(questions, preds, strict=True))), threshold))
    print(f"BM25 baseline refusal threshold: {max(fits)[1]} (objective {max(fits)[0]:.3f})")


def folds(content: ContentSet, languages: tuple[str, ...], default: str) -> None:
    """Ungated top-1 on each fold of the example questions, asked of the content without it;
    then the whole decision on the same questions (refusals, out-of-scope topics)."""
    from bot.answers.search import is_out_of_scope_topic

    right: dict[str, list[bool]] = defaultdict(list)
    gated: list[tuple[Question, Prediction]] = []
    for without, asked in fold_sets(content):
        held = Answerer(without, languages, default)
        for q in asked:
            answer = held.answer(q.q, q.lang)
            gated.append(
                (q, Prediction(answer.out_of_scope, [m.entry.category for m in answer.results], 0))
            )
            if q.category is None:
                continue
            found = [
                m for m in held.index.search(q.q, (q.lang,)) if not is_out_of_scope_topic(m.entry)
            ]
            right[q.lang].append(bool(found) and found[0].entry.category == q.category)
    every = [ok for rows in right.values() for ok in rows]
    share = sum(every) / len(every)
    print(f"4-fold over {len(every)} example questions: ungated top-1 {share:.1%}")
    for lang, rows in sorted(right.items()):
        print(f"  {lang}: {sum(rows) / len(rows):.1%} ({len(rows)})")
    report("the whole decision, 4-fold", [q for q, _ in gated], [p for _, p in gated])


BASELINE_THRESHOLD = 6.0  # fitted by --calibrate on dev with the assistant's objective


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, action="append")
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--folds", action="store_true")
    args = parser.parse_args()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    catalogs = Catalogs(settings.locales_dir, settings.default_locale, settings.timezone)
    content = load_content(ROOT / "content", catalogs.supported)
    if args.folds:
        folds(content, catalogs.supported, settings.default_locale)
        return
    answerer = Answerer(content, catalogs.supported, settings.default_locale)
    answerer.answer("warm-up chauffage")
    baseline = BM25Baseline(content)
    if args.calibrate:
        questions = [q for path in CALIBRATION for q in load_questions(path)]
        calibrate(answerer, baseline, questions, content)
        return
    baseline.threshold = BASELINE_THRESHOLD

    def ours(q: Question) -> tuple[bool, list[str]]:
        answer = answerer.answer(q.q, None)
        return answer.out_of_scope, [m.entry.category for m in answer.results]

    print(f"content: {len(content.answers)} entries, {len(content.topics)} out-of-scope topics")
    questions: list[Question] = []
    for path in args.data or [TEST, DEV, MAIN, HELDOUT, UNRELATED]:
        questions = load_questions(path)
        name = path.relative_to(DATA) if path.is_relative_to(DATA) else path
        print(f"\n##### {name}: {len(questions)} questions")
        report("assistant", questions, run(questions, ours))
        report("BM25 baseline", questions, run(questions, lambda q: baseline.predict(q.q)))

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
