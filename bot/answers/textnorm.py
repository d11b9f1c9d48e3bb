"""Text analysis for retrieval: case and accent folding, Arabic normalisation, stemming.

Stemming uses the Snowball stemmers (a well-kept library covering each supported language);
a language Snowball lacks is still folded and tokenised, just not stemmed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import snowballstemmer
from babel import Locale

ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ARABIC_FORMS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "گ": "ك",
        "ڤ": "ف",
        "پ": "ب",
        "ی": "ي",
        "ک": "ك",
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
    }
)
WORD = re.compile(r"[^\W_]+", re.UNICODE)
REPEATS = re.compile(r"(.)\1{2,}")
ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
# The article, alone or after و/ف/ك/ب/ل (and, so, like, with, for) or the dialect ع (on):
# Snowball strips it from some words and not others ("الطاقة" -> "طاقه" but "طاقة" -> "طاق"),
# so a question with the article missed the content without it. Longest first.
ARABIC_ARTICLES = ("وال", "فال", "كال", "بال", "عال", "لل", "ال")


def fold(text: str) -> str:
    """Lowercase, drop accents and Arabic diacritics, unify Arabic letter forms.

    Residents type without accents ("electricite") and with or without harakat; both sides
    of the match go through this so either spelling finds the other. Letters typed three
    times or more count once, except capitals ("WEEE").
    """
    return _fold_lower(squeeze(unicodedata.normalize("NFKC", text)).lower())


def _fold_lower(text: str) -> str:
    """`fold` of a text already squeezed and lowercased."""
    text = unicodedata.normalize("NFKC", text)
    text = ARABIC_DIACRITICS.sub("", text).translate(ARABIC_FORMS)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch) or _is_arabic(ch))
    return unicodedata.normalize("NFC", text).replace("œ", "oe").replace("æ", "ae")


def squeeze(text: str) -> str:
    """A letter typed three times or more is one letter ("froiiiid" -> "froid", Arabic
    elongations too), unless it is a capital: "WEEE" is an acronym, not "WE" shouted."""
    return REPEATS.sub(_squeeze, text)


def _squeeze(run: re.Match[str]) -> str:
    return run.group(0) if run.group(1).isupper() else run.group(1)


def _is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff"


def _written_words(text: str) -> list[str]:
    """Words as written: lowercase, composed, without Arabic diacritics (which would split
    a word, being combining marks)."""
    text = squeeze(unicodedata.normalize("NFC", text)).lower()
    return WORD.findall(ARABIC_DIACRITICS.sub("", unicodedata.normalize("NFC", text)))


def words(text: str) -> list[str]:
    """Folded word tokens; apostrophes and hyphens split words ("l'eau" -> "l", "eau").
    Folding goes word by word through a cache: the same words come back all the time."""
    return [token for word in _written_words(text) for token in _fold_tokens(word)]


@lru_cache(maxsize=1024)
def raw_words(text: str) -> tuple[tuple[str, str], ...]:
    """Each word as written (lowercase, without Arabic diacritics) and folded, in order.
    Cached: every language's index reads the same question."""
    return tuple((word, folded) for word in _written_words(text) if (folded := _fold_word(word)))


@lru_cache(maxsize=50_000)
def _fold_tokens(word: str) -> tuple[str, ...]:
    return tuple(WORD.findall(_fold_lower(word)))


def _fold_word(word: str) -> str:
    return " ".join(_fold_tokens(word))


def arabic_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if ARABIC_LETTER.match(ch)) / len(letters)


@cache
def _stemmer(lang: str) -> snowballstemmer.stemmer | None:
    try:
        name = Locale.parse(lang).get_display_name("en").lower()
    except (ValueError, TypeError):
        return None
    if name in snowballstemmer.algorithms():
        return snowballstemmer.stemmer(name)
    return None


def _without_article(word: str) -> str:
    """ "والحنفية", "فالما", "عالنشاط", "للمياه" -> the noun, when two letters or more remain."""
    for article in ARABIC_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= 2:
            return word[len(article) :]
    return word


# Arabic glues conjunctions and prepositions to the next word and suffixes to the end of it:
# "بارتفاع" (with the rise), "لترشيد" (for saving), "تسريبات" (leaks), "واصلاحها" (and fixing
# it). The stemmer leaves many of these whole; a question's word unknown to the content is
# tried again without them (spoken forms too: the Egyptian future "ه", the Maghrebi present
# "كي", the negation "ما...ش"; the first person's "أ", so common in questions: "أفرز" is "فرز").
ARABIC_PROCLITICS = ("و", "ف", "ب", "ل", "ك", "ه", "كي", "ما", "ا")
ARABIC_ENCLITICS = ("ات", "ها", "هم", "هن", "كم", "نا", "ين", "ون", "ية", "ه", "ة", "ي", "ش", "و")


def arabic_variants(word: str) -> list[str]:
    """Shorter readings of an Arabic word, most likely first, each at least 3 letters long."""
    heads = [word]
    for proclitic in ARABIC_PROCLITICS:
        if word.startswith(proclitic) and len(word) - len(proclitic) >= 3:
            rest = word[len(proclitic) :]
            heads.append(rest)
            heads.extend(
                rest[len(a) :]
                for a in ("ال", "لل")
                if rest.startswith(a) and len(rest) - len(a) >= 3
            )
    out: list[str] = []
    for head in heads:
        if head != word:
            out.append(head)
        out.extend(
            head[: -len(enclitic)]
            for enclitic in ARABIC_ENCLITICS
            if head.endswith(enclitic) and len(head) - len(enclitic) >= 3
        )
    return list(dict.fromkeys(out))


class Analyzer:
    """Turns text into index terms for one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._stemmer = _stemmer(lang)
        self._cache: dict[str, str] = {}

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is None:
            if self._stemmer is None or word.isdigit():
                cached = word
            else:
                bare = _without_article(word) if self.lang == "ar" else word
                cached = self._stemmer.stemWord(bare)
                if self.lang == "ar" and len(cached) < 2:
                    cached = bare
            self._cache[word] = cached
        return cached

    def terms(self, text: str) -> list[str]:
        return [self.stem(w) for w in words(text)]
