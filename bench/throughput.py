"""Throughput and latency of the whole assistant, next to a bare python-telegram-bot echo bot.

The Telegram side (the Bot API stand-in and 50 simulated residents) runs in a child process,
as Telegram runs on other machines: the bot under test has its own core, like in production,
and talks to the stand-in over HTTP on 127.0.0.1. Each resident sends 20 messages (commands
and questions in five languages), waiting for each reply before the next, all at once.

Two phases per bot, in the same run for both bots:
- saturation: no pause between a reply and the next message; replies per second is the
  capacity (latency there is mostly queueing: 50 residents waiting on one process);
- paced: each resident pauses 0.5 to 1.5 s (fixed seed) before the next message, as people
  type; p50/p95 there is the reply latency residents feel at about 50 messages a second.
Then residents who send bursts must get their replies in order.

--webhook runs the same load in webhook mode: the stand-in POSTs each update to the bot (with
the secret header, one update of a chat at a time, as Telegram does); the floor is then the
echo bot behind PTB's documented custom webhook (a Starlette app feeding its update queue).
Run: python -m bench.throughput [--residents 50] [--messages 20] [--webhook]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.app import build_application, build_assistant, start, stop
from bot.config import Settings
from bot.standin import SECRET_HEADER, BotAPIStandin, SimUser
from bot.storage.migrate import upgrade
from bot.telegram.ordering import PerChatUpdateProcessor
from bot.web import WebServer

SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


MESSAGES = [
    "/start",
    "cmt baisser ma facture d'eau",
    "/help",
    "how do i know if my toilet is leaking",
    "هل ماء الحنفية صالح للشرب؟",
    "como poupar água no duche",
    "¿qué puedo llevar a la tienda de reciclaje?",
    "/language",
    "à combien régler le chauffage la nuit",
    "ma chaudière est en panne",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def drive(
    standin: BotAPIStandin, residents: int, messages: int, *, paced: bool = False, base: int = 0
) -> dict[str, float]:
    """Closed loop: every resident sends, waits for the reply, (pauses,) sends the next."""
    latencies: list[float] = []
    pauses = random.Random(7)

    async def resident(number: int) -> None:
        user = standin.user(base + number, f"R{number}", language_code="fr")
        for i in range(messages):
            start = time.perf_counter()
            await user.send(MESSAGES[(number + i) % len(MESSAGES)])
            await user.wait_for_messages(1, timeout=30)
            latencies.append(time.perf_counter() - start)
            if paced:
                await asyncio.sleep(pauses.uniform(0.5, 1.5))

    start = time.perf_counter()
    await asyncio.gather(*(resident(n) for n in range(residents)))
    elapsed = time.perf_counter() - start
    return {
        "replies": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
    }


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(update.effective_message.text or "?")


async def with_echo_bot(
    standin: Any, run: Callable[[], Awaitable[Any]], webhook: bool = False
) -> Any:
    """The floor: PTB's own polling (or PTB's documented custom webhook: a Starlette app that
    checks the secret and feeds the update queue), the same concurrency and per-chat ordering
    as ours."""
    workers = Settings(_env_file=None).max_concurrent_updates  # type: ignore[call-arg]
    builder = (
        ApplicationBuilder()
        .token(standin.token)
        .base_url(f"{standin.base_url}/bot")
        .base_file_url(f"{standin.base_url}/file/bot")
        .concurrent_updates(PerChatUpdateProcessor(workers))
        .connection_pool_size(workers + 4)
    )
    if webhook:
        builder = builder.updater(None)
    application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
    application.add_handler(MessageHandler(filters.ALL, echo))
    await application.initialize()
    await application.start()
    server = None
    if webhook:

        async def receive(request: Request) -> Response:
            if request.headers.get(SECRET_HEADER) != SECRET:
                return Response(status_code=403)
            update = Update.de_json(await request.json(), application.bot)
            await application.update_queue.put(update)
            return Response()

        port = free_port()
        app = Starlette(routes=[Route("/hook", receive, methods=["POST"])])
        server = WebServer(app, "127.0.0.1", port)
        await server.start()
        await application.bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token=SECRET)
    else:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=10)
    try:
        return await run()
    finally:
        if server is not None:
            await server.stop()
        else:
            assert application.updater is not None
            await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def with_assistant(
    standin: Any, folder: Path, run: Callable[[], Awaitable[Any]], webhook: bool = False
) -> Any:
    """A fresh database each time: each run's stand-in numbers updates from 1."""
    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(dir=folder)}/bench.sqlite3"
    await asyncio.to_thread(upgrade, url)
    mode: dict[str, Any] = {}
    if webhook:
        port = free_port()
        mode = {
            "webhook_url": f"http://127.0.0.1:{port}/hook",
            "webhook_secret": SECRET,
            "port": port,
        }
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_api_url=standin.base_url,
        database_url=url,
        log_level="WARNING",
        # The load is returning residents asking questions: /start shows the menu, as the
        # order check expects, rather than a newcomer's onboarding.
        onboarding=False,
        **mode,
    )
    assistant = build_assistant(settings)
    build_application(assistant, token=standin.token)
    await start(assistant, host="127.0.0.1")
    try:
        return await run()
    finally:
        await stop(assistant)
        await assistant.close()


async def order_check(standin: BotAPIStandin) -> bool:
    """Five residents each send a burst of commands; each must get its replies in order."""
    users: list[SimUser] = [standin.user(90_000 + n, f"B{n}", language_code="en") for n in range(5)]
    burst = ["/start", "/help", "/nothing", "/start", "/help", "/nothing"]
    marks = ["Hello", "/language", "/nothing", "Hello", "/language", "/nothing"]
    for command in burst:
        for user in users:
            await user.send(command)
    for user in users:
        replies = await user.wait_for_messages(len(burst), timeout=30)
        if not all(mark in reply["text"] for mark, reply in zip(marks, replies, strict=True)):
            return False
    return True


async def telegram_side(task: str, residents: int, messages: int) -> None:
    """Child process: serve the stand-in, wait for GO on stdin, drive the load, print JSON."""
    async with BotAPIStandin() as standin:
        print(f"READY {standin.base_url} {standin.token}", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        if task == "order":
            result: Any = {"ordered": await order_check(standin)}
        else:
            result = {
                "saturation": await drive(standin, residents, messages, base=50_000),
                "paced": await drive(standin, residents, messages, paced=True, base=60_000),
            }
        print(json.dumps(result), flush=True)
        await asyncio.to_thread(sys.stdin.readline)  # stay up until the bot has stopped


class TelegramSide:
    """The child process seen from the bot's side."""

    def __init__(self, task: str, residents: int, messages: int) -> None:
        self.args = [task, str(residents), str(messages)]

    async def __aenter__(self) -> TelegramSide:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.throughput",
            "--telegram-side",
            *self.args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.process.stdout is not None
        _ready, self.base_url, self.token = (await self.process.stdout.readline()).split()
        self.base_url, self.token = self.base_url.decode(), self.token.decode()
        return self

    async def run(self) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"GO\n")
        await self.process.stdin.drain()
        return json.loads(await self.process.stdout.readline())

    async def __aexit__(self, *exc: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"STOP\n")
        await self.process.stdin.drain()
        await self.process.wait()


async def main(residents: int, messages: int, webhook: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with TelegramSide("load", residents, messages) as side:
            baseline = await with_echo_bot(side, side.run, webhook)
        async with TelegramSide("load", residents, messages) as side:
            ours = await with_assistant(side, Path(tmp), side.run, webhook)
        async with TelegramSide("order", residents, messages) as side:
            ordered = (await with_assistant(side, Path(tmp), side.run, webhook))["ordered"]
    how = "webhook" if webhook else "long polling"
    print(f"{residents} residents x {messages} messages through the Bot API stand-in ({how})")
    print(f"{'':<24}{'saturation':>34}{'paced (0.5-1.5 s pauses)':>30}")
    print(
        f"{'bot':<24}{'replies':>9}{'replies/s':>11}{'p50 ms':>7}{'p95 ms':>7}"
        f"{'replies/s':>12}{'p50 ms':>9}{'p95 ms':>9}"
    )
    floor = "bare PTB echo bot"
    for name, figures in ((floor, baseline), ("residents' assistant", ours)):
        full, paced = figures["saturation"], figures["paced"]
        print(
            f"{name:<24}{full['replies']:>9.0f}{full['per_second']:>11.1f}"
            f"{full['p50_ms']:>7.0f}{full['p95_ms']:>7.0f}"
            f"{paced['per_second']:>12.1f}{paced['p50_ms']:>9.1f}{paced['p95_ms']:>9.1f}"
        )
    ratio = ours["saturation"]["per_second"] / baseline["saturation"]["per_second"]
    print(f"throughput ratio at saturation (assistant / echo): {ratio:.2f}")
    print(f"replies to each resident in order: {'yes' if ordered else 'NO'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--webhook", action="store_true", help="webhook mode instead of polling")
    parser.add_argument("--telegram-side", nargs=3, metavar=("TASK", "RESIDENTS", "MESSAGES"))
    args = parser.parse_args()
    if args.telegram_side:
        task, count, each = args.telegram_side
        asyncio.run(telegram_side(task, int(count), int(each)))
    else:
        asyncio.run(main(args.residents, args.messages, args.webhook))
