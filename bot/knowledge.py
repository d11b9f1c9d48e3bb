"""Where a process gets its content: validated files, mirrored in the database."""

from __future__ import annotations

from pathlib import Path

from bot.content import ContentSet, load_content
from bot.content_store import SyncReport, load_content_from_db, sync_content
from bot.db import Database


async def publish(db: Database, content_dir: Path, languages: tuple[str, ...]) -> SyncReport:
    """Validate the files (ContentError lists every problem) and sync them into the database."""
    return await sync_content(db, load_content(content_dir, languages))


async def content_for(db: Database, content_dir: Path, languages: tuple[str, ...]) -> ContentSet:
    """The database's content, loading the files first when the database has none."""
    content = await load_content_from_db(db)
    if content is None:
        await publish(db, content_dir, languages)
        content = await load_content_from_db(db)
    assert content is not None
    return content
