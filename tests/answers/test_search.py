"""Retrieval: what the index reads of a question's words."""

from __future__ import annotations


def test_a_typo_is_corrected_but_a_common_word_is_left_alone(library) -> None:
    """A typo of a content word finds it; a common word of the language that the content does
    not use stays unknown instead of being "corrected" into a neighbour ("stage" is not
    "storage")."""
    english = library.answerer.index.indexes["en"]
    [(_, typo)] = english.query("radiatorr")
    assert typo == {"radiat"}
    [(_, common)] = english.query("stage")
    assert common == frozenset()


def test_an_arabic_word_is_found_without_its_clitics(library) -> None:
    """ "وبالكهرباء" (and with electricity), "والفواتير" (and the bills) meet the content."""
    arabic = library.answerer.index.indexes["ar"]
    for word in ("وبالكهرباء", "والفواتير"):
        [(_, stems)] = arabic.query(word, fuzzy=False)
        assert stems, word
