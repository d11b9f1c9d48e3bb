"""The back office against the real database: an httpx client on the ASGI app (in the test's
event loop, so the harness's frozen clock and stand-in are shared)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.backoffice.web import backoffice_app
from bot.services import Services
from tests.conftest import Harness

SECRET = "s" * 40
BASE = "http://staff.test"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Staff:
    """A browser without JavaScript: follows links, keeps cookies, posts forms with their token."""

    def __init__(self, client: httpx.AsyncClient, services: Services) -> None:
        self.client = client
        self.services = services

    async def link(self, user_id: int) -> str:
        assert self.services.web is not None
        url = await self.services.web.login_link(user_id)
        assert url is not None
        return url.removeprefix(BASE)

    async def login(self, user_id: int) -> None:
        path = await self.link(user_id)
        assert (await self.client.get(path)).status_code == 200
        answer = await self.client.post(path)
        assert answer.status_code == 303, answer.text

    async def csrf(self, path: str = "/web/events/new") -> str:
        page = await self.client.get(path)
        found = CSRF.search(page.text)
        assert found, page.text[:500]
        return found.group(1)

    async def post(self, path: str, data: dict[str, Any], **kw: Any) -> httpx.Response:
        data = {"csrf": await self.csrf(), **data}
        return await self.client.post(path, data=data, **kw)


@pytest.fixture
async def staff(harness: Harness) -> AsyncIterator[Staff]:
    services = harness.services
    from bot.backoffice import staff as hooks
    from bot.backoffice.access import WebAccess

    async def is_staff(user_id: int) -> bool:
        return await hooks.is_staff(services, user_id)

    services.web = WebAccess(harness.db, SECRET, BASE, is_staff, harness.clock)
    transport = httpx.ASGITransport(app=backoffice_app(services))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield Staff(client, services)
