"""`residents-bot broadcast send|list|cancel` (a contract): the command line writes to the
database in its own process, the running assistant sends what it wrote."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.standin import BotAPIStandin
from tests.broadcasts.helpers import deliver, residents
from tests.conftest import PG_URL, ROOT, Harness

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="the command line's own SQLite file")


async def cli(database_url: str, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "broadcast",
        *args,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "ADMIN_IDS": ""},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_command_line_writes_and_the_running_bot_sends(
    harness: Harness, standin: BotAPIStandin, tmp_path: Path
) -> None:
    [amina] = await residents(harness, [2001], lang="ar", quiet_start=0, quiet_end=0)
    url = harness.db.url.replace("sqlite+aiosqlite:", "sqlite:")
    code, out, _ = await cli(
        url, "send", "--text", "Coupure d’eau <b>demain</b>", "--audience", "lang:ar"
    )
    assert code == 0 and "announcement 1 scheduled" in out and "1 resident(s)" in out
    code, _, err = await cli(url, "send", "--text", "<b>oops")
    assert code == 2 and "--text: <b> is never closed" in err
    code, _, err = await cli(url, "send", "--text", "x", "--at", "2020-01-01 10:00")
    assert code == 2 and "is in the past" in err
    code, _, err = await cli(url, "send", "--text", "x", "--audience", "residence:nowhere")
    assert code == 2 and "unknown residence 'nowhere'" in err
    code, out, _ = await cli(url, "send", "--text", "Plus tard", "--at", "2030-01-01 10:00")
    assert code == 0 and "2030-01-01 10:00 (Europe/Paris)" in out

    # The command line's clock is the real one: the running bot's moves on to it.
    harness.clock.now = datetime.now(UTC) + timedelta(seconds=1)
    await deliver(harness)  # the running bot's sweep
    assert [m["text"] for m in amina.messages] == ["Coupure d’eau demain"]
    code, out, _ = await cli(url, "list")
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [(line[0], line[1]) for line in lines] == [("2", "scheduled"), ("1", "done")]
    assert "sent=1" in lines[1][-1]
    code, out, _ = await cli(url, "cancel", "2")
    assert code == 0 and "announcement 2 cancelled" in out
    code, _, err = await cli(url, "cancel", "2")
    assert code == 2
