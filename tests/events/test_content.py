"""content/events/: valid, marked as samples, dated by rules from today; DST-proof hours;
problems named by file, entry and field; and no answer promising a button that does not exist."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.answers.content import ContentError
from bot.events.content import When, load_events_content
from bot.events.library import EventsLibrary
from bot.events.schedule import days, span
from tests.conftest import ROOT

PARIS = ZoneInfo("Europe/Paris")
LANGS = ("fr", "en", "ar", "pt", "es")


def rule(**values: object) -> When:
    base: dict[str, object] = {
        "in_days": None,
        "every": None,
        "weeks": 1,
        "on": None,
        "start": "10:00",
        "end": "13:00",
    }
    base.update(values)
    return When(**base)  # type: ignore[arg-type]


def test_the_shipped_events_content_is_sample_data(whatson: EventsLibrary) -> None:
    content = whatson.content
    assert len(content.residences) >= 8 and content.popups and content.events and content.items
    assert all(p.sample for p in content.places.values())
    assert all(p.sample for p in content.popups) and all(e.sample for e in content.events)
    for name in ("places.yaml", "popups.yaml", "events.yaml"):
        head = (ROOT / "content" / "events" / name).read_text(encoding="utf-8")[:200]
        assert "SAMPLE DATA" in head
    kinds = {e.kind for e in content.events}
    assert {"museum", "heritage_tour", "workshop"} <= kinds
    cities = " ".join(p.city for p in content.residences)
    assert all(dep in cities for dep in ("93", "94", "95"))  # the three départements


def test_rules_give_dates_from_today_so_the_demo_never_runs_out() -> None:
    wednesday = date(2026, 11, 25)
    weekly = days(rule(every="saturday"), wednesday)
    assert weekly[0] == date(2026, 11, 28) and all(d.weekday() == 5 for d in weekly)
    every_other = days(rule(every="saturday", weeks=2), wednesday)
    assert {(b - a).days for a, b in pairwise(every_other)} == {14}
    # anchored on fixed weeks: a week later, the same Saturdays, not shifted ones
    assert set(days(rule(every="saturday", weeks=2), date(2026, 12, 2))) <= set(
        every_other + days(rule(every="saturday", weeks=2), date(2027, 1, 1))
    )
    first = days(rule(every="first saturday"), wednesday)
    assert first[:2] == [date(2026, 12, 5), date(2027, 1, 2)]
    assert days(rule(every="last saturday"), wednesday)[0] == date(2026, 11, 28)
    assert days(rule(in_days=3), wednesday) == [date(2026, 11, 28)]
    assert days(rule(on=date(2026, 11, 1)), wednesday) == []  # a fixed day gone by
    far = days(rule(every="wednesday"), date(2031, 6, 4))
    assert far and far[0] == date(2031, 6, 4)  # still dates years later


def test_local_hours_stay_local_across_daylight_saving() -> None:
    ten = rule(start="10:00", end="13:00")
    before, _ = span(date(2027, 3, 27), ten, PARIS)  # Saturday, winter time (UTC+1)
    after, end = span(date(2027, 3, 28), ten, PARIS)  # Sunday, summer time (UTC+2)
    assert before == datetime(2027, 3, 27, 9, 0, tzinfo=UTC)
    assert after == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    assert end == datetime(2027, 3, 28, 11, 0, tzinfo=UTC)
    late = span(date(2027, 1, 8), rule(start="22:00", end="01:00"), PARIS)
    assert late[1] - late[0] == timedelta(hours=3)  # ends the next night


def test_problems_are_named_by_file_entry_and_field(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    popups = content / "events" / "popups.yaml"
    data = yaml.safe_load(popups.read_text(encoding="utf-8"))
    data["popups"][0]["when"] = {"every": "caturday", "from": "25:00", "to": "13:00"}
    data["popups"][1]["at"] = "nowhere"
    data["popups"][2]["refuses"] = ["unicorns"]
    popups.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    events = content / "events" / "events.yaml"
    data = yaml.safe_load(events.read_text(encoding="utf-8"))
    del data["events"][0]["title"]["ar"]
    data["events"][1]["kind"] = "concert"
    events.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_events_content(content, LANGS)
    problems = "\n".join(caught.value.problems)
    assert "content/events/popups.yaml: popup tilleuls-saturday: when.every:" in problems
    assert "popup tilleuls-saturday: when.from:" in problems
    assert "popup landy-first-saturday: at: no residence or venue 'nowhere'" in problems
    assert "popup glycines-soon: no item 'unicorns'" in problems
    assert "event musee-objets-de-nos-vies: title.ar: missing translation" in problems
    assert "event balade-cite-jardin: kind:" in problems


def _catalog_strings(lang: str) -> set[str]:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {m.string for m in catalog if m.id and isinstance(m.string, str)}


QUOTED = re.compile(r"[«“\"]\s*([^»”\"]{2,60}?)\s*[»”\"]")


def test_no_answer_promises_a_menu_or_a_button_that_does_not_exist() -> None:
    """Quoted button names in the answers are the bot's real labels in that language, and
    no answer sends residents to a "Recycling" or "Events" menu (there never was one)."""
    data = yaml.safe_load(
        (ROOT / "content" / "entries" / "recycling_events.yaml").read_text(encoding="utf-8")
    )
    stale = re.compile(
        r"menu\s*[«\"“]\s*(Recyclage|Recycling|Reciclagem|Reciclaje|Événements|Events|Eventos)"
        r"|قائمة\s*«(إعادة التدوير|الفعاليات)",
        re.IGNORECASE,
    )
    checked = 0
    for lang in LANGS:
        labels = _catalog_strings(lang)
        for entry in data["entries"]:
            text = entry["text"][lang]
            for field in ("answer", "detail"):
                body = text.get(field) or ""
                assert not stale.search(body), (entry["id"], lang, field)
                for quoted in QUOTED.findall(body):
                    if quoted[0].isalnum() or quoted[0] in "'’":
                        continue  # a word in quotes, not a button (buttons start with an emoji)
                    assert quoted in labels, (entry["id"], lang, field, quoted)
                    checked += 1
    assert checked >= 40  # the answers do name the buttons, in every language
