"""Retrieval: what the index reads of a question."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answers.content import load_content
from bot.answers.search import SearchIndex

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("fr", "en", "ar", "pt", "es")


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(load_content(ROOT / "content", LANGS), LANGS, "fr")


def test_a_common_word_is_not_taken_for_a_typo(index: SearchIndex) -> None:
    """A typo of a content word is corrected; a common word of the language is left alone."""
    english = index.indexes["en"]
    assert english._real_word("the") and english._real_word("2024")
    assert not english._real_word("radiatorr")
    [(_, stems)] = english.query("radiatorr")
    assert stems  # corrected to "radiator"


def test_an_arabic_word_is_found_without_its_clitics(index: SearchIndex) -> None:
    """ "وبالكهرباء" (and with electricity), "والفواتير" (and the bills) meet the content."""
    arabic = index.indexes["ar"]
    for word in ("وبالكهرباء", "والفواتير"):
        [(_, stems)] = arabic.query(word, fuzzy=False)
        assert stems, word
