"""Several processes on one PostgreSQL database: webhook workers behind one URL lose no update
and send no reply twice; one scheduler runs, the other stands by and takes over; what a
vanished worker left is adopted once; migrations started together do not race.
PostgreSQL only (RESIDENTS_TEST_DATABASE_URL): SQLite serves one process."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING
from sqlalchemy import func, select, text

from bot.standin import BotAPIStandin
from bot.storage.database import Database
from bot.storage.locks import asyncpg_dsn
from bot.telegram.inbox import InboxUpdate
from tests.conftest import PG_URL, ROOT, stop_app
from tests.telegram.test_webhook import Worker, start_worker

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="PostgreSQL only: set RESIDENTS_TEST_DATABASE_URL"
)


@pytest.fixture
async def second_db(database: Database) -> AsyncIterator[Database]:
    """The same database through another engine, as a second process has."""
    other = Database(database.url)
    try:
        yield other
    finally:
        await other.dispose()


async def take_update(standin: BotAPIStandin, sent: dict) -> dict:
    """The update the stand-in made of a message, taken out of its queue (we deliver it)."""
    for update in list(standin.updates.pending):
        message = update.get("message") or {}
        if (message.get("message_id"), message.get("chat", {}).get("id")) == (
            sent["message_id"],
            sent["chat"]["id"],
        ):
            standin.updates.pending.remove(update)
            return update
    raise AssertionError("no such update pending")


MESSAGES = ["/help", "comment baisser ma facture d'eau", "/nothing", "ma chaudière est en panne"]


async def test_two_webhook_workers_share_1000_updates_no_loss_no_double_reply(
    standin, database, second_db, clock, library, catalogs
) -> None:
    """50 residents x 20 messages, spread over two workers as a load balancer would, some
    delivered twice (at once to both workers, or again later): each message gets exactly one
    reply, in order."""
    a = await start_worker(standin, database, clock, library, catalogs)
    b = await start_worker(standin, second_db, clock, library, catalogs)
    workers = [a, b]
    try:
        await a.assistant.application.bot.delete_webhook()  # we deliver, to both
        residents = [standin.user(20_000 + n, f"R{n}", language_code="fr") for n in range(50)]
        redelivered = 0

        async def resident(number: int) -> None:
            nonlocal redelivered
            user = residents[number]
            for i in range(20):
                update = await take_update(standin, await user.send(MESSAGES[i % 4]))
                first, other = workers[(number + i) % 2], workers[(number + i + 1) % 2]
                if i % 7 == 3:  # the same update to both workers at once
                    answers = await asyncio.gather(first.post(update), other.post(update))
                    redelivered += 1
                else:
                    answers = [await first.post(update)]
                if i % 11 == 5:  # a retry after the first delivery was answered
                    answers.append(await other.post(update))
                    redelivered += 1
                assert all(answer.status_code == 200 for answer in answers)

        await asyncio.gather(*(resident(n) for n in range(len(residents))))
        for user in residents:
            replies = [m["text"] for m in user.inbox]
            assert len(replies) == 20, (user.id, len(replies))
            assert all("/language" in replies[i] for i in range(0, 20, 4))
            assert all("/nothing" in replies[i] for i in range(2, 20, 4))
        accepted = sum(
            w.assistant.metrics.value("residents_webhook_requests_total", result="accepted")
            for w in workers
        )
        duplicates = sum(
            w.assistant.metrics.value("residents_webhook_requests_total", result="duplicate")
            for w in workers
        )
        assert accepted == 1000 and duplicates == redelivered
        assert all(
            w.assistant.metrics.value("residents_webhook_requests_total", result="accepted") > 300
            for w in workers
        )
        assert await a.assistant.inbox.backlog() == 0
    finally:
        for worker in workers:
            await worker.close()
        await stop_app(b.assistant)
        await stop_app(a.assistant)


async def test_a_second_scheduler_stays_idle_and_takes_over_when_the_first_stops(
    standin, database, second_db, clock, library, catalogs
) -> None:
    a = await start_worker(standin, database, clock, library, catalogs, scheduler_retry=0.1)
    b = await start_worker(standin, second_db, clock, library, catalogs, scheduler_retry=0.1)
    runs = {"a": 0, "b": 0}

    def counter(name: str):
        async def job(_context) -> None:
            runs[name] += 1

        return job

    try:
        for name, worker in (("a", a), ("b", b)):
            worker.assistant.application.job_queue.run_repeating(counter(name), 0.05, first=0)
        await asyncio.sleep(0.5)
        assert runs["a"] >= 3 and runs["b"] == 0  # b's scheduler stays idle
        assert a.assistant.application.job_queue.scheduler.state == STATE_RUNNING
        assert b.assistant.application.job_queue.scheduler.state == STATE_PAUSED
        standby = (await b.get("/healthz")).json()
        assert standby["status"] == "ok" and standby["job_queue"] == "standby"
        assert b.assistant.metrics.value("residents_scheduler_active") == 0

        await stop_app(a.assistant)  # a redeploy: the lock is given up at once
        for _ in range(100):
            if b.assistant.scheduler.active:
                break
            await asyncio.sleep(0.05)
        assert b.assistant.scheduler.active
        before = runs["b"]
        await asyncio.sleep(0.3)
        assert runs["b"] > before
        assert (await b.get("/healthz")).json()["job_queue"] == "running"
    finally:
        await stop_app(b.assistant)
        if a.assistant.health.serving:
            await stop_app(a.assistant)


def fake_update(update_id: int, user_id: int) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "pt"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def test_what_a_vanished_worker_left_is_adopted_once_a_live_one_is_left_alone(
    standin, database, second_db, clock, library, catalogs
) -> None:
    a: Worker = await start_worker(standin, database, clock, library, catalogs)
    ana, rui = standin.user(30_001, "Ana", language_code="pt"), standin.user(30_002, "Rui")
    now = datetime.now(UTC)
    async with database.session() as session:
        # Stored by a worker that is gone (no presence lock), and by `a`, still handling it.
        session.add(
            InboxUpdate(
                update_id=900_001, payload=fake_update(900_001, ana.id), received_at=now, worker=7
            )
        )
        session.add(
            InboxUpdate(
                update_id=900_002,
                payload=fake_update(900_002, rui.id),
                received_at=now,
                worker=a.assistant.inbox.worker,
            )
        )
    b = await start_worker(standin, second_db, clock, library, catalogs)
    try:
        [reply] = await ana.wait_for_messages(1, timeout=15)
        assert "/language" in reply["text"]
        assert await b.assistant.inbox.adopt() == []  # nothing left to adopt
        assert rui.sent_count == 0

        async def unhandled() -> int:
            async with database.reading() as session:
                return await session.scalar(
                    select(func.count())
                    .select_from(InboxUpdate)
                    .where(InboxUpdate.handled_at.is_(None))
                )

        # Ana's update is marked handled just after her reply is sent: give that commit time.
        deadline = asyncio.get_running_loop().time() + 10
        while await unhandled() != 1 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        async with database.reading() as session:
            owner = await session.scalar(
                select(InboxUpdate.worker).where(InboxUpdate.update_id == 900_002)
            )
        assert owner == a.assistant.inbox.worker and await unhandled() == 1
        assert ana.sent_count == 1
    finally:
        await stop_app(b.assistant)
        await stop_app(a.assistant)


async def test_migrations_started_together_do_not_race() -> None:
    """The `release` step and several `run`s upgrading one fresh database at the same time."""
    assert PG_URL is not None
    name = f"race_{uuid.uuid4().hex[:10]}"
    admin_dsn = asyncpg_dsn(PG_URL).rsplit("/", 1)[0] + "/postgres"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        env = {**os.environ, "DATABASE_URL": url}
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "db",
                "upgrade",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(3)
        ]
        outputs = [(await p.communicate())[0].decode() for p in processes]
        assert [p.returncode for p in processes] == [0, 0, 0], outputs
        db = Database(url)
        try:
            async with db.reading() as session:
                versions = (
                    await session.execute(text("SELECT version_num FROM alembic_version"))
                ).all()
        finally:
            await db.dispose()
        assert len(versions) == 1
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
