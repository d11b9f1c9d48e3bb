"""Emergencies: recall per kind and language, false alarms on near misses, latency.

Sets (bench/data/):
- `emergencies.jsonl`: real-style emergency messages and near misses (everyday questions that
  share the words), `{"q", "lang", "emergency": "<kind>" | null}`. The patterns in
  content/emergencies.yaml were tuned on it.
- `emergencies_test.jsonl`: every third line of the original set (line index % 3 == 2), put
  aside before any pattern was written and never used for tuning: the held-out figure.
- `real/dev.jsonl`: the real-world questions (`"emergency": true` lines, with `topic` the kind);
  its other lines, near misses included, must raise no alarm. `real/test.jsonl` is not read.
- `questions.jsonl`, `heldout.jsonl`, `unrelated.jsonl`: everyday questions; no alarm expected.

A message counts as recalled when it raises an alarm of its kind (`others` included: "he beats
me and I want to die" raises suicide first and domestic violence too); "any" counts an alarm
of any kind, which still puts the numbers first. Latency is the detector alone, per message.
Held out: list its misses (--show-heldout) only to report them, never to tune.
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

from bot.answers.content import load_content
from bot.answers.emergencies import Alarm, EmergencyDetector, EmergencySet
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
    name: str, cases: list[Case], detector: EmergencyDetector, show: bool
) -> dict[str, float]:
    alarms = [detector.match(c.q) for c in cases]
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


def latency(emergencies: EmergencySet, texts: list[str]) -> None:
    cold = EmergencyDetector(emergencies)
    raw_words.cache_clear()
    start = time.perf_counter()
    for text in texts:
        cold.match(text)
    first = (time.perf_counter() - start) * 1000 / len(texts)
    detector = EmergencyDetector(emergencies)
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
    detector = EmergencyDetector(content.emergencies)
    tuning = load(DATA / "emergencies.jsonl")
    heldout = load(DATA / "emergencies_test.jsonl")
    real = load_real(DATA / "real" / "dev.jsonl")
    real_test = load_real(DATA / "real" / "test.jsonl")
    everyday = [
        *load(DATA / "questions.jsonl"),
        *load(DATA / "heldout.jsonl"),
        *load(DATA / "unrelated.jsonl"),
    ]
    evaluate("tuning set (bench/data/emergencies.jsonl)", tuning, detector, args.show)
    evaluate(
        "held-out third (bench/data/emergencies_test.jsonl)",
        heldout,
        detector,
        args.show_heldout,
    )
    evaluate("real-world dev set (bench/data/real/dev.jsonl)", real, detector, args.show)
    evaluate(
        "real-world test set, never tuned on (bench/data/real/test.jsonl)",
        real_test,
        detector,
        args.show_heldout,
    )
    evaluate(
        "everyday question sets (questions, heldout, unrelated)", everyday, detector, args.show
    )
    latency(content.emergencies, [c.q for c in [*tuning, *heldout, *real, *everyday]])


if __name__ == "__main__":
    main()
