"""The command line: `ask` (a contract for other tooling), config errors, content check."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from bot.answers.ask import run_ask, to_json
from bot.cli import main
from bot.config import ConfigError, load_settings
from tests.conftest import ROOT, make_settings


@pytest.fixture
def fresh_db(tmp_path: Path) -> str:
    """`ask` must not need a database: this one is never created."""
    return f"sqlite+aiosqlite:///{tmp_path / 'never' / 'fresh.sqlite3'}"


def ask_json(library, question: str, lang: str | None = None) -> dict:
    """What `ask --json` prints, from the session's content (run_ask itself is run below)."""
    return json.loads(
        json.dumps(to_json(library.answerer.answer(question, lang), library.default_locale))
    )


def test_ask_json_follows_the_contract_on_a_fresh_database(fresh_db, capsys) -> None:
    settings = make_settings(database_url=fresh_db)
    args = Namespace(question="cmt baisser ma facture d'eau", lang=None, json=True, jsonl=False)
    assert run_ask(settings, args) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"question", "lang", "out_of_scope", "decision", "results"}
    assert result["decision"] in ("answer", "unsure")
    assert result["question"] == "cmt baisser ma facture d'eau"
    assert result["lang"] == "fr" and result["out_of_scope"] is False
    first = result["results"][0]
    assert set(first) == {"id", "category", "title", "score"}
    assert first["category"].startswith("water.")
    # Best first, then the best of each other subject before a subject's second card.
    scores = [r["score"] for r in result["results"]]
    assert scores[0] == max(scores)
    seen = [r["category"] for r in result["results"]]
    firsts = [i for i, category in enumerate(seen) if category not in seen[:i]]
    assert firsts == list(range(len(firsts)))
    assert [scores[i] for i in firsts] == sorted((scores[i] for i in firsts), reverse=True)


def test_ask_answers_from_the_files_as_they_are_now(tmp_path: Path, capsys) -> None:
    """One source of truth: an edit that passes `content check` shows at once in `ask`."""
    import shutil

    from tests.answers.test_content import edit_title

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    settings = make_settings(content_dir=content)
    args = Namespace(question="cmt baisser ma facture d'eau", lang="fr", json=True, jsonl=False)
    assert run_ask(settings, args) == 0
    first = json.loads(capsys.readouterr().out)["results"][0]
    edit_title(content, first["id"], "fr", "Titre modifié par l'équipe")
    assert run_ask(settings, args) == 0
    assert (
        json.loads(capsys.readouterr().out)["results"][0]["title"] == "Titre modifié par l'équipe"
    )
    assert not (tmp_path / "never").exists()


def test_ask_answers_in_the_question_language_and_flags_out_of_scope(library) -> None:
    arabic = ask_json(library, "هل مية الحنفية صالحة للشرب؟", "fr")
    assert arabic["lang"] == "ar" and arabic["results"][0]["category"] == "water.drinking"
    rent = ask_json(library, "je n'arrive pas à payer mon loyer")
    assert rent["out_of_scope"] is True
    assert rent["decision"] == "out_of_scope" and rent["topic"] == "rent-payment"


def test_ask_jsonl_reads_many_questions_in_one_process(fresh_db, capsys) -> None:
    settings = make_settings(database_url=fresh_db)
    lines = io.StringIO(
        "how do I bleed a radiator\n"
        '{"q": "onde fica a ressourcerie?", "lang": "pt"}\n'
        "\n"
        '{"q": "ok", "lang": "es"}\n'
    )
    args = Namespace(question=None, lang=None, json=False, jsonl=True)
    assert run_ask(settings, args, stdin=lines) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(results) == 3
    assert results[0]["lang"] == "en" and results[0]["results"]
    assert results[1]["lang"] == "pt"
    assert results[1]["results"][0]["category"].startswith("recycling.")


def test_ask_plain_text_prints_the_answer(fresh_db, capsys) -> None:
    settings = make_settings(database_url=fresh_db)
    args = Namespace(question="water heater temperature", lang="en", json=False, jsonl=False)
    assert run_ask(settings, args) == 0
    out = capsys.readouterr().out
    assert "55" in out and "Source: https://" in out


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, **env},
        timeout=120,
    )


def test_a_wrong_setting_stops_with_one_line_naming_the_variable() -> None:
    result = run_cli("run", TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    assert result.stderr.strip() == "residents-bot: TIMEZONE: unknown time zone 'Mars/Olympus'"
    result = run_cli("run", ADMIN_IDS="12,abc")
    assert result.returncode == 2 and "ADMIN_IDS" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("run", TELEGRAM_BOT_TOKEN="")
    assert result.returncode == 2 and "TELEGRAM_BOT_TOKEN" in result.stderr


@pytest.mark.parametrize(
    ("variables", "line"),
    [
        (
            {"WEBHOOK_URL": "https://bot.example.org/telegram"},
            "WEBHOOK_SECRET: required when WEBHOOK_URL is set",
        ),
        (
            {"WEBHOOK_URL": "https://bot.example.org/t", "WEBHOOK_SECRET": "has spaces"},
            "WEBHOOK_SECRET: must be 1 to 256 characters among A-Z a-z 0-9 _ -",
        ),
        (
            {"WEBHOOK_URL": "https://bot.example.org/t", "WEBHOOK_SECRET": "a" * 257},
            "WEBHOOK_SECRET: must be 1 to 256",
        ),
        ({"WEBHOOK_URL": "bot.example.org"}, "WEBHOOK_URL: must be the public https:// URL"),
        ({"PORT": "http"}, "PORT: "),
        ({"HEALTH_PORT": "70000"}, "HEALTH_PORT: "),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT: "),
    ],
)
def test_webhook_and_deployment_settings_fail_in_one_line(variables, line) -> None:
    with pytest.raises(ConfigError) as failure:
        load_settings(_env_file=None, **variables)
    message = str(failure.value)
    assert message.startswith(line) and "\n" not in message


def test_deployment_settings_are_read() -> None:
    settings = load_settings(
        _env_file=None,
        WEBHOOK_URL="https://bot.example.org/telegram/hook",
        WEBHOOK_SECRET="Ab-9_" * 10,
        PORT="5000",
        HEALTH_PORT="",
        LOG_FORMAT="JSON",
    )
    assert settings.webhook_path == "/telegram/hook" and settings.port == 5000
    assert settings.health_port is None and settings.log_format == "json"
    assert settings.webhook_secret in settings.secrets()


def test_content_check_from_the_command_line(tmp_path: Path) -> None:
    ok = run_cli("content", "check")
    assert ok.returncode == 0 and "content is valid" in ok.stdout
    from tests.answers.test_content import broken_copy

    broken = run_cli("content", "check", CONTENT_DIR=str(broken_copy(tmp_path)))
    assert broken.returncode == 1
    assert "entry shower-five-minutes: text.ar.title" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_content_check_lists_what_is_not_translated_as_warnings(tmp_path: Path) -> None:
    from tests.answers.test_content import tiny_content

    result = run_cli("content", "check", CONTENT_DIR=str(tiny_content(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert (
        "  warning: content/entries/tiny.yaml: entry tiny-entry: not translated into ar, en, es, pt"
        in result.stdout
    )
    assert "content/out_of_scope.yaml: default_contact: not translated into" in result.stdout
    assert "content is valid" in result.stdout and "warning(s) above" in result.stdout


def test_main_without_arguments_shows_usage(capsys) -> None:
    with pytest.raises(SystemExit):
        main([])
    assert "usage" in capsys.readouterr().err


def test_chat_lets_a_newcomer_talk_to_the_bot_in_the_terminal(tmp_path: Path) -> None:
    """Piped input: each line is answered, and the chat ends with the input."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--lang", "es", "--name", "Lina"],
        input="¿cómo ahorrar agua en la ducha?\n1\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.sqlite3'}"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "¡Bienvenido!" in result.stdout  # a newcomer: onboarding first
    assert "ducha" in result.stdout.lower()
    assert "[1]" in result.stdout and "Traceback" not in result.stderr
    assert "you: ¿cómo ahorrar agua en la ducha?" in result.stdout


def test_a_real_word_is_not_corrected_into_another(library) -> None:
    """ "etage" (floor) is one letter from "stage" (internship): it must not route to jobs."""
    result = ask_json(library, "j'habite au 3e etage, comment baisser le chauffage", "fr")
    assert result.get("topic") != "jobs-training"
    assert result["results"][0]["category"] == "energy.heating"


@pytest.mark.parametrize(
    ("question", "category"),
    [
        ("kifach nqtasd f lma", "water.bills_meter"),  # how do I save water
        ("kifach nwfer f dow", "energy.bills"),  # how do I save electricity
        ("bghit nlouh hwayj", "recycling.sorting"),  # I want to throw clothes away
    ],
)
def test_arabizi_everyday_verbs_are_understood(library, question: str, category: str) -> None:
    """Arabic typed in Latin letters: the verbs (save, throw away...) read as Arabic ones."""
    result = ask_json(library, question, "ar")
    assert result["decision"] != "out_of_scope"
    assert result["results"][0]["category"] == category


def test_american_bins_are_bins(library) -> None:
    """A "recycling cart" is the wheeled bin, not the "carte" of an ID-papers contact."""
    result = ask_json(library, "What items can I place in my recycling cart?", "en")
    assert result["decision"] != "out_of_scope"
    assert result["results"][0]["category"] == "recycling.sorting"
