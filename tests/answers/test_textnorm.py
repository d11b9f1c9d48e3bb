"""Text analysis: folding makes residents' spellings meet the content's."""

from __future__ import annotations

from bot.answers.textnorm import arabic_variants, fold, words


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


def test_arabic_words_are_read_without_their_clitics() -> None:
    """ "بارتفاع" (with the rise) can be "ارتفاع"; "تسريبات" (leaks) "تسريب"; nothing shorter
    than three letters is offered."""
    assert "ارتفاع" in arabic_variants("بارتفاع")
    assert "ترشيد" in arabic_variants("لترشيد")
    assert "تسريب" in arabic_variants("تسريبات")
    assert "اصلاح" in arabic_variants("واصلاحها")
    assert all(len(v) >= 3 for v in arabic_variants("بها"))
