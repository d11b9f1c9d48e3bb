"""Which language a question is written in, short chat texts included.

Lingua (a well-kept detector built for short text) gives a confidence per language; the words
of the question found in each language's content vocabulary add evidence, which matters for
chat spellings Lingua has never seen ("cmt", "stp"). A few languages we do not serve are in
the model too, so a German question is recognised as such instead of being called English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from bot.answers.textnorm import arabic_share, words

# Languages heard on the estates that we do not (yet) serve, so they are not mistaken for ours.
OTHERS = ("de", "it", "ro", "tr", "ru")
UNSUPPORTED = "xx"
NEAR_TIE = 0.15
DECISIVE_SHARE, DECISIVE_GAP = 0.75, 0.35


@dataclass(frozen=True)
class Detection:
    """`lang` is a supported code, UNSUPPORTED, or None when the text says too little."""

    lang: str | None
    confidence: float


def _language(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
    except (ValueError, AttributeError):
        return None


@lru_cache(maxsize=4)
def _detector(codes: tuple[str, ...]) -> LanguageDetector:
    """Loading the models takes a second or two: once per process, shared by every service."""
    languages = {lang for code in codes if (lang := _language(code))}
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


class LanguageDetection:
    def __init__(self, supported: tuple[str, ...]) -> None:
        self.supported = supported
        self._detector = _detector(tuple(sorted({*supported, *OTHERS})))

    def detect(
        self,
        text: str,
        vocabularies: Mapping[str, frozenset[str]],
        prefer: str | None = None,
    ) -> Detection:
        """`prefer` is the resident's own language: it wins a near tie (mixed-language
        messages like "onde fica a ressourcerie?" lean towards a long borrowed word)."""
        tokens = [w for w in words(text) if not w.isdigit()]
        if not tokens:
            return Detection(None, 0.0)
        arabic = arabic_share(text)
        if arabic > 0.5:
            # Mixed with French words ("وين كاينة la ressourcerie؟"), it is less certain.
            return Detection("ar" if "ar" in self.supported else UNSUPPORTED, arabic)
        shares = {
            code: sum(1 for t in tokens if t in vocabulary) / len(tokens)
            for code in self.supported
            if (vocabulary := vocabularies.get(code))
        }
        ranked = sorted(shares.items(), key=lambda item: -item[1])
        if len(tokens) >= 3 and ranked and ranked[0][1] >= DECISIVE_SHARE:
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            if runner_up <= ranked[0][1] - DECISIVE_GAP:
                # Most words belong to one language's content and few to any other: that is
                # the answer already, and the statistical model is not needed.
                return Detection(ranked[0][0], ranked[0][1])
        scores: dict[str, float] = {}
        for value in self._detector.compute_language_confidence_values(text):
            code = value.language.iso_code_639_1.name.lower()
            scores[code] = scores.get(code, 0.0) + 0.6 * value.value
        for code, share in shares.items():
            scores[code] = scores.get(code, 0.0) + 0.4 * share
        best = max(scores, key=lambda c: scores[c])
        if prefer in self.supported and scores.get(prefer, 0.0) >= scores[best] - NEAR_TIE:
            best = prefer
        confidence = scores[best]
        if confidence < 0.3 or (len(tokens) == 1 and confidence < 0.5):
            return Detection(None, confidence)
        return Detection(best if best in self.supported else UNSUPPORTED, confidence)
