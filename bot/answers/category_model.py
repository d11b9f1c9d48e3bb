"""The answer model: which category a question is about, learnt from whole questions (the
entries' example questions and titles, and the questions real people asked, from
content/resident_questions.yaml) rather than from their words one by one.

The search ranks entries by the words they share with the question; it knows only the words
the content uses. The model reads character n-grams (bot/answers/gram_model.py), so it sees
"calentador" in "calentadorr", and it learns how residents word a subject ("ma facture d'eau
a doublé" is about the bill and the meter, not about saving water). Its opinion re-orders the
search's best candidates (bot/answers/search.py, `OPINION_WEIGHT`); the decision to answer,
doubt or refuse still rests on the search's scores.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from bot.answers.content import ContentSet
from bot.answers.gram_model import GramModel


class CategoryModel(GramModel):
    NAME = "category-model"
    # Chosen by cross-validation over the real dev questions' source pages (the model alone,
    # right category first): C = 10 and the questions and titles alone 76.8%; with each text's
    # keywords and answer too 77.7%; classes weighed by their size ("balanced") 78.5%; then C =
    # 1, 2, 3, 30: 78.1, 78.8, 79.2, 78.2%.
    C = 3.0
    # SAGA to a looser tolerance: the fit takes about 2 s instead of 11 with the default
    # solver, for nearly the same model (cross-validated 78.8% against 79.2%).
    SOLVER: ClassVar[dict[str, object]] = {
        "solver": "saga",
        "tol": 1e-3,
        "max_iter": 200,
        "class_weight": "balanced",
    }

    def opinion(self, text: str) -> dict[str, float]:
        """Each category's probability for this question; empty when nothing is known of it."""
        probabilities = self.probabilities(text)
        if probabilities is None:
            return {}
        return dict(zip(self.classes, probabilities, strict=True))


def answer_model(content: ContentSet, cache_dir: Path | None) -> CategoryModel | None:
    """The model of this content; None when it has fewer than two categories to tell apart."""
    examples = examples_of(content)
    if len({category for _, category in examples}) < 2:
        return None
    return CategoryModel.fitted(examples, cache_dir)


def examples_of(content: ContentSet) -> list[tuple[str, str]]:
    """(text, category): every answer entry's example questions, title, keywords (as one text)
    and answer in each language, then the real questions that have a category."""
    examples = [
        (text, entry.category)
        for entry in content.answers
        for written in entry.texts.values()
        for text in (*written.questions, written.title, " ".join(written.keywords), written.answer)
        if text
    ]
    return examples + [(q.q, q.category) for q in content.asked if q.category is not None]
