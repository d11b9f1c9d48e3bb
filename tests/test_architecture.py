"""Imports flow one way: handlers -> bot domain services -> storage."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STORAGE = {"bot.db", "bot.models", "bot.migrate"}
# Telegram-side infrastructure kept in bot/ because the app assembly and chat mode use it.
TELEGRAM_INFRA = {"bot.persistence", "bot.ordering", "bot.ratelimit", "bot.standin"}
ASSEMBLY = {"bot.app", "bot.cli", "bot.chat", "bot.__main__"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def modules(package: str) -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in (ROOT / package).rglob("*.py")}


def starts(name: str, prefixes: set[str] | tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_domain_services_know_nothing_of_telegram_or_handlers() -> None:
    for name, imported in modules("bot").items():
        if name in ASSEMBLY or starts(name, TELEGRAM_INFRA):
            continue
        bad = {i for i in imported if starts(i, ("telegram", "handlers"))}
        assert not bad, f"{name} imports {bad}"


def test_storage_imports_no_domain_service() -> None:
    for name, imported in modules("bot").items():
        if name not in STORAGE:
            continue
        bad = {i for i in imported if i.startswith("bot.") and i not in STORAGE}
        bad -= {"bot.config"}  # the migration env may read DATABASE_URL
        assert not bad, f"{name} imports {bad}"


def test_handlers_go_through_services_not_storage() -> None:
    for name, imported in modules("handlers").items():
        bad = {i for i in imported if starts(i, tuple(STORAGE | ASSEMBLY))}
        assert not bad, f"{name} imports {bad}"


def test_only_assembly_knows_handlers() -> None:
    for name, imported in modules("bot").items():
        if name in ASSEMBLY:
            continue
        bad = {i for i in imported if starts(i, ("handlers",))}
        assert not bad, f"{name} imports {bad}"
