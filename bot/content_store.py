"""The content store in the database: synced from content/ files, read back at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from bot.content import OUT_OF_SCOPE, ContentSet, Entry
from bot.db import Database
from bot.models import ContentRecord

META_KIND = "meta"
META_ID = "_meta"


@dataclass(frozen=True)
class SyncReport:
    added: int
    changed: int
    removed: int
    unchanged: int

    def __str__(self) -> str:
        return (
            f"{self.added} added, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged"
        )


async def sync_content(db: Database, content: ContentSet) -> SyncReport:
    """Make the database hold exactly `content`: idempotent, so it runs at every start-up."""
    added = changed = unchanged = 0
    wanted = {entry.id: (position, entry) for position, entry in enumerate(content.entries)}
    meta = {"default_contact": content.default_contact, "synonyms": content.synonyms}
    async with db.session() as session:
        existing = {row.id: row for row in await session.scalars(select(ContentRecord))}
        for entry_id, (position, entry) in wanted.items():
            checksum = entry.checksum()
            row = existing.get(entry_id)
            if row is None:
                session.add(
                    ContentRecord(
                        id=entry.id,
                        kind=entry.kind,
                        category=entry.category,
                        source=entry.source,
                        position=position,
                        checksum=checksum,
                        data=entry.to_data(),
                    )
                )
                added += 1
            elif row.checksum != checksum:
                row.kind, row.category, row.source = entry.kind, entry.category, entry.source
                row.position, row.checksum, row.data = position, checksum, entry.to_data()
                changed += 1
            else:
                row.position = position  # order only: the entry itself is unchanged
                unchanged += 1
        meta_row = existing.get(META_ID)
        if meta_row is None:
            session.add(
                ContentRecord(
                    id=META_ID,
                    kind=META_KIND,
                    category=META_KIND,
                    source=None,
                    position=-1,
                    checksum="",
                    data=meta,
                )
            )
        elif meta_row.data != meta:
            meta_row.data = meta
        gone = [i for i in existing if i not in wanted and i != META_ID]
        if gone:
            await session.execute(delete(ContentRecord).where(ContentRecord.id.in_(gone)))
    return SyncReport(added, changed, len(gone), unchanged)


async def load_content_from_db(db: Database) -> ContentSet | None:
    """None when the store was never synced (a fresh database)."""
    async with db.session() as session:
        rows = list(await session.scalars(select(ContentRecord).order_by(ContentRecord.position)))
    if not rows:
        return None
    content = ContentSet()
    for row in rows:
        if row.kind == META_KIND:
            content.default_contact = dict(row.data.get("default_contact") or {})
            content.synonyms = dict(row.data.get("synonyms") or {})
            continue
        kind = OUT_OF_SCOPE if row.kind == OUT_OF_SCOPE else "entry"
        content.entries.append(
            Entry(row.id, kind, row.category, row.source, Entry.texts_from_data(row.data))
        )
    return content
