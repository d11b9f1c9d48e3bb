"""Text analysis: folding makes residents' spellings meet the content's."""

from __future__ import annotations

from bot.answers.textnorm import fold, words


def test_folding_makes_spellings_meet() -> None:
    assert fold("Électricité CHAUFFE-EAU") == "electricite chauffe-eau"
    assert fold("هَلْ مِيَّة الحَنَفِيَّة") == fold("هل مية الحنفيه")
    assert fold("أحمد") == fold("احمد") and fold("مدرسة") == fold("مدرسه")
    assert fold("إسلام") == fold("اسلام") and fold("مستشفى") == fold("مستشفي")
    assert words("l'eau froiiide") == ["l", "eau", "froide"]


def test_a_capital_acronym_keeps_its_letters() -> None:
    """ "WEEE" (electrical waste) is not "we" typed with feeling; "merciii" is "merci"."""
    assert words("What is WEEE?") == ["what", "is", "weee"]
    assert words("merciiii") == ["merci"] and words("كتيييير") == words("كتير")
