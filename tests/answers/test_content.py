"""The content files: schema errors name file, entry and field; reloads are atomic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.answers.content import ContentError, load_content
from bot.answers.taxonomy import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("fr", "en", "ar", "pt", "es")


@pytest.fixture(scope="module")
def content():
    return load_content(ROOT / "content", LANGS)


def test_the_shipped_content_is_complete(content) -> None:
    assert len(content.answers) >= 60
    assert {e.category for e in content.answers} == set(CATEGORIES)
    for entry in content.entries:
        assert set(entry.texts) == set(LANGS), entry.id
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
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
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


def test_missing_language_and_bad_yaml_are_reported(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    (target / "entries" / "broken.yaml").write_text("entries: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(target, (*LANGS, "tr"))
    text = "\n".join(caught.value.problems)
    assert "content/entries/broken.yaml: not valid YAML" in text
    assert "text.tr: missing translation" in text
    assert "default_contact.tr: missing translation" in text


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
