"""The stand-in's HTTP server and the handle tests hold: routing, tokens, faults on the way in
and out, and the simulated chats."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.standin import messages, methods  # noqa: F401  (they register the Bot API methods)
from bot.standin.chats import SimChat
from bot.standin.faults import Fault, Faults
from bot.standin.files import UPLOAD_LIMIT, FileStore
from bot.standin.protocol import JSON, METHODS, ApiError, Method, read_params, snapshot
from bot.standin.updates import UpdateQueue
from bot.standin.users import SimGroup, SimUser
from bot.standin.webhook import RetryPolicy, Webhook

BotMessageHook = Callable[[int, JSON, str], None]

_log = logging.getLogger(__name__)
_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")


class BotAPIStandin:
    """The Bot API over HTTP on 127.0.0.1, with simulated users and groups.

    Point PTB at it with ``base_url=f"{standin.base_url}/bot"``. Tests drive users
    (``standin.user(...)``, ``standin.group(...)``), read what the bot did through the chats,
    ``calls`` and ``call_counts``, and break things through ``standin.faults``.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_id: int = 123456,
        bot_username: str = "residents_test_bot",
        bot_first_name: str = "Residents Assistant",
        privacy_mode: bool = True,
        webhook_policy: RetryPolicy | None = None,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        #: Privacy mode on: in groups where it is no admin the bot only gets messages for it.
        self.privacy_mode = privacy_mode
        #: Retry delays and timeout of webhook deliveries (shorten them in tests).
        self.webhook_policy = webhook_policy or RetryPolicy()
        #: Every Bot API call with a valid token: (lowercase method name, decoded parameters).
        self.calls: list[tuple[str, JSON]] = []
        #: Calls per lowercase method name.
        self.call_counts: Counter[str] = Counter()
        #: Called as hook(chat_id, message snapshot, "new" | "edit" | "delete").
        self.on_bot_message: BotMessageHook | None = None
        self.updates = UpdateQueue()
        self.files = FileStore()
        self.faults = Faults()
        #: setMyCommands menus: ((scope type, chat_id, user_id), language_code) -> commands.
        self.command_menus: dict[tuple[tuple[Any, ...], str], list[JSON]] = {}
        #: Callback queries not answered yet: query id -> the user who pressed.
        self.open_queries: dict[str, SimUser] = {}
        self._chats: dict[int, SimChat] = {}
        self._next_query = 0
        self._calls_cond = asyncio.Condition()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    # -- lifecycle

    async def start(self) -> None:
        """Bind and serve; port 0 picks a free port (see base_url)."""
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self._bound_port = self._runner.addresses[0][1]
        self.updates.closing = False
        self._stopping.clear()

    async def stop(self) -> None:
        """End pending long polls and delayed answers at once, stop the webhook, close."""
        self.updates.closing = True
        self._stopping.set()
        await self.updates.wake()
        if self.updates.webhook is not None:
            await self.updates.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIStandin:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """e.g. "http://127.0.0.1:40123"; only valid after start()."""
        if self._bound_port is None:
            raise RuntimeError("BotAPIStandin is not started")
        return f"http://{self.host}:{self._bound_port}"

    # -- the simulated world

    def bot_user(self) -> JSON:
        """The bot's User object as it appears in `from` fields."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        language_code: str | None = "fr",
        username: str | None = None,
    ) -> SimUser:
        """Register (or get) a user who has started the bot (their private chat exists)."""
        existing = self._chats.get(user_id)
        if isinstance(existing, SimUser):
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        created = SimUser(self, user_id, first_name, language_code, username)
        self._chats[user_id] = created
        return created

    def group(
        self, chat_id: int, title: str = "Residents", *, type: str = "supergroup"
    ) -> SimGroup:
        """Register (or get) a group chat; the bot is not in it until ``add_bot``."""
        existing = self._chats.get(chat_id)
        if isinstance(existing, SimGroup):
            return existing
        if chat_id >= 0 or type not in {"group", "supergroup"}:
            raise ValueError("groups have negative ids and type 'group' or 'supergroup'")
        created = SimGroup(self, chat_id, title, type)
        self._chats[chat_id] = created
        return created

    @property
    def users(self) -> dict[int, SimUser]:
        """Registered users by id."""
        return {k: v for k, v in self._chats.items() if isinstance(v, SimUser)}

    def chat(self, chat_id: int) -> SimChat | None:
        """A private chat or group by id, None if unknown."""
        return self._chats.get(chat_id)

    def open_query(self, user: SimUser) -> str:
        """A new callback query id, to be answered by the bot."""
        self._next_query += 1
        query_id = str(4_611_686_018_427_387_904 + self._next_query * 1_000_003 + user.id)
        self.open_queries[query_id] = user
        return query_id

    async def bot_event(self, chat: SimChat, message: JSON, kind: str) -> None:
        """The bot sent, edited or deleted a message: wake waiters, call the hook."""
        await chat.notify()
        if self.on_bot_message is not None:
            try:
                self.on_bot_message(chat.id, snapshot(message), kind)
            except Exception:
                _log.exception("on_bot_message hook failed")

    # -- inspection for tests

    @property
    def pending_update_count(self) -> int:
        """Updates not yet confirmed by a getUpdates offset nor delivered to the webhook."""
        return len(self.updates.pending)

    @property
    def webhook(self) -> Webhook | None:
        """The active webhook (its ``delivered`` updates, last error), if one is set."""
        return self.updates.webhook

    def calls_of(self, method: str) -> list[JSON]:
        """Parameters of every call to `method` (case-insensitive), in order."""
        name = method.lower()
        return [params for called, params in self.calls if called == name]

    async def wait_for_call(
        self, method: str, timeout: float = 5.0, *, where: Callable[[JSON], bool] | None = None
    ) -> JSON:
        """The first call of `method` (whose parameters satisfy `where`), waiting if needed."""

        def find() -> JSON | None:
            calls = self.calls_of(method)
            return next((p for p in calls if where is None or where(p)), None)

        async with self._calls_cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._calls_cond.wait_for(lambda: find() is not None)
            except TimeoutError:
                raise AssertionError(f"no matching {method} call within {timeout}s") from None
        found = find()
        assert found is not None
        return found

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[JSON]:
        """Commands stored by setMyCommands for exactly this scope and language ([] if none)."""
        key = ((scope_type, chat_id, user_id), language_code)
        return list(self.command_menus.get(key, []))

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes of any file the bot uploaded or a user sent, by file_id."""
        return self.files.bytes_of(file_id)

    def fail_next(
        self,
        method: str,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Shorthand for ``faults.fail_next``: the next call of `method` gets this error."""
        self.faults.fail_next(method, error_code, description, retry_after)

    # -- HTTP

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if token != self.token:
            known_shape = _TOKEN_RE.fullmatch(token) is not None
            return ApiError(401, "Unauthorized").response() if known_shape else _not_found()
        name = request.match_info["method"].lower()
        try:
            params, files = await read_params(request)
        except ApiError as error:
            return error.response()
        recorded = dict(params)
        for key, (file_name, payload, _) in files.items():
            recorded[key] = f"<file {file_name} {len(payload)} bytes>"
        self.calls.append((name, recorded))
        self.call_counts[name] += 1
        async with self._calls_cond:
            self._calls_cond.notify_all()
        method = METHODS.get(name)
        if method is None:
            return _not_found()
        fault = self.faults.take(name)
        if fault is not None and not fault.delivered:
            return self._faulty(request, name, fault) or self._answer(name, fault.error())
        response = await self._call(method, params, files)
        if fault is not None:
            if fault.kind == "delay":
                self.faults.delayed[name] += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), fault.delay)
            else:
                return self._faulty(request, name, fault) or self._answer(name, fault.error())
        if isinstance(response, ApiError):
            return self._answer(name, response)
        return response

    async def _call(self, method: Method, params: JSON, files: Any) -> web.Response | ApiError:
        try:
            if method.sends:
                chat_id = params.get("chat_id")
                self.faults.check_flood(chat_id if isinstance(chat_id, int) else None)
            result = await method.handler(self, params, files)
        except ApiError as error:
            return error
        if isinstance(result, tuple):
            result, description = result
            return web.json_response({"ok": True, "result": result, "description": description})
        return web.json_response({"ok": True, "result": result})

    def _faulty(self, request: web.Request, name: str, fault: Fault) -> web.Response | None:
        """Drop the connection for a drop fault (None for other faults)."""
        if fault.kind != "drop":
            return None
        self.faults.dropped[name] += 1
        if request.transport is not None:
            request.transport.abort()
        return web.Response()

    def _answer(self, name: str, error: ApiError) -> web.Response:
        if error.code == 429 or error.code >= 500:
            self.faults.served[(name, error.code)] += 1
        return error.response()


def _not_found() -> web.Response:
    return ApiError(404, "Not Found").response()
