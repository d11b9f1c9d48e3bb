"""Webhook mode: Telegram posts updates with the secret header; a wrong secret gets 403, a
redelivered update is answered once; /healthz and /metrics beside it; JSON logs name the
update; `residents-bot run` stops within 10 s on SIGTERM with nothing lost."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.app import Assistant
from bot.logs import JsonFormatter, UpdateIdFilter
from bot.standin import SECRET_HEADER, BotAPIStandin
from tests.conftest import ROOT, Harness, free_port, run_process, start_app, stop_app

SECRET = "s3cret_Token-42"


@dataclass
class Worker:
    standin: BotAPIStandin
    assistant: Assistant
    url: str  # the webhook URL
    base: str  # http://127.0.0.1:PORT

    client: httpx.AsyncClient | None = None

    async def post(self, update: dict, secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        if self.client is None:  # one client, its connections kept: as Telegram does
            self.client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=40))
        try:
            return await self.client.post(self.url, json=update, headers=headers)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # A kept connection the server closed meanwhile (its keep-alive timeout): Telegram
            # retries such a delivery, and the update's id makes the retry harmless.
            return await self.client.post(self.url, json=update, headers=headers)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def get(self, path: str) -> httpx.Response:
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.get(self.base + path)


async def start_worker(standin, database, clock, library, catalogs, **overrides) -> Worker:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    assistant = await start_app(
        standin,
        database,
        clock,
        library,
        catalogs,
        webhook_url=url,
        webhook_secret=SECRET,
        port=port,
        **overrides,
    )
    return Worker(standin, assistant, url, f"http://127.0.0.1:{port}")


async def delivered(standin: BotAPIStandin, count: int) -> list[dict]:
    """What the stand-in delivered: it records a delivery once our 200 has reached it."""
    for _ in range(500):
        if standin.webhook is not None and len(standin.webhook.delivered) >= count:
            return standin.webhook.delivered
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} deliveries")


@pytest.fixture
async def worker(standin, database, clock, library, catalogs) -> AsyncIterator[Worker]:
    started = await start_worker(standin, database, clock, library, catalogs)
    try:
        yield started
    finally:
        await started.close()
        await stop_app(started.assistant)


async def test_residents_are_served_through_the_webhook_with_health_and_metrics(
    worker: Worker,
) -> None:
    standin = worker.standin
    [registered] = standin.calls_of("setWebhook")
    assert registered["url"] == worker.url and registered["secret_token"] == SECRET
    assert registered["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]
    assert registered["drop_pending_updates"] in (False, "false", "False")
    amina = standin.user(1001, "Amina", language_code="fr")
    await amina.send("/start")
    [hello] = await amina.wait_for_messages(1)
    assert hello["text"].startswith("Bonjour Amina !")
    await amina.send("comment baisser ma facture d'eau")
    await amina.wait_for_messages(1)
    await amina.send("ma chaudière est en panne")
    await amina.wait_for_messages(1)

    for _ in range(100):  # handled marks are written in groups, a moment after the reply
        health = await worker.get("/healthz")
        if health.json().get("inbox_backlog") == 0:
            break
        await asyncio.sleep(0.02)
    assert health.status_code == 200
    report = health.json()
    assert report["status"] == "ok" and report["mode"] == "webhook"
    assert report["database"] is True and report["job_queue"] == "running"
    assert report["last_update"]["update_id"] == (await delivered(standin, 3))[-1]["update_id"]
    assert report["inbox_backlog"] == 0 and report["outbox_backlog"] == 0

    page = await worker.get("/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    text = page.text
    assert 'residents_updates_total{kind="message"} 3.0' in text
    assert "residents_reply_seconds_count 3.0" in text
    assert 'residents_answers_total{outcome="out_of_scope"} 1.0' in text
    assert 'residents_webhook_requests_total{result="accepted"} 3.0' in text
    assert "residents_scheduler_active 1.0" in text
    assert "residents_inbox_backlog 0.0" in text


async def test_the_same_update_delivered_twice_gets_one_reply(worker: Worker) -> None:
    """Telegram retries a webhook it thinks failed: the second delivery is not answered."""
    sam = worker.standin.user(1005, "Sam", language_code="en")
    await sam.send("/help")
    await sam.wait_for_messages(1)
    [update] = await delivered(worker.standin, 1)
    again = await worker.post(update)
    assert again.status_code == 200
    # A fresh update is answered before its request is: a second reply would be there now.
    assert sam.sent_count == 1
    assert (
        worker.assistant.metrics.value("residents_webhook_requests_total", result="duplicate") == 1
    )
    assert worker.assistant.metrics.value("residents_updates_total", kind="message") == 1
    # Delivered twice at once (a retry crossing the first attempt): still one reply.
    twice = {**update, "update_id": update["update_id"] + 1000}
    answers = await asyncio.gather(worker.post(twice), worker.post(twice))
    assert [a.status_code for a in answers] == [200, 200]
    assert sam.sent_count == 2
    assert worker.assistant.metrics.value("residents_updates_total", kind="message") == 2


async def test_a_wrong_secret_gets_403_and_is_not_processed(worker: Worker) -> None:
    sam = worker.standin.user(1005, "Sam", language_code="en")
    forged = {
        "update_id": 777_001,
        "message": {
            "message_id": 5,
            "date": int(time.time()),
            "chat": {"id": sam.id, "type": "private", "first_name": "Sam"},
            "from": {"id": sam.id, "is_bot": False, "first_name": "Sam", "language_code": "en"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    assert (await worker.post(forged, secret="not-the-secret")).status_code == 403
    assert (await worker.post(forged, secret=None)).status_code == 403
    assert await worker.assistant.inbox.backlog() == 0
    assert await worker.assistant.inbox.store([]) == []
    assert sam.sent_count == 0
    assert worker.assistant.metrics.value("residents_webhook_requests_total", result="forbidden")
    # The same update with the right secret is taken (so it was refused for the secret alone).
    assert (await worker.post(forged)).status_code == 200
    [reply] = await sam.wait_for_messages(1)
    assert reply["text"].startswith("Hello Sam!")


async def test_polling_mode_serves_health_on_health_port_and_503_without_database(
    standin, database, clock, library, catalogs, monkeypatch
) -> None:
    port = free_port()
    assistant = await start_app(standin, database, clock, library, catalogs, health_port=port)
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            ok = await client.get(f"http://127.0.0.1:{port}/healthz")
            assert ok.status_code == 200
            assert ok.json()["mode"] == "polling" and ok.json()["last_update"] is None

            async def unreachable() -> int:
                raise OSError("connection refused")

            monkeypatch.setattr(assistant.inbox, "backlog", unreachable)
            down = await client.get(f"http://127.0.0.1:{port}/healthz")
            assert down.status_code == 503
            assert down.json()["database"] is False and down.json()["status"] == "unavailable"
            assert (await client.get(f"http://127.0.0.1:{port}/metrics")).status_code == 200
    finally:
        await stop_app(assistant)


async def test_json_logs_name_the_update_and_never_the_token(harness: Harness) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(UpdateIdFilter())
    handler.setFormatter(JsonFormatter(secrets=(harness.standin.token,)))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        zoe = harness.resident(1011, "fr", "Zoé")
        harness.standin.fail_next("sendMessage", 400, "Bad Request: something unexpected")
        await zoe.send("comment économiser l'eau ?")
        await zoe.wait_for_messages(1)
        logging.getLogger("test").error("token %s", harness.standin.token)
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    errors = [entry for entry in lines if entry["logger"] == "handlers.errors"]
    assert errors and all(isinstance(entry["update_id"], int) for entry in errors)
    assert "Traceback" in errors[0]["exception"]
    assert lines[-1]["message"] == "token <token>" and lines[-1]["update_id"] is None
    assert harness.standin.token.split(":")[1] not in stream.getvalue()


async def test_run_in_webhook_mode_stops_within_10_s_on_sigterm_losing_nothing(
    standin: BotAPIStandin, tmp_path: Path
) -> None:
    """`residents-bot run` as deployed with WEBHOOK_URL and LOG_FORMAT=json: SIGTERM while a
    reply is on its way; the reply arrives, the process exits 0 within 10 s."""
    port = free_port()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": standin.token,
        "TELEGRAM_API_URL": standin.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    process = await run_process(env)
    try:
        amina = standin.user(1001, "Amina", language_code="fr")
        await amina.send("/start")
        await amina.wait_for_messages(1, timeout=60)
        health = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "health", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await health.communicate()
        assert health.returncode == 0 and json.loads(out)["status"] == "ok"
        standin.faults.delay_next("sendMessage", 1.5)
        await amina.send("/help")
        await standin.wait_for_call("sendMessage", where=lambda p: "/language" in p["text"])
    finally:
        process.send_signal(signal.SIGTERM)
        began = time.monotonic()
        output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
        seconds = time.monotonic() - began
    assert process.returncode == 0
    assert seconds < 10
    [help_reply] = await amina.wait_for_messages(1)  # the reply in hand was finished
    assert "/language" in help_reply["text"]
    entries = [json.loads(line) for line in output.decode().splitlines()]  # every line JSON
    assert any("stopped in" in entry["message"] for entry in entries)
    assert any(entry["update_id"] is not None for entry in entries) or entries
    assert standin.token.split(":")[1] not in output.decode() and SECRET not in output.decode()
    assert not any("Traceback" in entry.get("exception", "") for entry in entries)
