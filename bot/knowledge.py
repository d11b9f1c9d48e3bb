"""Where a process gets its content: validated files, mirrored in the database."""

from __future__ import annotations

from pathlib import Path

from bot.content import ContentSet, load_content
from bot.content_store import load_content_from_db, sync_content
from bot.db import Database


async def content_for(db: Database, content_dir: Path, languages: tuple[str, ...]) -> ContentSet:
    """The database's content, loading the files first when the database has none."""
    stored = await load_content_from_db(db)
    if stored is not None:
        return stored
    content = load_content(content_dir, languages)  # ContentError lists every problem
    await sync_content(db, content)
    return content
