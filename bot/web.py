"""The assistant's HTTP side: the webhook endpoint (webhook mode), /healthz and /metrics.

A Starlette app served by uvicorn inside the assistant's own event loop, as in PTB's
documented custom-webhook example (PTB's built-in webhook server cannot add routes). Webhook
mode serves all three on PORT; polling mode serves /healthz and /metrics on HEALTH_PORT when
it is set. Signals are the assistant's (bot.app.serve), not uvicorn's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.config import ConfigError
from bot.metrics import Metrics
from bot.telegram.health import Health
from bot.telegram.webhook import WebhookReceiver

log = logging.getLogger(__name__)

# uvicorn's wait for requests in flight at shutdown: webhook requests wait for their update's
# handlers, which finish in well under this; the whole stop stays within 10 s.
GRACEFUL_SECONDS = 5.0


def web_app(
    health: Health,
    metrics: Metrics,
    receiver: WebhookReceiver | None = None,
    webhook_path: str = "/",
    extra: Sequence[BaseRoute] = (),
) -> Starlette:
    """`extra`: more routes served beside these (the staff back office under /web)."""

    async def healthz(_request: Request) -> Response:
        ok, report = await health.check()
        return JSONResponse(report, status_code=200 if ok else 503)

    async def metrics_page(_request: Request) -> Response:
        with contextlib.suppress(Exception):  # /healthz says when the database is away
            metrics.inbox_backlog.set(await health.inbox_backlog())
        return Response(metrics.exposition(), media_type=metrics.content_type)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]
    if receiver is not None:
        routes.append(Route(webhook_path, receiver.endpoint, methods=["POST"]))
    routes += extra
    return Starlette(routes=routes)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """SIGTERM and SIGINT belong to the assistant, which stops this server in its turn."""
        yield


class WebServer:
    def __init__(self, app: Starlette, host: str, port: int, variable: str = "PORT") -> None:
        self._variable = variable  # the setting to name when the port cannot be had
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
            server_header=False,
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self.ended = asyncio.Event()

    async def start(self) -> None:
        """Returns once listening; ConfigError naming the variable when the port is taken."""
        self._task = asyncio.create_task(self._serve(), name="web-server")
        while not self._server.started:
            if self._task.done():
                port = self._server.config.port
                raise ConfigError(f"{self._variable}: cannot listen on port {port} (in use?)")
            await asyncio.sleep(0.01)

    async def _serve(self) -> None:
        try:
            await self._server.serve()
        except SystemExit:  # uvicorn exits this way when it cannot bind
            log.error("the web server could not start")
        finally:
            self.ended.set()

    @property
    def port(self) -> int:
        """The bound port (PORT=0 picks a free one)."""
        for server in self._server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return self._server.config.port

    async def stop(self) -> None:
        """Stop listening, let requests in flight finish (at most GRACEFUL_SECONDS)."""
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
