"""Apply Alembic migrations from code: `run` does it at start-up, `db upgrade` explicitly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config


def _root() -> Path:
    """Beside the code in a checkout (pip install -e .); else the working directory, where an
    installed copy keeps alembic.ini and migrations/ (the container image does)."""
    beside = Path(__file__).resolve().parents[2]
    return beside if (beside / "alembic.ini").is_file() else Path.cwd()


ROOT = _root()


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Blocking: call it before the event loop starts, or through asyncio.to_thread."""
    from bot.storage.database import ensure_sqlite_dir

    ensure_sqlite_dir(database_url)
    command.upgrade(alembic_config(database_url), revision)
