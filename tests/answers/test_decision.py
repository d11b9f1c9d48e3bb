"""The three-way decision on the real content: answer, unsure with guesses, out of scope."""

from __future__ import annotations

from bot.answers.answering import ANSWER, OUT_OF_SCOPE, UNSURE
from bot.answers.search import Match


def test_a_short_plain_question_is_answered_not_doubted(library) -> None:
    """BM25 scores grow with a question's length: a short question whose words one entry all
    knows, far ahead of any other subject, gets that answer, not "did you mean"."""
    for question, lang in (
        ("comment economiser l'electricité", "fr"),
        ("como ahorrar luz en casa", "es"),
        ("كيف نوفر الكهرباء", "ar"),
    ):
        answer = library.answerer.answer(question, lang)
        assert answer.decision == ANSWER, question
        assert answer.results[0].entry.id == "energy-saving-essentials", question


def test_a_question_about_several_subjects_stays_a_doubt(library) -> None:
    answer = library.answerer.answer("what about the temperature", "en")
    assert answer.decision == UNSURE
    assert len({m.entry.category for m in answer.results[:3]}) == 3


def test_saving_on_electricity_is_not_a_question_about_switching_supplier(library) -> None:
    """ "poupar" (to save) alone does not make a question about changing supplier."""
    assert library.answerer.answer("como poupar luz", "pt").decision != OUT_OF_SCOPE
    switching = library.answerer.answer("quero mudar de fornecedor de luz para poupar", "pt")
    assert switching.decision == OUT_OF_SCOPE and switching.topic is not None
    assert switching.topic.id == "energy-supplier"


def test_low_coverage_alone_does_not_refuse_a_question_the_content_scores_high(library) -> None:
    """A long message covers a small share of its words with any one text: when the best entry
    still scores high, the resident gets its guesses; a low score with low coverage is not ours."""
    answerer = library.answerer
    t = answerer.thresholds
    entry = answerer.entries["heating-cold-radiator"]
    other = answerer.entries["water-meter-reading"]

    def decision(score: float, coverage: float) -> str:
        matches = [Match(entry, "en", score, coverage), Match(other, "en", score / 2, coverage)]
        return answerer.decide(matches)[0]

    low = t.refuse_coverage / 2
    assert decision(t.refuse_coverage_score + 5, low) == UNSURE
    assert decision((t.refuse_score + t.refuse_coverage_score) / 2, low) == OUT_OF_SCOPE
    assert decision(t.refuse_score / 2, 0.9) == OUT_OF_SCOPE


def test_warming_the_home_is_a_heating_question_in_every_language(library) -> None:
    """The verb ("chauffer", "calentar la casa", "aquecer a casa", "ندفي") says heating as the
    noun does; warming water or food keeps its own subject."""
    for question, lang in (
        ("comment chauffer la maison moins cher", "fr"),
        ("se chauffer sans se ruiner", "fr"),
        ("cómo calentar la casa gastando menos", "es"),
        ("como aquecer a casa gastando menos", "pt"),
        ("كيفاش نسخن الدار", "ar"),
    ):
        answer = library.answerer.answer(question, lang)
        assert answer.decision != OUT_OF_SCOPE, question
        assert answer.results[0].entry.category == "energy.heating", question
    water = library.answerer.answer("cómo calentar el agua sin gastar tanto", "es")
    assert water.results[0].entry.category == "energy.hot_water"


def test_a_complaint_that_shares_small_talk_words_is_not_small_talk(library) -> None:
    """ "ça va pas" is also how one asks how someone is; a topic that covers far less of the
    question than an entry does not take it."""
    answer = library.answerer.answer("ça va pas du tout le chauffage", "fr")
    assert answer.topic is None or answer.topic.id != "chit-chat"
    assert answer.results[0].entry.category == "energy.heating"
    assert library.answerer.answer("raconte-moi une blague", "fr").topic.id == "chit-chat"
