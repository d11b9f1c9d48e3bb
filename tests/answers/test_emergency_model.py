"""The emergency model reads what no pattern knows, after the patterns and never against their
except idioms; it is fitted once per content version and read back from its cache; a broken
emergency_messages.yaml is reported with file, message and field."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.answers.answering import EMERGENCY
from bot.answers.ask import to_text
from bot.answers.content import ContentError, load_content
from bot.answers.emergencies import EmergencyDetector, EmergencySet
from bot.answers.emergency_model import NONE, STALE, EmergencyModel, Verdict
from bot.answers.library import Library
from bot.answers.models import QuestionLog
from tests.answers.test_content import copy_content
from tests.answers.test_emergencies import LANGS, assert_emergency_reply, text_of
from tests.conftest import ADMIN_ID, ROOT, Harness

# Said with no word a pattern knows: a husband who locks her in and took her phone, a father
# who fell and cannot move his arm.
UNSEEN = [
    ("my husband locks me in the flat and took my phone", "en", "domestic-violence"),
    ("o meu pai caiu no chão e não consegue mexer o braço esquerdo", "pt", "medical"),
]


@pytest.mark.parametrize(("text", "lang", "kind"), UNSEEN)
def test_the_model_recognises_what_no_pattern_knows(
    library: Library, text: str, lang: str, kind: str
) -> None:
    answerer = library.answerer
    patterns = EmergencyDetector(answerer.content.emergencies or EmergencySet())
    assert patterns.match(text) is None
    alarm = answerer.emergencies.match(text)
    assert alarm is not None and alarm.emergency.id == kind
    assert alarm.trigger.startswith("model ")
    answer = answerer.answer(text)
    assert answer.decision == EMERGENCY and answer.lang == lang


async def test_a_resident_gets_the_numbers_for_what_only_the_model_recognised(
    harness: Harness,
) -> None:
    resident = harness.resident(1001, "pt")
    await resident.send(UNSEEN[1][0])
    [reply] = await resident.wait_for_messages(1)
    assert_emergency_reply(reply, ["15"])


class Sure:
    """A model that always says suicide: what the detector does with its verdict."""

    def verdict(self, text: str) -> Verdict:
        return Verdict("suicide", 0.99)


def test_the_model_speaks_only_after_the_patterns_and_never_against_an_except(
    library: Library,
) -> None:
    emergencies = library.answerer.content.emergencies
    assert emergencies is not None
    detector = EmergencyDetector(emergencies, Sure())  # type: ignore[arg-type]
    alarm = detector.match("mon fils a bu de la javel")
    assert alarm is not None and alarm.emergency.id == "poisoning"  # the pattern's
    silenced = detector.match("j'ai envie de mourir de rire")  # an except idiom
    assert silenced is None
    alone = detector.match("bonjour")
    assert alone is not None and alone.emergency.id == "suicide" and alone.trigger == "model 0.99"


class Half:
    """A model half sure of a gas leak, whatever the message."""

    def __init__(self, probability: float) -> None:
        self.probability = probability

    def verdict(self, text: str) -> Verdict:
        return Verdict("gas", self.probability)


def test_a_half_suspected_kind_is_a_concern_not_an_alarm(library: Library) -> None:
    emergencies = library.answerer.content.emergencies
    assert emergencies is not None
    for probability, alarm, concern in ((0.3, None, None), (0.6, None, "gas"), (0.9, "gas", None)):
        detector = EmergencyDetector(emergencies, Half(probability))  # type: ignore[arg-type]
        found, suspected = detector.assess("comment baisser ma facture d'eau")
        assert (found.emergency.id if found else None) == alarm
        assert (suspected.id if suspected else None) == concern


async def test_a_concern_puts_the_first_number_above_the_usual_answer(
    harness: Harness, monkeypatch
) -> None:
    """In the resident's language, the number in bold, then the answer and its buttons."""
    monkeypatch.setattr(harness.services.answers.answerer.emergencies, "model", Half(0.6))
    for lang, text, words in (
        ("fr", "comment baisser ma facture d'eau", "En danger, vous ou quelqu’un près de vous ?"),
        ("es", "cómo bajar la factura del agua", "¿En peligro, usted o alguien cerca de usted?"),
    ):
        resident = harness.resident(1001 if lang == "fr" else 1002, lang)
        await resident.send(text)
        [reply] = await resident.wait_for_messages(1)
        first, rest = reply["text"].split("\n\n", 1)
        assert first.startswith("🆘 ") and words in first and "0 800 47 33 33" in first
        bolds = [
            text_of(reply["text"], e) for e in reply.get("entities", []) if e["type"] == "bold"
        ]
        assert "0 800 47 33 33" in bolds  # the number itself, in bold
        assert "🆘" not in rest and len(rest) > 40  # the usual answer follows
        data = [
            b.get("callback_data", "")
            for row in reply["reply_markup"]["inline_keyboard"]
            for b in row
        ]
        assert len(data) > 1  # its buttons too, not the emergency reply's menu alone


async def test_a_concern_shows_its_number_on_a_question_about_the_pop_up_shop_too(
    harness: Harness, monkeypatch
) -> None:
    """A question that would get the live pop-up listing gets the usual card instead, with the
    number above it: the listing has no place for it."""
    monkeypatch.setattr(harness.services.answers.answerer.emergencies, "model", Half(0.6))
    resident = harness.resident(1001, "en")
    await resident.send("when is the next pop-up shop?")
    [reply] = await resident.wait_for_messages(1)
    first, rest = reply["text"].split("\n\n", 1)
    assert first.startswith("🆘 ") and "0 800 47 33 33" in first
    assert "🆘" not in rest and len(rest) > 40


async def test_staff_see_in_gaps_the_messages_that_got_a_number_above_their_answer(
    harness: Harness, monkeypatch
) -> None:
    """Logged with the suspected kind, and listed apart from the alarms, in staff's language."""
    monkeypatch.setattr(harness.services.answers.answerer.emergencies, "model", Half(0.6))
    resident = harness.resident(1001, "fr")
    await resident.send("comment baisser ma facture d'eau")
    await resident.wait_for_messages(1)
    async with harness.db.reading() as session:
        [row] = (await session.execute(select(QuestionLog))).scalars().all()
    assert row.concern == "gas" and not row.top_entry_id.startswith("emergency:")
    staff = harness.resident(ADMIN_ID, "en", "Staff")
    await staff.send("/gaps")
    [gaps] = await staff.wait_for_messages(1)
    assert "Emergency numbers given" not in gaps["text"]  # no alarm was raised
    block = gaps["text"].split("A number shown above the answer (unsure), last 7 days")[1]
    assert "comment baisser ma facture d" in block and "×1" in block


def test_ask_shows_a_concern_as_residents_get_it(library: Library, catalogs, monkeypatch) -> None:
    monkeypatch.setattr(library.answerer.emergencies, "model", Half(0.6))
    answer = library.answerer.answer("comment baisser ma facture d'eau")
    text = to_text(answer, library.answerer, catalogs)
    first, rest = text.split("\n\n", 1)
    assert first.startswith("En danger, vous ou quelqu’un près de vous ? Appelez le 0 800 47 33 33")
    assert rest.strip()


EXAMPLES = [
    *[(f"my son swallowed a {thing}", "poisoning") for thing in ("battery", "magnet", "pill")],
    *[(f"mon fils a avalé une {thing}", "poisoning") for thing in ("pile", "bille", "pilule")],
    *[(f"how do I lower my {thing} bill", NONE) for thing in ("water", "gas", "power")],
    *[
        (f"comment baisser ma facture d'{thing}", NONE)
        for thing in ("eau", "électricité", "énergie")
    ],
]


def test_the_fitted_model_is_kept_and_read_back(tmp_path: Path, monkeypatch, caplog) -> None:
    first = EmergencyModel.fitted(EXAMPLES, tmp_path)
    [cached] = tmp_path.glob("emergency-model-*.bin")

    def no_fit(cls, examples):  # the second start must not fit again
        raise AssertionError("fitted again")

    monkeypatch.setattr(EmergencyModel, "_fit", classmethod(no_fit))
    again = EmergencyModel.fitted(EXAMPLES, tmp_path)
    for text in ("my daughter swallowed a battery", "how do I lower my bill"):
        assert again.verdict(text) == first.verdict(text)
    monkeypatch.undo()
    cached.write_bytes(b"torn")
    with caplog.at_level(logging.WARNING):
        refitted = EmergencyModel.fitted(EXAMPLES, tmp_path)
    assert "unreadable" in caplog.text
    assert refitted.verdict("my son swallowed a magnet") == first.verdict(
        "my son swallowed a magnet"
    )
    stale = tmp_path / "emergency-model-0123456789abcdef01234567.bin"
    stale.write_bytes(b"a model of content edited long ago")
    os.utime(stale, (time.time() - STALE - 60,) * 2)
    changed = EmergencyModel.fitted([*EXAMPLES, ("my son drank bleach", "poisoning")], tmp_path)
    assert changed is not None and not stale.exists()  # a week old: deleted
    assert len(list(tmp_path.glob("emergency-model-*.bin"))) == 2  # the recent one stays


def test_a_broken_messages_file_is_reported_with_file_message_and_field(tmp_path: Path) -> None:
    target = copy_content(tmp_path)
    path = target / "emergency_messages.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["messages"][0]["kind"] = "flood"
    data["messages"][1]["lang"] = "de"
    data["messages"][2]["q"] = ""
    data["messages"][3]["sorce"] = "https://example.org"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(target, LANGS)
    text = "\n".join(caught.value.problems)
    name = "content/emergency_messages.yaml"
    assert f"{name}: message 1: kind: 'flood' is no emergency's id (or null)" in text
    assert f"{name}: message 2: lang: no catalog for 'de' in locales/" in text
    assert f"{name}: message 3: q: String should have at least 1 character" in text
    assert f"{name}: message 4: sorce: unknown field (check its spelling)" in text
    path.unlink()
    with pytest.raises(ContentError, match=f"{name}: missing"):
        load_content(target, LANGS)


def test_the_fit_runs_apart_and_leaves_the_bot_lean(tmp_path: Path) -> None:
    """scikit-learn is loaded by the child process that fits, never by the one that asks."""
    code = (
        "import sys; from pathlib import Path; "
        "from bot.answers.emergency_model import EmergencyModel; "
        "from tests.answers.test_emergency_model import EXAMPLES; "
        f"m = EmergencyModel.fitted(EXAMPLES, Path({str(tmp_path)!r})); "
        "print(m.verdict('my son swallowed a battery').kind, 'sklearn' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["poisoning", "False"]
    assert len(list(tmp_path.glob("emergency-model-*.bin"))) == 1
    assert not list(tmp_path.glob("*.json"))  # the examples handed to the child are gone
