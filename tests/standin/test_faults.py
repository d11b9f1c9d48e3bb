"""Faults on demand: flood limits, blocked users, 5xx, dropped connections and late answers,
seen through a real PTB Bot. Windows are short so nothing sleeps long."""

from __future__ import annotations

import asyncio
import warnings

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.standin import BotAPIStandin
from tests.standin.conftest import make_bot, seconds


async def retry_after_of(send: asyncio.Future[object] | object) -> float:
    with pytest.raises(RetryAfter) as caught, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns that retry_after will become a timedelta
        await send  # type: ignore[misc]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seconds(caught.value.retry_after)


async def test_private_flood_limit_answers_429_then_lets_through(
    server: BotAPIStandin, bot: Bot
) -> None:
    user = server.user(2001)
    server.faults.set_flood_limits(20, None, None, private_burst=1)  # one per 50 ms
    await bot.send_message(2001, "one")
    assert await retry_after_of(bot.send_message(2001, "two")) == 1  # whole seconds, >= 1
    await asyncio.sleep(0.06)
    await bot.send_message(2001, "three")
    assert [m["text"] for m in user.inbox] == ["one", "three"]
    assert server.faults.count("sendMessage", 429) == 1
    assert server.call_counts["sendmessage"] == 3


async def test_group_and_global_limits(server: BotAPIStandin, bot: Bot) -> None:
    amina, lina = server.user(2002), server.user(2003)
    group = server.group(-100200, "Lilas")
    await group.join(amina)
    await group.add_bot(by=amina)
    server.faults.set_flood_limits(None, group_per_minute=2, global_per_second=None)
    for text in ("a", "b"):
        await bot.send_message(-100200, text)
    assert await retry_after_of(bot.send_message(-100200, "c")) == 30  # 2 a minute
    await bot.send_message(2002, "private chats have their own limit")

    server.faults.set_flood_limits(None, None, global_per_second=2)
    await bot.send_message(2002, "1")
    await bot.send_message(2003, "2")
    assert await retry_after_of(bot.send_message(2003, "3")) == 1
    server.faults.clear_flood_limits()
    await bot.send_message(2003, "4")
    assert [m["text"] for m in lina.inbox] == ["2", "4"]
    assert server.faults.count(code=429) == 2


async def test_blocked_users_get_403_without_being_told(server: BotAPIStandin, bot: Bot) -> None:
    for user_id in range(3000, 3040):
        server.user(user_id)
    server.faults.block(3000)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(3000, "hello")
    server.faults.unblock(3000)
    await bot.send_message(3000, "hello")

    server.faults.block_share(0.25, seed=7)
    blocked = {u for u in range(3000, 3040) if server.faults.has_blocked(u)}
    assert 3 <= len(blocked) <= 20  # about a quarter, the same every run
    for user_id in sorted(blocked)[:2]:
        with pytest.raises(Forbidden):
            await bot.send_message(user_id, "hello")
    assert server.pending_update_count == 0  # unlike user.block(), no my_chat_member


async def test_injected_5xx_before_or_after_delivery(server: BotAPIStandin, bot: Bot) -> None:
    user = server.user(2004)
    server.faults.fail_next("sendMessage", 502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(2004, "lost")
    server.faults.fail_next("sendMessage", 500, delivered=True, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(2004, "delivered anyway")
    await bot.send_message(2004, "fine")
    assert [m["text"] for m in user.inbox] == ["delivered anyway"] * 2 + ["fine"]
    assert server.faults.served == {("sendmessage", 502): 1, ("sendmessage", 500): 2}


async def test_dropped_connection(server: BotAPIStandin, bot: Bot) -> None:
    user = server.user(2005)
    server.faults.drop_next("sendMessage")  # after delivery by default
    with pytest.raises(NetworkError):
        await bot.send_message(2005, "did it arrive?")
    server.faults.drop_next("sendMessage", delivered=False)
    with pytest.raises(NetworkError):
        await bot.send_message(2005, "never stored")
    assert [m["text"] for m in user.inbox] == ["did it arrive?"]
    assert server.faults.dropped["sendmessage"] == 2


async def test_answer_delayed_past_the_client_timeout_after_delivery(
    server: BotAPIStandin,
) -> None:
    user = server.user(2006)
    server.faults.delay_next("sendMessage", 5.0)
    async with make_bot(server, read_timeout=0.2) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(2006, "slow")
    (message,) = await user.wait_for_messages(1, timeout=0.1)  # stored before the delay
    assert message["text"] == "slow" and server.faults.delayed["sendmessage"] == 1


async def test_random_failures_are_reproducible(server: BotAPIStandin, bot: Bot) -> None:
    server.user(2007)

    async def run(seed: int) -> list[bool]:
        server.faults.fail_randomly("sendMessage", 0.3, seed=seed, code=500)
        outcomes = []
        for _ in range(20):
            try:
                await bot.send_message(2007, "x")
                outcomes.append(True)
            except NetworkError:
                outcomes.append(False)
        server.faults.fail_randomly("sendMessage", 0)
        return outcomes

    first, again, other = await run(1), await run(1), await run(2)
    assert first == again and first != other and not all(first) and any(first)
    assert server.faults.count("sendMessage", 500) == 3 * 20 - sum(first + again + other)
    with pytest.raises(BadRequest, match="Chat not found"):  # faults never hide real errors
        await bot.send_message(99, "x")
