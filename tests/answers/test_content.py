"""The content files: errors name file, entry and field, all at once; a missing translation
is a warning, not an error; reloads are atomic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.answers.content import ContentError, load_content
from bot.answers.taxonomy import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("fr", "en", "ar", "pt", "es")
DEFAULT = "fr"
FRENCH_ONLY = """\
entries:
  - id: nuit-blanche-test
    category: events.museum
    source: https://www.paris.fr/
    text:
      fr:
        title: "La Nuit Blanche"
        answer: "La Nuit Blanche : une nuit d'art contemporain gratuite dans toute la ville."
        keywords: [Nuit Blanche, art contemporain, nuit gratuite]
        questions:
          - "c'est quand la Nuit Blanche ?"
"""


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target


def tiny_content(tmp_path: Path) -> Path:
    """A content folder with one French-only entry and a French default contact: enough to
    check how one more file is read, without indexing the shipped content."""
    target = tmp_path / "content"
    (target / "entries").mkdir(parents=True)
    tiny = FRENCH_ONLY.replace("nuit-blanche-test", "tiny-entry")
    (target / "entries" / "tiny.yaml").write_text(tiny, encoding="utf-8")
    (target / "out_of_scope.yaml").write_text(
        'default_contact:\n  fr: "Adressez-vous au gardien."\ntopics: []\n', encoding="utf-8"
    )
    shutil.copy(ROOT / "content" / "emergencies.yaml", target / "emergencies.yaml")
    shutil.copy(ROOT / "content" / "emergency_messages.yaml", target / "emergency_messages.yaml")
    shutil.copytree(ROOT / "content" / "events", target / "events")
    return target


def with_french_only_entry(tmp_path: Path) -> Path:
    """The shipped content plus one entry written in French only, as staff may add it."""
    target = copy_content(tmp_path)
    (target / "entries" / "french_only.yaml").write_text(FRENCH_ONLY, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def content():
    return load_content(ROOT / "content", LANGS)


def test_the_shipped_content_is_complete(content) -> None:
    assert len(content.answers) >= 60
    assert {e.category for e in content.answers} == set(CATEGORIES)
    for entry in content.entries:
        assert DEFAULT in entry.texts and set(entry.texts) <= set(LANGS), entry.id
    for lang in LANGS:  # translations may lag behind, not be missing altogether
        translated = sum(1 for e in content.entries if e.translated(lang))
        assert translated >= 0.8 * len(content.entries), lang
    for entry in content.answers:
        assert entry.source and entry.source.startswith("https://"), entry.id
    assert set(content.default_contact) >= set(LANGS)


def test_key_figures_are_in_the_content(content) -> None:
    """The figures residents ask about most, with their public source."""
    french = " ".join(
        f"{e.texts['fr'].answer} {e.texts['fr'].detail or ''}" for e in content.answers
    )
    for figure in ("19 °C", "55 °C", "5 minutes", "chèque énergie", "compteur"):
        assert figure in french, figure


def broken_copy(tmp_path: Path) -> Path:
    target = copy_content(tmp_path)
    path = target / "entries" / "water.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    first, second = data["entries"][0], data["entries"][1]
    del first["text"]["ar"]["title"]
    first["category"] = "water.swimming"
    second["text"]["pt"]["tilte"] = "typo"
    second["source"] = "not a url"
    data["entries"][2]["id"] = first["id"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def test_every_problem_is_reported_with_file_entry_and_field(tmp_path: Path) -> None:
    target = broken_copy(tmp_path)
    with pytest.raises(ContentError) as caught:
        load_content(target, LANGS)
    problems = caught.value.problems
    text = "\n".join(problems)
    assert "content/entries/water.yaml: entry shower-five-minutes: text.ar.title:" in text
    assert "category: unknown category 'water.swimming'" in text
    assert "text.pt.tilte: unknown field" in text
    assert "source: must be the https:// address" in text
    assert "id: already used" in text
    assert len(problems) >= 5


def test_an_unknown_field_does_not_hide_the_other_errors_of_its_entry(tmp_path: Path) -> None:
    target = tiny_content(tmp_path)
    (target / "entries" / "typos.yaml").write_text(
        FRENCH_ONLY.replace("title:", "tilte:")
        .replace("events.museum", "events.party")
        .replace("questions:", "questions: []\n        detials: x\n        old_questions:"),
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as caught:
        load_content(target, LANGS)
    prefix = "content/entries/typos.yaml: entry nuit-blanche-test: "
    problems = [p.removeprefix(prefix) for p in caught.value.problems if p.startswith(prefix)]
    assert set(problems) == {
        "category: unknown category 'events.party' (see the taxonomy in content/README.md)",
        "text.fr.tilte: unknown field (check its spelling)",
        "text.fr.title: missing (this field is required)",
        "text.fr.questions: empty: give at least one",
        "text.fr.detials: unknown field (check its spelling)",
        "text.fr.old_questions: unknown field (check its spelling)",
    }


def test_a_reused_id_is_reported_with_the_other_errors_of_its_entry(tmp_path: Path) -> None:
    target = tiny_content(tmp_path)
    twice = FRENCH_ONLY + FRENCH_ONLY.removeprefix("entries:\n").replace(
        "https://www.paris.fr/", "www.paris.fr"
    )
    (target / "entries" / "twice.yaml").write_text(twice, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(target, LANGS)
    text = "\n".join(caught.value.problems)
    assert "entry nuit-blanche-test: id: already used in content/entries/twice.yaml" in text
    assert "entry nuit-blanche-test: source: must be the https:// address" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'entries:\n  - id: x\n    title: "Chauffer à 19 °C\n    answer: ok\n',
            "line 3: a quote is not closed",
        ),
        ("entries:\n  - id: x\n    title: Chauffage: 19 °C\n", "line 3: a colon and a space"),
        ("entries:\n  - id: x\n    title: a\n   answer: b\n", "line 4: a line does not line up"),
        ("entries:\n  - id: x\n\ttitle: a\n", "line 3: a tab character"),
        ("entries:\n  - id: x\n    keywords: [a, b\n    questions: [c]\n", "line 3: a list"),
        ("entries:\n  - id: x\n    title: 'l'eau'\n", "line 3: unexpected text"),
    ],
)
def test_a_yaml_syntax_error_names_the_file_and_line_in_plain_words(
    tmp_path: Path, text: str, expected: str
) -> None:
    target = tiny_content(tmp_path)
    (target / "entries" / "broken.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(target, LANGS)
    [problem] = caught.value.problems
    assert problem.startswith(f"content/entries/broken.yaml, {expected}")
    assert "scalar" not in problem and "token" not in problem  # no parser jargon


def test_a_field_given_twice_is_an_error(tmp_path: Path) -> None:
    target = tiny_content(tmp_path)
    text = FRENCH_ONLY + '          - "la nuit blanche c quand"\n        questions: ["x"]\n'
    (target / "entries" / "twice.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(target, LANGS)
    assert caught.value.problems == [
        "content/entries/twice.yaml, line 13: the field 'questions' is given twice in the same "
        "place (only the last one would count)"
    ]


def test_an_entry_in_french_only_loads_with_a_warning(tmp_path: Path) -> None:
    content = load_content(with_french_only_entry(tmp_path), LANGS)
    entry = content.by_id()["nuit-blanche-test"]
    assert set(entry.texts) == {"fr"} and entry.text("ar", DEFAULT).title == "La Nuit Blanche"
    assert not entry.translated("en")
    assert (
        "content/entries/french_only.yaml: entry nuit-blanche-test: not translated into "
        "en, ar, pt, es" in content.warnings
    )


def test_a_new_language_is_warned_about_not_refused(tmp_path: Path) -> None:
    content = load_content(copy_content(tmp_path), (*LANGS, "tr"))
    assert any(w.endswith("not translated into tr") for w in content.warnings)
    assert "content/out_of_scope.yaml: default_contact: not translated into tr" in content.warnings


def test_the_default_language_is_required(tmp_path: Path) -> None:
    target = tiny_content(tmp_path)
    english = FRENCH_ONLY.replace("      fr:", "      en:")
    (target / "entries" / "english.yaml").write_text(english, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(target, LANGS)
    assert caught.value.problems == [
        "content/entries/english.yaml: entry nuit-blanche-test: text.fr: missing: every entry "
        "needs its text in fr (the default language)"
    ]


def test_a_missing_translation_is_still_found_in_that_language(tmp_path: Path) -> None:
    from bot.answers.answering import Answerer

    content = load_content(with_french_only_entry(tmp_path), LANGS)
    answerer = Answerer(content, LANGS, DEFAULT)
    answer = answerer.answer("when is the Nuit Blanche this year?", "en")
    assert answer.lang == "en" and not answer.out_of_scope
    assert answer.best is not None and answer.best.entry.id == "nuit-blanche-test"
    # the stand-in French words are not evidence that a question is in English
    assert "blanche" not in answerer.index.indexes["en"].vocabulary


def edit_title(content_dir: Path, entry_id: str, lang: str, title: str) -> None:
    for path in (content_dir / "entries").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data["entries"]:
            if entry["id"] == entry_id:
                entry["text"][lang]["title"] = title
                path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
                return
    raise AssertionError(entry_id)


def test_a_reload_swaps_the_content_and_a_bad_edit_keeps_it(tmp_path: Path, content) -> None:
    from bot.answers.library import Library

    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    library = Library(target, LANGS, "fr")
    entry_id = content.answers[0].id
    before = library.answerer
    edit_title(target, entry_id, "fr", "Un titre tout neuf")
    after = library.reload()
    assert after is library.answerer and after is not before
    assert library.answerer.entries[entry_id].texts["fr"].title == "Un titre tout neuf"

    (target / "entries" / "water.yaml").write_text("entries: [oops", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        library.reload()
    assert "water.yaml" in str(caught.value)
    assert library.answerer is after  # residents keep being answered from the last good files


async def test_the_bot_refuses_to_start_on_broken_content(tmp_path: Path, database) -> None:
    from bot.app import build_assistant
    from tests.conftest import make_settings

    settings = make_settings(content_dir=broken_copy(tmp_path), database_url=database.url)
    with pytest.raises(ContentError):
        build_assistant(settings, db=database)


def test_a_broken_resident_question_is_reported_with_file_number_and_field(
    tmp_path: Path,
) -> None:
    """content/resident_questions.yaml is checked like the entries, every problem at once."""
    target = copy_content(tmp_path)
    path = target / "resident_questions.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questions"][0]["category"] = "water.everything"
    data["questions"][1]["lang"] = "de"
    data["questions"][2]["q"] = ""
    data["questions"][3]["sorce"] = "https://example.org"
    data["questions"][4] = {"q": "la caf", "lang": "fr", "category": None, "topic": "caf"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(target, LANGS)
    text = "\n".join(caught.value.problems)
    name = "content/resident_questions.yaml"
    assert f"{name}: question 1: category: 'water.everything' is not a category" in text
    assert f"{name}: question 2: lang: no catalog for 'de' in locales/" in text
    assert f"{name}: question 3: q: " in text
    assert f"{name}: question 4: sorce: unknown field (check its spelling)" in text
    assert f"{name}: question 5: topic: 'caf' is no out-of-scope topic" in text
    path.unlink()  # optional: the answer model learns from the example questions alone
    assert load_content(target, LANGS).asked == []
