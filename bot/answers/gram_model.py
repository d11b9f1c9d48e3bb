"""A text classifier over character n-grams of the folded words: it sees through endings,
typos and dialect spellings in the five languages, and reads a message in plain Python.

Two models are built on it: the emergency model (bot/answers/emergency_model.py) and the
answer model (bot/answers/category_model.py). Each is a logistic regression (scikit-learn),
fitted in a child process (scikit-learn and the fit's memory leave with it); the fitted weights
are kept in a cache file named by a digest of everything they were fitted on: a start with the
same content reads them in milliseconds, with no NumPy and no scikit-learn; an edit to what the
model learns from fits again.
"""

from __future__ import annotations

import hashlib
import importlib
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
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Self

from bot.answers.textnorm import words

log = logging.getLogger(__name__)

GRAMS = (3, 4, 5)
MIN_DF = 2  # an n-gram of a single text is a name or a typo: it would be learnt by heart
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


class GramModel:
    """Fitted weights, read in plain Python: each n-gram's IDF and one weight per class.
    Subclasses name their cache files (`NAME`) and choose the regularisation (`C`)."""

    NAME = "gram-model"
    C = 1.0
    SOLVER: ClassVar[dict[str, object]] = {"max_iter": 3000}  # LogisticRegression's options

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

    def probabilities(self, text: str) -> list[float] | None:
        """Each class's probability (in the order of `classes`); None when the text shares
        no n-gram with what the model learnt from."""
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
        return [x / total for x in exps]

    # -- fitting and the cache ----------------------------------------------------------------

    @classmethod
    def fitted(
        cls, examples: list[tuple[str, str]], cache_dir: Path | None = DEFAULT_CACHE
    ) -> Self:
        """The model of these (text, class) examples: from the cache when it holds one fitted
        on exactly them, else fitted now (and cached)."""
        digest = hashlib.sha256(
            json.dumps(
                [FORMAT, GRAMS, MIN_DF, cls.C, cls.SOLVER, examples], ensure_ascii=False
            ).encode()
        ).hexdigest()[:24]
        path = cache_dir / f"{cls.NAME}-{digest}.bin" if cache_dir else None
        if path is not None and path.exists():
            try:
                return cls._read(path)
            except (OSError, ValueError, KeyError, EOFError) as exc:  # torn: fit again
                log.warning("%s: cache %s unreadable (%s), fitting again", cls.NAME, path, exc)
        if path is not None and _fit_apart(cls, examples, path):
            try:
                return cls._read(path)
            except (OSError, ValueError, KeyError, EOFError) as exc:
                log.warning("%s: fitted apart but unreadable (%s)", cls.NAME, exc)
        model = cls._fit(examples)
        if path is not None:
            model._write(path)
        return model

    @classmethod
    def _fit(cls, examples: list[tuple[str, str]]) -> Self:
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
        fit = LogisticRegression(C=cls.C, **cls.SOLVER).fit(matrix, labels)  # type: ignore[arg-type]
        classes = [str(c) for c in fit.classes_]
        if len(classes) == 2:  # scikit-learn keeps one row for two classes: make it two
            coef = np.vstack([-fit.coef_[0], fit.coef_[0]]) / 2
            intercept = np.array([-fit.intercept_[0], fit.intercept_[0]]) / 2
        else:
            coef, intercept = fit.coef_, fit.intercept_
        log.info(
            "%s: fitted on %d texts, %d n-grams, %d classes",
            cls.NAME,
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
            for old in path.parent.glob(f"{self.NAME}-*.bin"):
                if old != path and time.time() - old.stat().st_mtime > STALE:
                    old.unlink(missing_ok=True)
        except OSError as exc:  # a read-only disk: the model still works, fitted each start
            log.warning("%s: cannot cache it in %s (%s)", self.NAME, path.parent, exc)

    @classmethod
    def _read(cls, path: Path) -> Self:
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


def _fit_apart(model: type[GramModel], examples: list[tuple[str, str]], path: Path) -> bool:
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
                [
                    sys.executable,
                    "-m",
                    __name__,
                    f"{model.__module__}:{model.__qualname__}",
                    f.name,
                    str(path),
                ],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("%s: cannot fit it apart (%s), fitting here", model.NAME, exc)
        return False
    if done.returncode != 0:
        log.warning("%s: the fit apart failed, fitting here:\n%s", model.NAME, done.stderr[-2000:])
        return False
    return path.exists()


def _main(argv: list[str]) -> int:
    """`python -m bot.answers.gram_model MODULE:CLASS EXAMPLES.json MODEL.bin`: what
    `_fit_apart` runs."""
    module, _, name = argv[0].partition(":")
    model: type[GramModel] = getattr(importlib.import_module(module), name)
    examples = [tuple(pair) for pair in json.loads(Path(argv[1]).read_text(encoding="utf-8"))]
    model._fit(examples)._write(Path(argv[2]))  # type: ignore[arg-type]
    return 0


def _little_endian(numbers: array) -> array:
    """The file is little-endian whatever the machine; swapped in a copy on a big-endian one."""
    if sys.byteorder == "little":
        return numbers
    swapped = array("f", numbers)
    swapped.byteswap()
    return swapped


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
