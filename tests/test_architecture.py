"""Imports flow one way: handlers -> bot domain services -> storage (import-linter contracts in
pyproject.toml). The contracts are shown to hold on the code, and to fail on planted violations,
so a check that cannot fail is noticed."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = (
    "import sys; from importlinter.cli import lint_imports_command; "
    "sys.exit(lint_imports_command())"
)


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache", "--no-logo"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("arch")
    for package in ("bot", "handlers"):
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_code_keeps_every_contract(copy_of_the_code: Path) -> None:
    result = lint_imports(copy_of_the_code)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("where", "line", "contract"),
    [
        ("handlers/planted.py", "import sqlalchemy", "never to storage"),
        ("handlers/planted.py", "from bot.storage.database import Database", "never to storage"),
        ("handlers/planted.py", "from bot.residents.models import Resident", "never to storage"),
        ("bot/answers/planted.py", "import telegram", "know nothing of Telegram"),
        ("bot/events/planted.py", "from telegram import Bot", "know nothing of Telegram"),
        ("bot/residents/planted.py", "from handlers import menu", "know nothing of Telegram"),
        ("bot/storage/planted.py", "from bot.residents import service", "nothing above it"),
        ("bot/telegram/planted.py", "import handlers.menu", "Only the assembly"),
    ],
)
def test_a_planted_violation_breaks_its_contract(
    copy_of_the_code: Path, where: str, line: str, contract: str
) -> None:
    planted = copy_of_the_code / where
    planted.write_text(line + "\n", encoding="utf-8")
    try:
        result = lint_imports(copy_of_the_code)
    finally:
        planted.unlink()
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    assert any(contract in row for row in broken), result.stdout


SESSION_METHODS = {"session", "reading", "execute", "scalars", "scalar"}


def offending_calls(source: str) -> list[str]:
    """Database work and reaching into a service's private parts, in a handler's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and (
            node.attr in SESSION_METHODS
            or (node.attr.startswith("_") and not node.attr.startswith("__") and node.attr != "_")
        ):
            found.append(node.attr)
    return found


def test_handlers_open_no_database_session() -> None:
    for path in (ROOT / "handlers").glob("*.py"):
        assert not offending_calls(path.read_text(encoding="utf-8")), path.name
    planted = (
        "async def h(update, context):\n"
        "    async with context.services.residents._db.session():\n"
        "        pass\n"
    )
    assert offending_calls(planted) == ["session", "_db"]
