"""CI's stand-in for `docker run`: the image's CMD and HEALTHCHECK, read from the Dockerfile,
run from a build made by deploy/build.sh, against the Bot API stand-in.

    VENV/bin/python deploy/smoke.py DOCKERFILE DATABASE_URL   (from the APP directory)

Webhook mode on DATABASE_URL (PostgreSQL in CI), then long polling on the image's default
SQLite database: start the CMD with the Dockerfile's ENV, wait for
the HEALTHCHECK command to pass, have a resident get an answer, then SIGTERM: the process must
exit 0 within 10 s, every log line JSON, no traceback, no token.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path

from bot.standin import BotAPIStandin


def dockerfile(path: Path) -> tuple[dict[str, str], list[str], list[str]]:
    """The ENV values, the HEALTHCHECK command and the CMD, as the Dockerfile says them."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    env: dict[str, str] = {}
    health: list[str] = []
    cmd: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("ENV "):
            env.update(re.findall(r"(\w+)=(\S+)", line[4:]))
        elif line.startswith("HEALTHCHECK "):
            health = json.loads(line.split(" CMD ", 1)[1])
        elif line.startswith("CMD "):
            cmd = json.loads(line[4:])
    env.pop("PATH", None)
    return env, health, cmd


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def check_mode(
    mode: str, docker_env: dict[str, str], health: list[str], cmd: list[str], database_url: str
) -> None:
    bin_dir = Path(sys.executable).parent
    async with BotAPIStandin() as standin:
        port = free_port()
        env = {
            **os.environ,
            **docker_env,
            "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
            "PORT": str(port),
            "HEALTH_PORT": str(port),
            "TELEGRAM_BOT_TOKEN": standin.token,
            "TELEGRAM_API_URL": standin.base_url,
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        if mode == "webhook":
            env.update(WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram", WEBHOOK_SECRET="ci-secret")
        process = await asyncio.create_subprocess_exec(
            *cmd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                probe = await asyncio.create_subprocess_exec(
                    *health,
                    env=env,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.DEVNULL,
                )
                out, _ = await probe.communicate()
                if probe.returncode == 0:
                    report = json.loads(out)
                    break
                if time.monotonic() > deadline or process.returncode is not None:
                    raise SystemExit(f"{mode}: the HEALTHCHECK never passed")
                await asyncio.sleep(0.3)
            assert report["status"] == "ok" and report["mode"] == mode, report
            resident = standin.user(1001, "Amina", language_code="fr")
            await resident.send("comment baisser ma facture d'eau")
            [reply] = await resident.wait_for_messages(1, timeout=30)
            assert reply["text"], reply
        finally:
            process.send_signal(signal.SIGTERM)
            began = time.monotonic()
            output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
            seconds = time.monotonic() - began
        log = output.decode()
        assert process.returncode == 0, f"{mode}: exit {process.returncode}\n{log}"
        assert seconds < 10, f"{mode}: took {seconds:.1f} s to stop"
        for line in log.splitlines():
            entry = json.loads(line)  # LOG_FORMAT=json: every line
            assert "Traceback" not in entry.get("exception", ""), line
        assert standin.token.split(":")[1] not in log
        print(f"{mode}: healthy, answered, stopped in {seconds:.1f} s")


async def main(dockerfile_path: str, database_url: str) -> None:
    docker_env, health, cmd = dockerfile(Path(dockerfile_path))
    assert health and cmd, "the Dockerfile needs a HEALTHCHECK CMD and a CMD"
    await check_mode("webhook", docker_env, health, cmd, database_url)
    await check_mode("polling", docker_env, health, cmd, "")  # the default: SQLite in var/


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""))
