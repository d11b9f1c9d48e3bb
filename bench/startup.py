"""Start-up time and peak memory of a cold `residents-bot ask`, against the floor.

The floor is `python -c "import telegram, sqlalchemy, babel"`: what any process of this stack
pays before doing anything. Each command runs in a fresh process, several times; the median
wall time and the largest peak resident memory (ru_maxrss of the child) are printed.
Targets (the lean-core issue): ask at most 4x the floor's time, peak memory under 250 MB.
Run: python -m bench.startup [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "comment baisser ma facture d'eau ?"


PEAK = (
    "import resource, sys; "
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
)
FLOOR = "import telegram, sqlalchemy, babel; " + PEAK
ASK = f"import sys; from bot.cli import main; main(['ask', {QUESTION!r}]); " + PEAK


def measure(code: str, runs: int) -> tuple[float, float]:
    """(median wall seconds, largest peak RSS in MB) over `runs` fresh processes."""
    times, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
        )
        times.append(time.perf_counter() - start)
        peaks.append(int(done.stderr.strip().splitlines()[-1]) / 1024)
    return statistics.median(times), max(peaks)


def main(runs: int) -> None:
    # Warm the OS file cache and the compiled bytecode once, as a deployed worker has them.
    measure(ASK, 1)
    floor_s, floor_mb = measure(FLOOR, runs)
    ask_s, ask_mb = measure(ASK, runs)
    print(f"cold start, median of {runs} runs, peak resident memory")
    print(f"{'command':<44}{'seconds':>9}{'peak MB':>10}")
    print(f"{'floor: import telegram, sqlalchemy, babel':<44}{floor_s:>9.2f}{floor_mb:>10.0f}")
    print(f"{'residents-bot ask QUESTION':<44}{ask_s:>9.2f}{ask_mb:>10.0f}")
    print(
        f"ask / floor: {ask_s / floor_s:.1f}x (target at most 4x); "
        f"peak {ask_mb:.0f} MB (target under 250 MB)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args().runs)
