"""Retrieval: what the index reads of a question's words."""

from __future__ import annotations

from bot.answers.answering import varied
from bot.answers.content import Entry
from bot.answers.search import Match, supported


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


def test_candidates_of_one_category_outvote_a_lone_leader() -> None:
    """Two toilet entries just behind a leaks entry: a toilet entry leads. A lone leader well
    ahead keeps its place."""

    def match(id_: str, category: str, score: float) -> Match:
        return Match(Entry(id_, "entry", category, None, {}), "en", score, 0.5)

    leaks = match("leaks", "water.leaks", 20.0)
    cistern = match("cistern", "water.toilet", 19.0)
    flush = match("flush", "water.toilet", 18.0)
    assert [m.entry.id for m in supported([leaks, cistern, flush])] == [
        "cistern",
        "flush",
        "leaks",
    ]
    far_ahead = match("leaks", "water.leaks", 40.0)
    assert supported([far_ahead, cistern, flush])[0] is far_ahead


def test_the_guesses_are_different_ideas() -> None:
    """Once a category's entries have voted it first, the guesses still show the runner-up
    category second, not the third card on the same subject."""

    def match(id_: str, category: str, score: float) -> Match:
        return Match(Entry(id_, "entry", category, None, {}), "en", score, 0.5)

    cistern, flush = match("cistern", "water.toilet", 19.0), match("flush", "water.toilet", 18.0)
    leaks = match("leaks", "water.leaks", 17.0)
    assert [m.entry.id for m in varied([cistern, flush, leaks])] == ["cistern", "leaks", "flush"]
