"""The Bot API calls of bulk sends, over a plain aiohttp session.

Why not the application's `Bot`: measured against the stand-in (bench/broadcast.py), PTB's
request stack (httpx/httpcore, which scans its whole pool on every request, and a full
`Message` object built from each answer) spends about 2.5 ms of CPU per message and tops out
near 380 messages/s on one core, while the same calls through aiohttp (already the stand-in's
and the health server's dependency) cost a tenth of that. Bulk sends need only the outcome and
the message id, so this client returns the answer's `result` as JSON and raises PTB's own
exception types with Telegram's description, like `Bot` does, so callers handle errors the
same way.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut


class BulkApi:
    def __init__(self, base_url: str, token: str, *, timeout: float, connections: int) -> None:
        self._url = f"{base_url}/bot{token}/"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                timeout=self._timeout,
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, payload: dict[str, Any]) -> Any:
        """The call's `result`; Telegram's refusals as telegram.error exceptions."""
        return await self._post(method, json=payload)

    async def upload(
        self, method: str, payload: dict[str, Any], field: str, data: bytes, filename: str
    ) -> Any:
        """The same with a file sent along (multipart/form-data), e.g. a photo's bytes."""
        form = aiohttp.FormData()
        for key, value in payload.items():
            form.add_field(key, value if isinstance(value, str) else json.dumps(value))
        form.add_field(field, data, filename=filename)
        return await self._post(method, data=form)

    async def _post(self, method: str, **body: Any) -> Any:
        await self.open()
        assert self._session is not None
        try:
            async with self._session.post(self._url + method, **body) as response:
                status = response.status
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = {}
        except TimeoutError:
            raise TimedOut("Timed out") from None
        except asyncio.CancelledError:
            raise
        except aiohttp.ClientError as exc:
            raise NetworkError(f"{type(exc).__name__}: {exc}") from None
        if isinstance(answer, dict) and answer.get("ok"):
            return answer.get("result")
        description = str((answer or {}).get("description") or f"HTTP {status}")
        parameters = (answer or {}).get("parameters") or {}
        if status == 429:
            raise RetryAfter(int(parameters.get("retry_after", 1)))
        if status == 403:
            raise Forbidden(description)
        if status in (400, 404):
            raise BadRequest(description)
        raise NetworkError(description)  # 5xx and anything unexpected: retried
