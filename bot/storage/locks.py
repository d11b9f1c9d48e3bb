"""PostgreSQL advisory locks: what keeps several processes on one database from stepping on
each other. SQLite serves one process, so none of this applies there.

- Migrations run in one transaction that first takes `pg_advisory_xact_lock(APP, MIGRATIONS)`
  (migrations/env.py): the `release` step and every `run` may start together; the first
  migrates, the others wait, then find nothing to do.
- Each process holds, on a connection of its own (ProcessLocks), a session-level lock
  (WORKERS, its worker id) for its lifetime: its presence. The inbox records which worker took
  each update; an update whose worker no longer holds its lock (killed, machine gone) is
  adopted by a live one (bot.telegram.inbox). PostgreSQL drops a session's locks when the
  session ends, however the process ended.
- The one process that runs the scheduled jobs holds (APP, SCHEDULER) on that same connection
  (bot.telegram.scheduler); the others keep serving updates and try again now and then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

# Two-key advisory locks: (namespace, key). The namespaces are arbitrary, chosen not to meet
# another application's locks on a shared server.
APP = 73_050_001
WORKERS = 73_050_002
MIGRATIONS = 1
SCHEDULER = 2
ADOPTION = 3

# The worker ids whose processes are alive (they hold their presence lock), as a subquery.
LIVE_WORKERS = (
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted"
    f" AND classid = {WORKERS} AND objsubid = 2"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL (postgresql+asyncpg://...) as a plain DSN asyncpg connects with."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def new_worker_id() -> int:
    return random.randint(1, 2**31 - 1)


class ProcessLocks:
    """This process's advisory locks, held on a dedicated connection (not the pool's: a pooled
    connection goes back to others with its session locks still held)."""

    def __init__(self, url: str, worker_id: int | None = None, *, timeout: float = 10.0) -> None:
        self._dsn = asyncpg_dsn(url)
        self.worker_id = worker_id or new_worker_id()
        self._timeout = timeout
        self._conn: asyncpg.Connection | None = None
        self._guard = asyncio.Lock()
        self.held: set[int] = set()  # APP keys held besides the presence lock

    async def open(self) -> None:
        """Connect and take the presence lock (another id if this one is taken)."""
        async with self._guard:
            await self._connect()

    async def _connect(self) -> None:
        self._conn = await asyncpg.connect(self._dsn, timeout=self._timeout)
        self.held.clear()
        while not await self._conn.fetchval(
            "SELECT pg_try_advisory_lock($1, $2)", WORKERS, self.worker_id
        ):
            self.worker_id = new_worker_id()  # taken: ids are random, a clash is rare

    async def alive(self) -> bool:
        """Whether the connection (and so every lock on it) is still there. When it was lost,
        reconnects and takes the presence lock again; the APP locks are gone (False)."""
        async with self._guard:
            if self._conn is not None and not self._conn.is_closed():
                try:
                    await self._conn.fetchval("SELECT 1", timeout=self._timeout)
                    return True
                except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                    log.warning("lost the lock connection (%s): reconnecting", exc)
                    self._conn.terminate()
            self.held.clear()
            with contextlib.suppress(OSError, asyncpg.PostgresError, TimeoutError):
                await self._connect()
            return False

    async def try_lock(self, key: int) -> bool:
        async with self._guard:
            if key in self.held:
                return True
            if self._conn is None or self._conn.is_closed():
                return False
            try:
                got = await self._conn.fetchval(
                    "SELECT pg_try_advisory_lock($1, $2)", APP, key, timeout=self._timeout
                )
            except (OSError, asyncpg.PostgresError, TimeoutError):
                return False
            if got:
                self.held.add(key)
            return bool(got)

    async def unlock(self, key: int) -> None:
        async with self._guard:
            if key not in self.held or self._conn is None or self._conn.is_closed():
                self.held.discard(key)
                return
            self.held.discard(key)
            with contextlib.suppress(OSError, asyncpg.PostgresError, TimeoutError):
                await self._conn.fetchval(
                    "SELECT pg_advisory_unlock($1, $2)", APP, key, timeout=self._timeout
                )

    async def close(self) -> None:
        """Ends the session: PostgreSQL releases every lock on it at once."""
        async with self._guard:
            self.held.clear()
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._conn.close(), self._timeout)
                self._conn = None
