"""Every supported language is complete: CI fails on a missing translation or placeholder."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import PLACEHOLDER, CatalogError, Catalogs

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
CATALOGS = sorted(LOCALES.glob("*/LC_MESSAGES/messages.po"))
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def source_msgids() -> set[str]:
    """What the code asks to translate, extracted the way pybabel does."""
    ids: set[str] = set()
    method_map = [
        ("bot/**.py", "python"),
        ("handlers/**.py", "python"),
        ("bot/backoffice/templates/**.html", "jinja2"),
    ]
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_the_five_languages_have_catalogs() -> None:
    codes = {po.parent.parent.name for po in CATALOGS}
    assert {"fr", "en", "ar", "pt", "es"} <= codes


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalog_is_complete(po_path: Path) -> None:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=po_path.parent.parent.name)
    wanted = source_msgids()
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert not wanted - have, f"{po_path}: not in the catalog (run pybabel extract/update)"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
    assert not problems, f"{po_path}:\n" + "\n".join(problems)


def test_missing_catalog_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "en" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "en" / "LC_MESSAGES" / "messages.po").write_bytes(
        (LOCALES / "en" / "LC_MESSAGES" / "messages.po").read_bytes()
    )
    with pytest.raises(CatalogError, match="DEFAULT_LOCALE='fr'"):
        Catalogs(tmp_path, "fr", "Europe/Paris")


def test_language_resolution() -> None:
    catalogs = Catalogs(LOCALES, "fr", "Europe/Paris")
    assert catalogs.resolve(None, "pt-BR") == "pt"
    assert catalogs.resolve(None, "de") == "fr"
    assert catalogs.resolve("ar", "en") == "ar"
    assert catalogs.resolve("xx", None) == "fr"
    assert [catalogs.language_name(c) for c in ("fr", "ar", "es")] == [
        "Français",
        "العربية",
        "Español",
    ]


def test_dates_follow_the_locale_and_timezone() -> None:
    from datetime import UTC, datetime

    catalogs = Catalogs(LOCALES, "fr", "Europe/Paris")
    moment = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    assert catalogs.get("fr").date(moment) == "samedi 5 décembre 2026"
    assert catalogs.get("fr").time(moment) == "14:00"
    assert catalogs.get("en").date(moment) == "Saturday, December 5, 2026"
    assert "ديسمبر" in catalogs.get("ar").date(moment)


def test_no_translation_call_hides_inside_an_f_string() -> None:
    """pybabel cannot see `t._("...")` inside an f-string: such a string would never be
    translated. Translate first, then format."""
    import re

    pattern = re.compile(r"""f(["']).*\{[^}]*\b(_|ngettext)\(""")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("bot", "handlers")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not offenders, offenders
