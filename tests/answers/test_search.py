"""Retrieval: what the index reads of a question's words."""

from __future__ import annotations

from bot.answers.answering import varied
from bot.answers.category_model import CategoryModel, examples_of
from bot.answers.content import Entry
from bot.answers.search import Match, supported, weighed


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


def test_the_answer_models_opinion_reorders_close_candidates_only() -> None:
    """The search knows the content's words, the answer model how residents word a subject:
    between close candidates the model's category wins; a clear leader keeps its place, and
    an out-of-scope topic keeps its support alone (the model has no category for it)."""

    def match(id_: str, category: str, score: float, kind: str = "entry") -> Match:
        return Match(Entry(id_, kind, category, None, {}), "en", score, 0.5)

    shower = match("shower", "water.shower", 20.0)
    boiler = match("boiler", "energy.hot_water", 18.0)
    opinion = {"energy.hot_water": 0.9, "water.shower": 0.05}
    assert [m.entry.id for m in weighed([shower, boiler], opinion)] == ["boiler", "shower"]
    assert [m.entry.id for m in weighed([shower, boiler], {})] == ["shower", "boiler"]
    far_ahead = match("shower", "water.shower", 200.0)
    assert weighed([far_ahead, boiler], opinion)[0] is far_ahead
    repairs = match("repairs", "out_of_scope", 19.0, kind="out_of_scope")
    assert [m.entry.id for m in weighed([shower, repairs], {"out_of_scope": 1.0})] == [
        "shower",
        "repairs",
    ]


def test_the_answer_model_learns_how_residents_word_a_subject(library) -> None:
    """content/resident_questions.yaml: real questions are learnt from, beside the example
    questions; the model's first category for one of them is its own."""
    content = library.answerer.content
    examples = examples_of(content)
    asked = [q for q in content.asked if q.category]
    assert len(asked) > 600 and (asked[0].q, asked[0].category) in examples
    model = CategoryModel.fitted(examples)  # the cache the library's answerer filled
    for question, category in (
        ("ma facture d'eau a doublé", "water.bills_meter"),
        ("the water heater is set too high", "energy.hot_water"),
        ("chauffeeau qui chauffe plus", "energy.hot_water"),  # n-grams see through the typo
        ("كيف أقلل فاتورة الكهرباء", "energy.bills"),
        ("¿dónde tiro las pilas usadas?", "recycling.sorting"),
    ):
        opinion = model.opinion(question)
        assert max(opinion, key=opinion.__getitem__) == category, question
