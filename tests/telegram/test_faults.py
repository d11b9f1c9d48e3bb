"""Telegram misbehaves, residents lose nothing: crashes, 5xx, dropped connections, timeouts,
flood limits."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from pathlib import Path

from bot.standin import BotAPIStandin
from tests.conftest import Harness, run_process, start_app, stop_app

SORRY = "Sorry, something went wrong"


async def test_a_5xx_on_the_reply_is_retried_and_the_answer_arrives(harness: Harness) -> None:
    sam = harness.resident(1005, "en", "Sam")
    harness.standin.faults.fail_next("sendMessage", 502)
    await sam.send("/start")
    [reply] = await sam.wait_for_messages(1, timeout=10)
    assert reply["text"].startswith("Hello Sam!")
    assert harness.standin.faults.count(method="sendMessage", code=502) == 1


async def test_a_dropped_connection_is_retried(harness: Harness) -> None:
    sam = harness.resident(1005, "en", "Sam")
    harness.standin.faults.drop_next("sendMessage", delivered=False)
    await sam.send("/help")
    [reply] = await sam.wait_for_messages(1, timeout=10)
    assert "/language" in reply["text"]


async def test_a_timeout_is_never_followed_by_an_apology(
    standin: BotAPIStandin, database, clock, library, catalogs, caplog
) -> None:
    """Telegram delivered the answer but replied too late: the resident has their answer,
    and must not get "sorry, something went wrong" after it, nor the answer twice."""
    assistant = await start_app(standin, database, clock, library, catalogs, telegram_timeout=0.5)
    try:
        sam = standin.user(1005, "Sam", language_code="en")
        standin.faults.delay_next("sendMessage", 1.5)
        with caplog.at_level(logging.WARNING):
            await sam.send("/start")
            [reply] = await sam.wait_for_messages(1, timeout=10)
            await sam.send("/help")
            [after] = await sam.wait_for_messages(1, timeout=10)
        assert reply["text"].startswith("Hello Sam!")
        assert "/language" in after["text"]  # the next reply, not an apology or a repeat
        assert not any(SORRY in m.get("text", "") for m in sam.inbox)
        assert any("may have arrived" in r.getMessage() for r in caplog.records)
    finally:
        await stop_app(assistant)


async def test_a_flood_limit_wait_does_not_hold_up_other_residents(
    standin: BotAPIStandin, database, clock, library, catalogs
) -> None:
    """One worker only: Sam's reply waits out a 429, Lina's goes through meanwhile."""
    assistant = await start_app(
        standin, database, clock, library, catalogs, max_concurrent_updates=1
    )
    try:
        sam = standin.user(1005, "Sam", language_code="en")
        lina = standin.user(1007, "Lina", language_code="es")
        standin.faults.fail_next("sendMessage", 429, retry_after=2)
        started = time.monotonic()
        await sam.send("/start")
        await standin.wait_for_call("sendMessage")  # Sam's reply met the flood limit
        await lina.send("/start")
        [hola] = await lina.wait_for_messages(1, timeout=10)
        lina_seconds = time.monotonic() - started
        [hello] = await sam.wait_for_messages(1, timeout=10)
        assert hola["text"].startswith("¡Hola, Lina!") and hello["text"].startswith("Hello Sam!")
        assert lina_seconds < 1.5  # not behind Sam's 2 s wait
        assert time.monotonic() - started >= 2
    finally:
        await stop_app(assistant)


async def run_bot(standin: BotAPIStandin, database_file: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": standin.token,
        "TELEGRAM_API_URL": standin.base_url,
        "DATABASE_URL": f"sqlite:///{database_file}",
        "LOG_LEVEL": "INFO",
    }
    return await run_process(env, log=False)


async def test_killed_with_questions_queued_nothing_is_lost(
    standin: BotAPIStandin, tmp_path: Path
) -> None:
    """SIGKILL while residents' questions wait: after a restart each is answered, once
    (give or take the few being answered at the moment of the kill)."""
    residents = [standin.user(3000 + n, f"R{n}", language_code="fr") for n in range(40)]
    for resident in residents:
        await resident.send("comment régler le chauffage la nuit")
    database_file = tmp_path / "crash.sqlite3"
    first = await run_bot(standin, database_file)
    try:
        await residents[0].wait_for_messages(1, timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    answered_before = sum(1 for r in residents if r.sent_count)
    assert answered_before < len(residents)  # the kill came with questions still waiting
    second = await run_bot(standin, database_file)
    try:
        for resident in residents:
            await resident.wait_for_messages(1, timeout=60)
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    counts = [r.sent_count for r in residents]
    assert all(count >= 1 for count in counts)
    # Only updates in hand at the moment of the kill may be answered twice.
    assert sum(counts) - len(residents) <= 4


async def test_logs_name_the_update_never_the_person_or_the_text(harness: Harness, caplog) -> None:
    zoe = harness.standin.user(1011, "Zorglub", language_code="fr", username="zorglub_93")
    harness.standin.fail_next("sendMessage", 400, "Bad Request: something unexpected")
    with caplog.at_level(logging.INFO):
        await zoe.send("mon code secret est 4242, comment économiser l'eau ?")
        [apology] = await zoe.wait_for_messages(1)
    assert "Désolé" in apology["text"]
    text = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
    )
    assert "(message)" in text and "update " in text
    for private in ("Zorglub", "zorglub_93", "secret", "4242"):
        assert private not in text, private
