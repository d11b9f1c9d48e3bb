"""Emergencies come before anything else: recognised in five languages (dialects and Arabizi
included), answered first and alone with the right numbers and what to do now; everyday
questions that share the words get their normal answers; a broken emergencies.yaml is reported
with file, entry and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.answers.answering import EMERGENCY, Answerer
from bot.answers.content import ContentError, load_content
from bot.answers.emergencies import (
    DEFAULT_GAP,
    EmergencyDetector,
    EmergencySet,
    PatternError,
    parse_pattern,
)
from bot.answers.library import Library
from bot.answers.models import QuestionLog
from tests.conftest import ADMIN_ID, ROOT, Harness

LANGS = ("fr", "en", "ar", "pt", "es")
DATA = ROOT / "bench" / "data"


@pytest.fixture(scope="module")
def detector(library: Library) -> EmergencyDetector:
    return library.answerer.emergencies


def kinds(detector: EmergencyDetector, text: str) -> list[str]:
    alarm = detector.match(text)
    return [alarm.emergency.id, *(e.id for e in alarm.others)] if alarm else []


def buttons(message: dict) -> list[dict]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


# The audit's failures, and more wordings: casual, dialect, Arabizi, typos.
EMERGENCIES = [
    ("mon fils a bu de la javel", "poisoning"),
    ("mon fils a bu de l'eau de javel", "poisoning"),
    ("my child drank bleach", "poisoning"),
    ("ولدي شرب جافيل", "poisoning"),
    ("weldi chreb javel", "poisoning"),
    ("mi hijo se tomó lejía", "poisoning"),
    ("o meu filho bebeu lixívia", "poisoning"),
    ("I don't want to live anymore", "suicide"),
    ("i want to kill myself", "suicide"),
    ("jveux plus vivre", "suicide"),
    ("بغيت نموت", "suicide"),
    ("عايز اموت", "suicide"),
    ("بدي موت حالي", "suicide"),
    ("bghit nmout", "suicide"),
    ("weldi tah men chorfa", "medical"),  # Arabizi: my son fell from the balcony
    ("بنتي سقطت من البلكونة", "medical"),
    ("عندي جار كيضرب مراتو كل ليلة", "domestic-violence"),  # a neighbour beats his wife
    ("jari kaydreb mrato", "domestic-violence"),
    ("quero morrer", "suicide"),
    ("não aguento mais viver", "suicide"),
    ("me quiero matar", "suicide"),
    ("C'est quoi le 3114 ?", "suicide"),
    ("je veux mourir, j'ai froid et personne ne m'aide", "suicide"),  # "except" is an idiom
    ("mon mari me frappe", "domestic-violence"),
    ("جوزي بيضربني", "domestic-violence"),
    ("راجلي كيضربني", "domestic-violence"),
    ("rajli kaydrbni", "domestic-violence"),
    ("meu marido me bate", "domestic-violence"),
    ("mi marido me pega", "domestic-violence"),
    ("ça sent le gaz dans la cuisine", "gas"),
    ("ريحة الغاز", "gas"),
    ("ri7t lgaz f dar", "gas"),
    ("cheiro de gás", "gas"),
    ("huele a gas", "gas"),
    ("I smell gas inside my house", "gas"),
    ("il y a le feu dans mon appartement", "fire"),
    ("my kitchen is on fire", "fire"),
    ("le détecteur de monoxyde sonne", "carbon-monoxide"),
    ("mon père ne respire plus", "medical"),
    ("le voisin frappe son fils tous les jours", "child-danger"),
    ("un homme armé dans le hall", "danger"),
    ("I can't take it anymore, tonight I'll end everything", "suicide"),
    ("j'en peux plus de cette vie, demain je serai plus là", "suicide"),
    ("mon petit a mis dans sa bouche une capsule de lessive, il tousse", "poisoning"),
]

# Everyday questions that share the words: no alarm.
NEAR_MISSES = [
    "comment baisser ma facture de gaz",
    "le gaz est-il moins cher que l'électricité ?",
    "comment nettoyer sans javel",
    "la javel tue les moisissures ?",
    "on boit du chlore avec l'eau du robinet ?",
    "mon fils a bu la tasse à la piscine",
    "mon fils a bu trop de soda",
    "sécurité incendie du chauffage d'appoint",
    "le chauffage d'appoint, en quoi est-ce dangereux ?",
    "je meurs de froid dans mon appart",
    "j'ai envie de mourir de rire",
    "on crève de chaud",
    "ce froid va me tuer",
    "my heating is killing me",
    "this bill is killing me",
    "I'm dying to visit the museum",
    "is gas cheaper than electric?",
    "where do I take old medicine?",
    "mon mari me tape sur les nerfs avec le chauffage",
    "mon mari frappe à la porte quand il oublie ses clés",
    "بغيت نموت عليك يا ماما",
    "فاتورة الضو قتلاتني",
    "كيفاش ننظف بلا جافيل",
    "المي من الحنفية هون بتنشرب؟ طعمها فيه كلور",
    "estou morrendo de frio em casa",
    "essa conta vai me matar",
    "me muero de frío en casa",
    "esta factura me va a matar",
    "¿la lejía quita el moho?",
]


@pytest.mark.parametrize(("text", "kind"), EMERGENCIES)
def test_emergencies_are_recognised_in_every_language(
    detector: EmergencyDetector, text: str, kind: str
) -> None:
    assert kind in kinds(detector, text)


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_everyday_questions_sharing_the_words_raise_no_alarm(
    detector: EmergencyDetector, text: str
) -> None:
    assert kinds(detector, text) == []


def test_the_messages_learnt_from_and_the_real_dev_questions(
    detector: EmergencyDetector, library: Library
) -> None:
    """content/emergency_messages.yaml: those written with the patterns, every emergency of
    the right kind and no near miss; the real ones (with a `source`: the real-world set's dev
    half), nearly every emergency. A few real ones say it with no telling word ("te vas
    quedando…", "someone asks if the gas is on and I say no") or carry a debatable kind (an
    unconscious woman in the bath: carbon monoxide or medical?): requiring them all would be
    learning them by heart. The real dev set's everyday lines (content/resident_questions.yaml):
    no pattern raises an alarm, the model very few (it is not fitted on them)."""
    rows = yaml.safe_load((ROOT / "content" / "emergency_messages.yaml").read_text())["messages"]
    written = [r for r in rows if not r.get("source")]
    missed = [r["q"] for r in written if r["kind"] and r["kind"] not in kinds(detector, r["q"])]
    false = [r["q"] for r in rows if not r["kind"] and kinds(detector, r["q"])]
    assert missed == [] and false == []
    real = [r for r in rows if r.get("source") and r["kind"]]
    alarmed = [r for r in real if kinds(detector, r["q"])]
    right = [r for r in real if r["kind"] in kinds(detector, r["q"])]
    assert len(real) > 200
    assert len(alarmed) >= 0.92 * len(real)
    assert len(right) >= 0.88 * len(real)
    # The dev half's emergencies are learnt from, above; its other lines are in the content.
    dev = [asked.q for asked in library.answerer.content.asked]
    assert len(dev) > 900
    patterns = EmergencyDetector(library.answerer.content.emergencies or EmergencySet())
    assert [q for q in dev if kinds(patterns, q)] == []
    assert len([q for q in dev if kinds(detector, q)]) <= 0.01 * len(dev)


def test_the_contents_own_example_questions_raise_no_alarm(
    detector: EmergencyDetector, library: Library
) -> None:
    """Thousands of everyday phrasings in five languages. Only a smell of gas and water running
    by a light raise one: the repairs contact and the leak card used to answer them, the advice
    to cut the power (or leave, and call GRDF) now comes first."""
    content = library.answerer.content
    raised = {
        (kinds(detector, q)[0], q)
        for entry in content.entries
        for text in entry.texts.values()
        for q in (*text.questions, text.title)
        if kinds(detector, q)
    }
    assert {kind for kind, _ in raised} <= {"gas", "electricity"}, raised
    assert {q for kind, q in raised if kind == "electricity"} == {
        "l'eau coule pres de la lampe au plafond c dangereux ?",
        "sale agua cerca de la lampara del techo, es peligroso?",
    }


def test_several_kinds_in_one_message_come_in_order_of_priority(
    detector: EmergencyDetector,
) -> None:
    alarm = detector.match("mon mari me frappe et j'ai envie de mourir")
    assert alarm is not None
    assert alarm.emergency.id == "suicide"
    assert [e.id for e in alarm.others] == ["domestic-violence"]
    # Beaten in front of the children is violence against the speaker, not a child in danger.
    assert kinds(detector, "mon mari me frappe devant les enfants") == ["domestic-violence"]


def test_the_reply_language_follows_the_message(library: Library) -> None:
    answerer: Answerer = library.answerer
    cases = [
        ("mon fils a bu de la javel", "en", "fr"),
        ("my child drank bleach", "fr", "en"),
        ("quero morrer", "fr", "pt"),  # short: the detector hesitates with Spanish
        ("bghit nmout", "fr", "ar"),  # Arabizi: the Arabic patterns found it
        ("جوزي بيضربني", "fr", "ar"),
        ("3114", "es", "es"),  # no words to tell: the resident's language
    ]
    for text, resident, expected in cases:
        answer = answerer.answer(text, resident)
        assert answer.decision == EMERGENCY, text
        assert answer.out_of_scope and answer.results == [] and answer.topic is None
        assert answer.lang == expected, text


def test_matching_is_fast(detector: EmergencyDetector) -> None:
    import time

    texts = [text for text, _ in EMERGENCIES] + NEAR_MISSES
    for text in texts:
        detector.match(text)  # a running bot has met these words before
    runs = []
    for _ in range(3):  # the best of three: a busy machine slows one run, not the detector
        start = time.perf_counter()
        for _ in range(10):
            for text in texts:
                detector.match(text)
        runs.append((time.perf_counter() - start) / (10 * len(texts)))
    assert min(runs) < 0.001  # measured about 0.05 ms; a loose bound for slow CI machines


def test_ask_says_emergency_with_the_kind(library: Library, catalogs) -> None:
    """The `ask` contract (run_ask itself is exercised in tests/test_cli.py)."""
    from bot.answers.ask import to_json, to_text

    answer = library.answerer.answer("mon fils a bu de la javel", "fr")
    result = json.loads(json.dumps(to_json(answer, "fr")))
    assert result["decision"] == "emergency" and result["topic"] == "poisoning"
    assert result["out_of_scope"] is True and result["results"] == []
    assert {"question", "lang", "out_of_scope", "decision", "topic", "results"} == set(result)
    text = to_text(answer, library.answerer, catalogs)
    assert "01 40 05 48 48" in text and "Ne faites pas vomir" in text


def test_a_reload_with_a_broken_emergencies_file_keeps_the_previous_one(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    library = Library(target, LANGS, "fr")
    path = target / "emergencies.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('number: "3114"', 'number: "31 1 4x"'))
    with pytest.raises(ContentError, match="number suicide-line"):
        library.reload()
    assert library.answerer.answer("je veux mourir").decision == EMERGENCY


# --- the pattern syntax ------------------------------------------------------------------------


def test_patterns_compile_phrases_wildcards_and_gaps() -> None:
    [pattern] = parse_pattern("bu|avalé javel*")
    first, second = pattern.parts
    assert first.exact == {"bu", "avale"} and second.prefixes == ("javel",)
    assert second.gap == DEFAULT_GAP
    variants = parse_pattern("bu eau+de+javel|chlore")
    assert sorted(len(v.parts) for v in variants) == [2, 4]
    assert all(v.source == "bu eau+de+javel|chlore" for v in variants)
    [wide] = parse_pattern("mari .. frappe")
    assert wide.parts[1].gap > DEFAULT_GAP


def test_a_word_set_stands_for_its_alternatives_wherever_a_line_names_it() -> None:
    sets = {"swallowed": "bu|avale", "product": "eau+de+javel|medicament*"}
    variants = parse_pattern("enfant? @swallowed|gobe @product", sets=sets)
    assert {frozenset(v.parts[1].exact) for v in variants} == {frozenset({"bu", "avale", "gobe"})}
    assert sorted(len(v.parts) for v in variants) == [3, 5]
    with pytest.raises(PatternError, match="no word set '@poison'"):
        parse_pattern("bu @poison", sets=sets)
    with pytest.raises(PatternError, match="not a word set's name"):
        parse_pattern("bu @Poison!", sets=sets)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "empty"),
        ("bu ||javel", "empty"),
        ("bu l'eau", "not one word"),
        ("ja*vel", "only at the start or end"),
        ("*a", "too short"),
        (".. javel", "between two parts"),
        ("de?", "required"),
    ],
)
def test_a_bad_pattern_says_what_to_fix(line: str, message: str) -> None:
    with pytest.raises(PatternError, match=message):
        parse_pattern(line)


# --- content check ---------------------------------------------------------------------------


def broken_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    path = target / "emergencies.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["numbers"][0]["number"] = "15a"
    gas = next(e for e in data["emergencies"] if e["id"] == "gas")
    gas["numbers"].append("grdf")
    gas["triggers"]["fr"].insert(0, "odeur ja*vel")
    del gas["text"]["ar"]
    gas["text"]["pt"]["tilte"] = gas["text"]["pt"].pop("title")
    suicide = next(e for e in data["emergencies"] if e["id"] == "suicide")
    suicide["text"]["en"]["now"] = "Call the helpline."
    suicide["sources"] = ["3114.fr"]
    data["words"] = {"fr": {"poison": "javel|ja*vel", "Mots": "a", "vide": ""}, "xx": {"a": "b"}}
    suicide["triggers"]["fr"].append("bu @poisson")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def test_a_broken_emergencies_file_is_reported_with_file_entry_and_field(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        load_content(broken_copy(tmp_path), LANGS)
    text = "\n".join(caught.value.problems)
    assert "content/emergencies.yaml: number samu: number: String should match" in text
    assert "content/emergencies.yaml: emergency gas: numbers.3: unknown number 'grdf'" in text
    assert "emergency gas: triggers.fr.1: 'odeur ja*vel': '*' goes only at the start" in text
    # A language other than French missing is a warning: a language being added is not refused.
    assert "emergency gas: text.ar: not translated yet" in "\n".join(caught.value.warnings)
    assert "emergency gas: text.pt.tilte: unknown field" in text
    assert "emergency suicide: text.en.now: does not give 3114, its first number" in text
    assert "emergency suicide: sources: Value error" not in text
    assert "emergency suicide: sources: '3114.fr' must be the https:// address" in text
    assert "content/emergencies.yaml: words.fr.poison: 'javel|ja*vel': '*' goes only" in text
    assert "words.fr.Mots: a name is lowercase letters, digits and '-'" in text
    assert "words.fr.vide: alternatives joined by '|', with no spaces" in text
    assert "words.xx: no catalog for this language in locales/" in text
    assert "emergency suicide: triggers.fr." in text and "no word set '@poisson'" in text


def test_content_check_reports_a_broken_emergencies_file(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    from bot.cli import main

    monkeypatch.setenv("CONTENT_DIR", str(broken_copy(tmp_path)))
    assert main(["content", "check"]) == 1
    assert "content/emergencies.yaml: emergency gas: text.ar" in capsys.readouterr().err


def test_a_missing_emergencies_file_is_a_problem(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    (target / "emergencies.yaml").unlink()
    with pytest.raises(ContentError, match=r"content/emergencies.yaml: missing"):
        load_content(target, LANGS)


# --- end to end through Telegram -------------------------------------------------------------


async def logged(harness: Harness) -> list[QuestionLog]:
    async with harness.db.session() as session:
        return list(await session.scalars(select(QuestionLog)))


def assert_emergency_reply(reply: dict, numbers: list[str]) -> None:
    """First and alone: the numbers in bold, no card, no other answers, no vote."""
    text = reply["text"]
    assert text.startswith("🆘")
    bolds = [
        text_of(text, e) for e in reply.get("entities", []) if e["type"] == "bold"
    ]  # the numbers are bold
    for number in numbers:
        assert number in bolds, (number, bolds)
    data = [b.get("callback_data", "") for b in buttons(reply)]
    assert data == ["h"], data  # the main menu only
    assert not any(b.get("url") for b in buttons(reply))


def text_of(text: str, entity: dict) -> str:
    utf16 = text.encode("utf-16-le")
    start, length = entity["offset"] * 2, entity["length"] * 2
    return utf16[start : start + length].decode("utf-16-le")


@pytest.mark.parametrize(
    ("lang", "text", "numbers", "words"),
    [
        ("fr", "mon fils a bu de la javel", ["15", "01 40 05 48 48"], "Ne faites pas vomir"),
        ("en", "i want to kill myself", ["3114", "15"], "not alone"),
        ("fr", "بغيت نموت", ["3114", "15"], "3114"),
        ("ar", "جوزي بيضربني", ["17", "114", "3919"], "114"),
        ("pt", "meu marido me bate", ["17", "114", "3919"], "Não pode falar"),
        ("es", "huele a gas en la cocina", ["0 800 47 33 33", "18"], "No toque interruptores"),
    ],
)
async def test_an_emergency_gets_the_numbers_first_and_alone(
    harness: Harness, lang: str, text: str, numbers: list[str], words: str
) -> None:
    resident = harness.resident(1001, lang)
    await resident.send(text)
    [reply] = await resident.wait_for_messages(1)
    assert_emergency_reply(reply, numbers)
    assert words in reply["text"]
    [row] = await logged(harness)
    assert row.top_entry_id.startswith("emergency:")
    assert row.out_of_scope and row.confident and row.results == []


async def test_near_misses_get_their_normal_answers(harness: Harness) -> None:
    resident = harness.resident(1001, "fr")
    for text in ("comment baisser ma facture de gaz", "comment nettoyer la moisissure sans javel"):
        await resident.send(text)
        [reply] = await resident.wait_for_messages(1)
        assert not reply["text"].startswith("🆘"), text
        assert buttons(reply) and any(b.get("callback_data") != "h" for b in buttons(reply))
    english = harness.resident(1002, "en")
    await english.send("my heating is killing me, how do I lower the bill?")
    [reply] = await english.wait_for_messages(1)
    assert "🆘" not in reply["text"]
    rows = await logged(harness)
    assert not any((r.top_entry_id or "").startswith("emergency:") for r in rows)


async def test_staff_see_in_gaps_that_emergency_numbers_were_given(harness: Harness) -> None:
    resident = harness.resident(1001, "fr")
    await resident.send("ça sent le gaz dans l'escalier, appelez moi au 06 12 34 56 78")
    await resident.wait_for_messages(1)
    staff = harness.resident(ADMIN_ID, "fr", "Staff")
    await staff.send("/gaps")
    [gaps] = await staff.wait_for_messages(1)
    assert "Numéros d’urgence donnés" in gaps["text"]
    assert "Odeur de gaz" in gaps["text"] and "escalier" in gaps["text"]
    assert "06 12" not in gaps["text"]  # phone numbers are scrubbed before the log
