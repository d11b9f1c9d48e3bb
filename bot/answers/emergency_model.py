"""The emergency model: a second reader beside the patterns, for danger said in words no
pattern has seen ("mi marido me tiene encerrada y me quitó el móvil", "o meu pai caiu e não
consegue mexer o braço").

Patterns learn only the wordings they are shown: on real messages collected after they were
written, they recognised about half. The model learns from whole messages instead: the real
emergencies and near misses of content/emergency_messages.yaml, and every example question of
the content as an everyday message. It is a logistic regression (scikit-learn) over character
3- to 5-grams of the folded words, which see through endings, typos and dialect spellings.
It speaks only when it is sure (`THRESHOLD`) and the patterns found nothing; the patterns'
`except` idioms still silence it.

Fitting takes a few seconds, in a child process (scikit-learn and the fit's memory leave with
it), and the fitted weights are kept in a cache file named by a digest of everything they were
fitted on: a start with the same content reads them in milliseconds, in plain Python (no
NumPy, no scikit-learn: the bot stays lean); an edit to the messages or the content fits again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.answers.textnorm import words

log = logging.getLogger(__name__)

GRAMS = (3, 4, 5)
MIN_DF = 2  # an n-gram of a single message is a name or a typo: it would be learnt by heart
# Chosen by cross-validation over the real emergencies' source pages (each quarter left out in
# turn) and by false alarms on the real dev set's everyday lines, which it is not fitted on:
# little regularisation and no class weights make it sure only of messages like those it has
# read. The threshold keeps those false alarms to 1 in 400 (of 864 lines: 0.5: 7, 0.6: 5,
# 0.7: 3, 0.8: 1, 0.9: 0). Balanced class weights recognised fewer left-out emergencies for
# as many false alarms.
C = 100.0
WEIGHTS: str | None = None
THRESHOLD = 0.8
# From here to THRESHOLD the answer comes as usual, with the suspected kind's first number
# above it: a rant that says "j'en peux plus" gets its answer, and 3114 in case.
CONCERN = 0.5
NONE = ""  # the label of an everyday message
FORMAT = 1  # bump when the cache file's layout or the features change
DEFAULT_CACHE = Path("var") / "cache"
STALE = 7 * 24 * 3600  # a cached model of content edited since is deleted after a week


@lru_cache(maxsize=50_000)
def _word_grams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    return tuple(padded[i : i + n] for n in GRAMS for i in range(max(len(padded) - n + 1, 1)))


def grams(text: str) -> Counter[str]:
    """The character n-grams of the text's folded words, each word padded with spaces."""
    counts: Counter[str] = Counter()
    for word in words(text):
        counts.update(_word_grams(word))
    return counts


@dataclass(frozen=True)
class Verdict:
    kind: str  # the most likely kind of emergency
    probability: float  # that the message is an emergency at all, of any kind


class EmergencyModel:
    """Fitted weights, read in plain Python: each n-gram's IDF and one weight per class."""

    def __init__(
        self, vocabulary: list[str], idf: array, weights: array, bias: array, classes: list[str]
    ) -> None:
        """`weights`: row-major, one row of len(classes) per n-gram of the vocabulary."""
        self.vocabulary = vocabulary
        self.index = {gram: i for i, gram in enumerate(vocabulary)}
        self.idf = idf
        self.weights = weights
        self.bias = bias
        self.classes = classes
        self._none = classes.index(NONE)

    def verdict(self, text: str) -> Verdict | None:
        found = [(self.index[g], c) for g, c in grams(text).items() if g in self.index]
        if not found:
            return None
        values = [(1.0 + math.log(c)) * self.idf[i] for i, c in found]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        width = len(self.classes)
        scores = list(self.bias)
        for (i, _), value in zip(found, values, strict=True):
            row = i * width
            for k in range(width):
                scores[k] += value / norm * self.weights[row + k]
        top = max(scores)
        exps = [math.exp(x - top) for x in scores]
        total = sum(exps)
        emergency = 1.0 - exps[self._none] / total
        best = max((k for k in range(width) if k != self._none), key=exps.__getitem__)
        return Verdict(self.classes[best], emergency)

    # -- fitting and the cache ----------------------------------------------------------------

    @classmethod
    def fitted(
        cls, examples: list[tuple[str, str]], cache_dir: Path | None = DEFAULT_CACHE
    ) -> EmergencyModel:
        """The model of these (text, kind or NONE) examples: from the cache when it holds
        one fitted on exactly them, else fitted now (and cached)."""
        digest = hashlib.sha256(
            json.dumps([FORMAT, GRAMS, MIN_DF, C, WEIGHTS, examples], ensure_ascii=False).encode()
        ).hexdigest()[:24]
        path = cache_dir / f"emergency-model-{digest}.bin" if cache_dir else None
        if path is not None and path.exists():
            try:
                return cls._read(path)
            except (OSError, ValueError, KeyError, EOFError) as exc:  # torn: fit again
                log.warning("emergency model: cache %s unreadable (%s), fitting again", path, exc)
        if path is not None and _fit_apart(examples, path):
            try:
                return cls._read(path)
            except (OSError, ValueError, KeyError, EOFError) as exc:
                log.warning("emergency model: fitted apart but unreadable (%s)", exc)
        model = cls._fit(examples)
        if path is not None:
            model._write(path)
        return model

    @classmethod
    def _fit(cls, examples: list[tuple[str, str]]) -> EmergencyModel:
        import numpy as np  # only when fitting: a start from the cache never pays for them
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression

        # Two passes over the texts rather than thousands of counters kept, and compact arrays
        # rather than lists: the fit runs inside the bot, on a small host.
        df: Counter[str] = Counter()
        for text, _ in examples:
            df.update(grams(text).keys())
        vocabulary = sorted(g for g, n in df.items() if n >= MIN_DF)
        index = {g: i for i, g in enumerate(vocabulary)}
        total = len(examples)
        idf = array("f", (math.log((1 + total) / (1 + df[g])) + 1.0 for g in vocabulary))
        del df
        pointers, columns, values = array("q", [0]), array("i"), array("d")
        for text, _ in examples:
            found = [(index[g], c) for g, c in grams(text).items() if g in index]
            weighted = [(1.0 + math.log(c)) * idf[i] for i, c in found]
            norm = math.sqrt(sum(v * v for v in weighted)) or 1.0
            columns.extend(i for i, _ in found)
            values.extend(v / norm for v in weighted)
            pointers.append(len(columns))
        matrix = csr_matrix(
            (
                np.frombuffer(values),
                np.frombuffer(columns, dtype=np.int32),
                np.frombuffer(pointers, dtype=np.int64),
            ),
            shape=(total, len(vocabulary)),
        )
        labels = [kind for _, kind in examples]
        fit = LogisticRegression(C=C, class_weight=WEIGHTS, max_iter=3000).fit(matrix, labels)
        classes = [str(c) for c in fit.classes_]
        if len(classes) == 2:  # scikit-learn keeps one row for two classes: make it two
            coef = np.vstack([-fit.coef_[0], fit.coef_[0]]) / 2
            intercept = np.array([-fit.intercept_[0], fit.intercept_[0]]) / 2
        else:
            coef, intercept = fit.coef_, fit.intercept_
        log.info(
            "emergency model: fitted on %d messages, %d n-grams, %d classes",
            total,
            len(vocabulary),
            len(classes),
        )
        weights = array("f", coef.T.astype(np.float32).tobytes())
        bias = array("f", intercept.astype(np.float32).tobytes())
        return cls(vocabulary, idf, weights, bias, classes)

    def _write(self, path: Path) -> None:
        """One header line, the vocabulary one n-gram a line, then the IDF, weights and bias
        as little-endian float32; atomically: two processes starting together each write a
        whole file."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".bin", delete=False) as f:
                header = {"format": FORMAT, "classes": self.classes, "grams": len(self.idf)}
                f.write((json.dumps(header) + "\n").encode())
                f.write("".join(g + "\n" for g in self.vocabulary).encode())
                for numbers in (self.idf, self.weights, self.bias):
                    _little_endian(numbers).tofile(f)
            os.replace(f.name, path)
            for old in path.parent.glob("emergency-model-*.bin"):
                if old != path and time.time() - old.stat().st_mtime > STALE:
                    old.unlink(missing_ok=True)
        except OSError as exc:  # a read-only disk: the model still works, fitted each start
            log.warning("emergency model: cannot cache it in %s (%s)", path.parent, exc)

    @classmethod
    def _read(cls, path: Path) -> EmergencyModel:
        with path.open("rb") as f:
            header = json.loads(f.readline())
            if header.get("format") != FORMAT:
                raise ValueError("another format")
            count, classes = int(header["grams"]), list(header["classes"])
            vocabulary = [f.readline()[:-1].decode() for _ in range(count)]
            tables = []
            for size in (count, count * len(classes), len(classes)):
                numbers = array("f")
                numbers.fromfile(f, size)
                tables.append(_little_endian(numbers))
        idf, weights, bias = tables
        return cls(vocabulary, idf, weights, bias, classes)


def _fit_apart(examples: list[tuple[str, str]], path: Path) -> bool:
    """Fit in a child process that writes the cache file: scikit-learn and the fit's memory
    (a peak of about 200 MB) go with it, instead of staying in the bot for good."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, suffix=".json", encoding="utf-8"
        ) as f:
            json.dump(examples, f, ensure_ascii=False)
            f.flush()
            done = subprocess.run(
                [sys.executable, "-m", __name__, f.name, str(path)],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("emergency model: cannot fit it apart (%s), fitting here", exc)
        return False
    if done.returncode != 0:
        log.warning("emergency model: the fit apart failed, fitting here:\n%s", done.stderr[-2000:])
        return False
    return path.exists()


def _main(argv: list[str]) -> int:
    """`python -m bot.answers.emergency_model EXAMPLES.json MODEL.bin`: what `_fit_apart` runs."""
    examples = [tuple(pair) for pair in json.loads(Path(argv[0]).read_text(encoding="utf-8"))]
    EmergencyModel._fit(examples)._write(Path(argv[1]))  # type: ignore[arg-type]
    return 0


def _little_endian(numbers: array) -> array:
    """The file is little-endian whatever the machine; swapped in a copy on a big-endian one."""
    if sys.byteorder == "little":
        return numbers
    swapped = array("f", numbers)
    swapped.byteswap()
    return swapped


def examples_of(
    messages: Iterable[tuple[str, str | None]], everyday: Iterable[str]
) -> list[tuple[str, str]]:
    """(text, kind or NONE): the emergency messages and near misses, then everyday messages."""
    return [(text, kind or NONE) for text, kind in messages] + [(q, NONE) for q in everyday]


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
