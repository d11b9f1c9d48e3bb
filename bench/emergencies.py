"""Emergencies: recall per kind and language, false alarms on near misses, latency; the
patterns alone, and with the emergency model.

Sets:
- `content/emergency_messages.yaml`: what the patterns were tuned on and the model learns from
  (emergencies and near misses): a fit, not a test.
- `bench/data/emergencies_test.jsonl`: every third line of the original set (line index % 3 ==
  2), put aside before any pattern was written and never used for tuning: the held-out figure.
- `content/resident_questions.yaml`: the real-world dev questions (its emergencies went to the
  messages above): none may raise an alarm. `real/test.jsonl`: never tuned or trained on.
- `questions.jsonl`, `heldout.jsonl`, `unrelated.jsonl`: everyday questions; no alarm expected.

A message counts as recalled when it raises an alarm of its kind (`others` included: "he beats
me and I want to die" raises suicide first and domestic violence too); "any" counts an alarm
of any kind, which still puts the numbers first. The model's threshold is read off the dev
set's everyday lines (printed with the others), never off the held-out or test sets.
Latency is the detector alone, per message.
Run: python -m bench.emergencies [--show] [--show-heldout]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.answers.answering import Answerer
from bot.answers.content import load_content
from bot.answers.emergencies import MESSAGES_FILE, Alarm, EmergencyDetector, EmergencySet
from bot.answers.emergency_model import THRESHOLD
from bot.answers.textnorm import raw_words

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
LANGS = ("fr", "en", "ar", "pt", "es")
# The real-world set names two kinds differently.
REAL_KINDS = {"gas-leak": "gas"}


@dataclass(frozen=True)
class Case:
    q: str
    lang: str
    kind: str | None


def load(path: Path) -> list[Case]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [Case(r["q"], r["lang"], r.get("emergency")) for r in rows]


def load_messages(path: Path) -> list[Case]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    return [Case(r["q"], r["lang"], r["kind"]) for r in rows]


def load_real(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line:
            continue
        row = json.loads(line)
        kind = REAL_KINDS.get(row.get("topic"), row.get("topic")) if row.get("emergency") else None
        cases.append(Case(row["q"], row["lang"], kind))
    return cases


def kinds_of(alarm: Alarm | None) -> list[str]:
    if alarm is None:
        return []
    return [alarm.emergency.id, *(e.id for e in alarm.others)]


def evaluate(
    name: str,
    cases: list[Case],
    detector: EmergencyDetector,
    show: bool,
    alone: EmergencyDetector | None = None,
) -> dict[str, float]:
    """`alone`: the patterns without the model, whose figures are printed too."""
    assessed = [detector.assess(c.q) for c in cases]
    alarms = [alarm for alarm, _ in assessed]
    emergencies = [(c, a) for c, a in zip(cases, alarms, strict=True) if c.kind]
    near = [(c, a) for c, a in zip(cases, alarms, strict=True) if not c.kind]
    print(f"\n== {name}: {len(emergencies)} emergencies, {len(near)} other messages")
    if emergencies:
        table: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
        for case, alarm in emergencies:
            table[case.kind or ""][case.lang].append(case.kind in kinds_of(alarm))
        langs = [lang for lang in LANGS if any(lang in row for row in table.values())]
        print(f"{'kind':<19}" + "".join(f"{lang:>8}" for lang in langs) + f"{'all':>9}")
        for kind in sorted(table):
            cells = []
            for lang in langs:
                hits = table[kind].get(lang, [])
                cells.append(f"{sum(hits)}/{len(hits)}" if hits else "-")
            total = [h for hits in table[kind].values() for h in hits]
            both = f"{sum(total)}/{len(total)}"
            print(f"{kind:<19}" + "".join(f"{c:>8}" for c in cells) + f"{both:>9}")
        right = sum(1 for c, a in emergencies if c.kind in kinds_of(a))
        raised = sum(1 for _, a in emergencies if a is not None)
        print(
            f"recall (right kind) {right}/{len(emergencies)} = {right / len(emergencies):.1%}; "
            f"any alarm {raised}/{len(emergencies)} = {raised / len(emergencies):.1%}"
        )
    false = [(c, a) for c, a in near if a is not None]
    if near:
        print(f"false alarms {len(false)}/{len(near)} = {len(false) / len(near):.1%}")
    if detector.model is not None:
        missed = sum(1 for c, (a, con) in zip(cases, assessed, strict=True) if c.kind and con)
        others = sum(1 for c, (a, con) in zip(cases, assessed, strict=True) if not c.kind and con)
        print(
            f"concerns (the answer, with a first number above it): {missed} of the emergencies "
            f"without an alarm, {others} of the other messages"
        )
    if alone is not None:
        before = [alone.match(c.q) for c in cases]
        right = sum(1 for c, a in zip(cases, before, strict=True) if c.kind in kinds_of(a))
        raised = sum(1 for c, a in zip(cases, before, strict=True) if c.kind and a)
        wrong = sum(1 for c, a in zip(cases, before, strict=True) if not c.kind and a)
        print(
            f"patterns alone: right kind {right}/{len(emergencies)}, any alarm "
            f"{raised}/{len(emergencies)}, false alarms {wrong}/{len(near)}"
        )
    if show:
        for case, alarm in emergencies:
            if case.kind not in kinds_of(alarm):
                got = ",".join(kinds_of(alarm)) or "nothing"
                print(f"  MISS [{case.lang}] {case.kind}: {case.q!r} -> {got}")
        for case, alarm in false:
            assert alarm is not None
            print(f"  FALSE [{case.lang}] {alarm.emergency.id} ({alarm.trigger}): {case.q!r}")
    summary = {"false": float(len(false)), "near": float(len(near))}
    if emergencies:
        summary["recall"] = sum(1 for c, a in emergencies if c.kind in kinds_of(a)) / len(
            emergencies
        )
    return summary


def _timed(detector: EmergencyDetector, text: str, repeat: int = 3) -> float:
    """Best of `repeat` runs, in ms, each on a message not seen before (the per-message
    word cache of textnorm is cleared; the detector's own word cache stays warm)."""
    best = float("inf")
    for _ in range(repeat):
        raw_words.cache_clear()
        start = time.perf_counter()
        detector.match(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def calibration(detector: EmergencyDetector, sets: dict[str, list[Case]]) -> None:
    """What the model alone would add at other thresholds: new alarms on emergencies the
    patterns miss, and false alarms, on sets it was not fitted on."""
    model = detector.model
    assert model is not None
    print(f"\n== the model alone, by threshold (in service: {THRESHOLD})")
    marks = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
    print(f"{'set':<40}" + "".join(f"{m:>10}" for m in marks))
    for name, cases in sets.items():
        scored = []
        for case in cases:
            alarm, silenced = detector.by_patterns(case.q)
            verdict = None if alarm or silenced else model.verdict(case.q)
            scored.append((case, verdict.probability if verdict else 0.0))
        cells = []
        for mark in marks:
            extra = sum(1 for c, p in scored if c.kind and p >= mark)
            false = sum(1 for c, p in scored if not c.kind and p >= mark)
            cells.append(f"+{extra}/{false}FA")
        print(f"{name:<40}" + "".join(f"{c:>10}" for c in cells))


def latency(detector: EmergencyDetector, texts: list[str]) -> None:
    cold = EmergencyDetector(EmergencySet(detector.emergencies), detector.model)
    raw_words.cache_clear()
    start = time.perf_counter()
    for text in texts:
        cold.match(text)
    first = (time.perf_counter() - start) * 1000 / len(texts)
    for text in texts:  # a running bot has seen most words before
        detector.match(text)
    times = [_timed(detector, text) for text in texts]
    ordered = sorted(times)
    p95 = ordered[round(0.95 * (len(ordered) - 1))]
    print(
        f"\n== latency of the detector over {len(times)} messages (best of 3 each): "
        f"p50 {statistics.median(times):.3f} ms, p95 {p95:.3f} ms, max {max(times):.3f} ms"
    )
    print(f"   first sight of every word (empty caches): {first:.3f} ms per message")
    long = ("je voudrais savoir comment baisser ma facture de chauffage cet hiver " * 40)[:2000]
    print(f"   a 2,000-character message: {_timed(detector, long):.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show", action="store_true", help="list misses and false alarms")
    parser.add_argument(
        "--show-heldout", action="store_true", help="also list them for the held-out set"
    )
    args = parser.parse_args()
    content = load_content(ROOT / "content", LANGS)
    assert content.emergencies is not None
    alone = EmergencyDetector(content.emergencies)
    detector = Answerer(content, LANGS, "fr").emergencies
    tuning = load_messages(ROOT / "content" / MESSAGES_FILE)
    heldout = load(DATA / "emergencies_test.jsonl")
    real = [Case(asked.q, asked.lang, None) for asked in content.asked]
    real_test = load_real(DATA / "real" / "test.jsonl")
    everyday = [
        *load(DATA / "questions.jsonl"),
        *load(DATA / "heldout.jsonl"),
        *load(DATA / "unrelated.jsonl"),
    ]
    evaluate(f"fitted on (content/{MESSAGES_FILE})", tuning, detector, args.show, alone)
    evaluate(
        "held-out third (bench/data/emergencies_test.jsonl)",
        heldout,
        detector,
        args.show_heldout,
        alone,
    )
    evaluate(
        "real-world dev set (content/resident_questions.yaml)", real, detector, args.show, alone
    )
    evaluate(
        "real-world test set, never tuned on (bench/data/real/test.jsonl)",
        real_test,
        detector,
        args.show_heldout,
        alone,
    )
    evaluate(
        "everyday question sets (questions, heldout, unrelated)",
        everyday,
        detector,
        args.show,
        alone,
    )
    calibration(
        detector,
        {
            "held-out third": heldout,
            "real-world dev set (everyday lines)": real,
            "everyday question sets": everyday,
        },
    )
    latency(detector, [c.q for c in [*tuning, *heldout, *real, *everyday]])


if __name__ == "__main__":
    main()
