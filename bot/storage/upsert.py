"""INSERT ... ON CONFLICT DO UPDATE on SQLite and PostgreSQL alike.

Several workers may write the same row: an upsert that sets only the columns a change is about
never overwrites what another worker wrote to the other columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def upsert(
    dialect: str,
    table: Table,
    values: Mapping[str, Any] | list[dict[str, Any]],
    *,
    key: Iterable[str],
    update: Iterable[str] | None = None,
) -> Insert:
    """Insert `values` (one row, or several); on a conflict on `key`, set only the `update`
    columns (none: do nothing)."""
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).values(values if isinstance(values, list) else dict(values))
    columns = list(update or ())
    if not columns:
        return stmt.on_conflict_do_nothing(index_elements=list(key))
    return stmt.on_conflict_do_update(
        index_elements=list(key), set_={name: stmt.excluded[name] for name in columns}
    )


def insert_new(dialect: str, table: Table, *, key: Iterable[str]) -> Insert:
    """INSERT ... ON CONFLICT (key) DO NOTHING, for executemany with a list of rows: compiled
    once, where `upsert` with thousands of rows compiles a statement as long."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(key))
