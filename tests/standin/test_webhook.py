"""Webhook delivery: updates POSTed with the secret header, retried on failure, in order per
chat; getUpdates refused meanwhile. The receiving end is a small aiohttp app on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiohttp import web
from telegram import Bot, Update
from telegram.error import BadRequest, Conflict
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters

from bot.standin import SECRET_HEADER, BotAPIStandin, RetryPolicy
from tests.standin.conftest import TOKEN, make_bot

Answer = Callable[[dict[str, Any]], Awaitable[int]]


class Receiver:
    """A webhook endpoint: records what it gets and answers with `answer`'s status."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.arrived = asyncio.Condition()
        self.answer: Answer | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        status = await self.answer(update) if self.answer else 200
        async with self.arrived:
            self.received.append((update, request.headers.get(SECRET_HEADER)))
            self.arrived.notify_all()
        return web.Response(status=status)

    async def wait_for(self, n: int) -> list[dict[str, Any]]:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.received) >= n), 5)
        return [update for update, _ in self.received]


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        yield receiver
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture
async def fast_server() -> AsyncIterator[BotAPIStandin]:
    policy = RetryPolicy(first_delay=0.01, max_delay=0.05, timeout=2.0)
    async with BotAPIStandin(TOKEN, webhook_policy=policy) as standin:
        yield standin


async def test_updates_are_pushed_with_the_secret_and_retried(
    fast_server: BotAPIStandin, receiver: Receiver
) -> None:
    failures = iter([500, 503])

    async def flaky(update: dict[str, Any]) -> int:
        return next(failures, 200)

    receiver.answer = flaky
    amina = fast_server.user(4001, "Amina")
    async with make_bot(fast_server) as bot:
        assert await bot.set_webhook(receiver.url, secret_token="s3cr3t-token_1")
        for text in ("un", "deux", "trois"):
            await amina.send(text)
        got = await receiver.wait_for(5)  # two failed attempts, then three deliveries
        assert [u["message"]["text"] for u in got] == ["un", "un", "un", "deux", "trois"]
        assert {secret for _, secret in receiver.received} == {"s3cr3t-token_1"}
        info = await bot.get_webhook_info()
        assert info.url == receiver.url and info.pending_update_count == 0
        assert info.last_error_message == "Wrong response from the webhook: 503 Service Unavailable"
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        assert fast_server.webhook is not None and len(fast_server.webhook.delivered) == 3

        assert await bot.delete_webhook()
        await amina.send("quatre")
        (update,) = await bot.get_updates()
        assert update.message is not None and update.message.text == "quatre"


async def test_one_update_at_a_time_per_chat_chats_in_parallel(
    fast_server: BotAPIStandin, receiver: Receiver
) -> None:
    release = asyncio.Event()

    async def slow_for_amina(update: dict[str, Any]) -> int:
        if update["message"]["chat"]["id"] == 4001:
            await release.wait()
        return 200

    receiver.answer = slow_for_amina
    amina, lina = fast_server.user(4001), fast_server.user(4002)
    async with make_bot(fast_server) as bot:
        await bot.set_webhook(receiver.url)
        await amina.send("a1")
        await amina.send("a2")
        await lina.send("l1")
        assert [u["message"]["text"] for u in await receiver.wait_for(1)] == ["l1"]
        release.set()
        got = await receiver.wait_for(3)
        assert [u["message"]["text"] for u in got] == ["l1", "a1", "a2"]


async def test_connection_errors_are_reported_and_retried(fast_server: BotAPIStandin) -> None:
    user = fast_server.user(4003)
    async with make_bot(fast_server) as bot:
        await bot.set_webhook("http://127.0.0.1:9/hook")  # nothing listens on port 9
        await user.send("hello?")
        for _ in range(100):
            info = await bot.get_webhook_info()
            if info.last_error_message:
                break
            await asyncio.sleep(0.01)
        assert info.last_error_message == "Connection refused"
        assert info.pending_update_count == 1
        assert await bot.delete_webhook(drop_pending_updates=True)
        assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_set_webhook_rules_and_answers(server: BotAPIStandin) -> None:
    async with httpx.AsyncClient(base_url=f"{server.base_url}/bot{TOKEN}") as client:

        async def call(method: str, **params: Any) -> dict[str, Any]:
            return (await client.post(f"/{method}", json=params)).json()

        assert (await call("deleteWebhook"))["description"] == "Webhook is already deleted"
        url = "http://127.0.0.1:9/hook"
        assert (await call("setWebhook", url=url))["description"] == "Webhook was set"
        assert (await call("setWebhook", url=url))["description"] == "Webhook is already set"
        assert (await call("setWebhook", url=""))["description"] == "Webhook was deleted"
        refused = {
            "http://example.org/hook": "bad webhook: An HTTPS URL must be provided for webhook",
            "https://example.org:8080/hook": (
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            ),
        }
        for bad_url, description in refused.items():
            answer = await call("setWebhook", url=bad_url)
            assert answer["description"] == f"Bad Request: {description}"
        answer = await call("setWebhook", url=url, secret_token="not valid!")
        assert answer["description"] == "Bad Request: secret token contains unallowed characters"


async def test_a_second_get_updates_ends_the_first_with_409(
    server: BotAPIStandin, bot: Bot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_for_call("getUpdates")
    async with make_bot(server) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)


async def test_ptb_application_served_through_the_webhook(
    fast_server: BotAPIStandin, receiver: Receiver
) -> None:
    """The bot side of a webhook: updates go to Application.process_update, replies go back."""
    application: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(TOKEN).base_url(f"{fast_server.base_url}/bot").build()
    )

    async def shout(update: Update, _context: Any) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text.upper())

    application.add_handler(MessageHandler(filters.TEXT, shout))

    async def to_application(update: dict[str, Any]) -> int:
        await application.process_update(Update.de_json(update, application.bot))
        return 200

    receiver.answer = to_application
    sam = fast_server.user(4004, "Sam")
    async with application:
        await application.bot.set_webhook(receiver.url, secret_token="abc")
        await sam.send("hello")
        assert (await sam.wait_for_message())["text"] == "HELLO"
    with pytest.raises(BadRequest, match="Chat not found"):
        async with make_bot(fast_server) as bot:
            await bot.send_message(4999, "nobody")
