"""Who may use the back office, and how they get in: no password, a one-time link from the bot.

- A login link (`/web` in the bot, `residents-bot web login USER_ID`) carries a random nonce
  and its HMAC signature under WEB_SECRET. The nonce is stored with the user id: the link is
  valid 10 minutes and once (its row is marked used when redeemed). A link never logs in by
  being fetched (link previews): opening it shows a button, and pressing it (a POST) does.
- The session cookie holds the user id, its expiry (12 h) and the session id (the used link's
  nonce, whose row stays until the session ends), signed the same way; the CSRF token of every
  form is the HMAC of that session id. Every request reads the cookie again, checks that the
  session was not closed by logging out, and asks `is_staff` (bot/backoffice/staff.py): losing
  the role or logging out closes the door at the next click, for a copied cookie too.
- The secret is WEB_SECRET alone: nothing is derived from the bot's token.

No Starlette here: the bot's /web handler uses it through the services.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.backoffice.models import PendingImport, WebLogin
from bot.clock import Clock, system_clock
from bot.storage.database import Database

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)
IMPORT_TTL = timedelta(days=1)
LOGIN_PATH = "/web/login/"


class LoginError(Exception):
    """Why a login link does not open a session: unknown, expired, used or not_staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Session:
    user_id: int
    session_id: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class WebAccess:
    def __init__(
        self,
        db: Database,
        secret: str,
        base_url: str,
        is_staff: Callable[[int], Awaitable[bool]],
        clock: Clock = system_clock,
    ) -> None:
        self._db = db
        self._key = hashlib.sha256(b"residents-backoffice\x00" + secret.encode()).digest()
        self.base_url = base_url.rstrip("/")
        self._is_staff = is_staff
        self._clock = clock

    def _sign(self, purpose: str, value: str) -> str:
        mac = hmac.new(self._key, f"{purpose}\x00{value}".encode(), hashlib.sha256)
        return _b64(mac.digest()[:24])

    def _verify(self, purpose: str, value: str, signature: str) -> bool:
        return hmac.compare_digest(self._sign(purpose, value), signature)

    # -- login links

    async def login_link(self, user_id: int) -> str | None:
        """A link valid 10 minutes, once; None for someone who is not staff."""
        if not await self._is_staff(user_id):
            return None
        now = self._clock()
        nonce = _b64(secrets.token_bytes(18))
        async with self._db.session() as session:
            # A used link's row is its session: kept as long as the session may last.
            await session.execute(delete(WebLogin).where(WebLogin.expires_at < now - SESSION_TTL))
            session.add(
                WebLogin(nonce=nonce, user_id=user_id, created_at=now, expires_at=now + LINK_TTL)
            )
        return f"{self.base_url}{LOGIN_PATH}{nonce}.{self._sign('login', nonce)}"

    async def _login_row(self, token: str) -> WebLogin:
        nonce, _, signature = token.partition(".")
        if not nonce or not signature or len(token) > 200:
            raise LoginError("unknown")
        if not self._verify("login", nonce, signature):
            raise LoginError("unknown")
        async with self._db.reading() as session:
            row = await session.get(WebLogin, nonce)
        if row is None:
            raise LoginError("unknown")
        return row

    async def check_link(self, token: str) -> int:
        """The user id a link would log in, without using it up. Raises LoginError."""
        row = await self._login_row(token)
        if row.used_at is not None:
            raise LoginError("used")
        if row.expires_at <= self._clock():
            raise LoginError("expired")
        return row.user_id

    async def redeem(self, token: str) -> Session:
        """Use the link up and open a session. Raises LoginError."""
        await self._login_row(token)
        nonce = token.partition(".")[0]
        now = self._clock()
        async with self._db.session() as session:
            row = await session.get(WebLogin, nonce)
            if row is None:
                raise LoginError("unknown")
            if row.used_at is not None:
                raise LoginError("used")
            if row.expires_at <= now:
                raise LoginError("expired")
            row.used_at = now
            user_id = row.user_id
        if not await self._is_staff(user_id):
            raise LoginError("not_staff")
        return Session(user_id, nonce, now + SESSION_TTL)

    # -- sessions and forms

    def cookie(self, session: Session) -> str:
        value = f"{session.user_id}.{int(session.expires_at.timestamp())}.{session.session_id}"
        return f"{value}.{self._sign('session', value)}"

    async def session(self, cookie: str | None) -> Session | None:
        """The staff member a cookie names, if it is genuine, current, and they are staff."""
        if not cookie or len(cookie) > 300:
            return None
        value, _, signature = cookie.rpartition(".")
        if not value or not self._verify("session", value, signature):
            return None
        try:
            user, expires, session_id = value.split(".")
            user_id, expires_at = int(user), datetime.fromtimestamp(int(expires), UTC)
        except (ValueError, OverflowError, OSError):
            return None
        if expires_at <= self._clock():
            return None
        async with self._db.reading() as session:
            row = await session.get(WebLogin, session_id)
        if row is None or row.user_id != user_id or row.closed_at is not None:
            return None
        if not await self._is_staff(user_id):
            return None
        return Session(user_id, session_id, expires_at)

    async def close(self, session: Session) -> None:
        """Log out: the session, and every copy of its cookie, ends now."""
        async with self._db.session() as db:
            row = await db.get(WebLogin, session.session_id)
            if row is not None and row.closed_at is None:
                row.closed_at = self._clock()

    def csrf(self, session: Session) -> str:
        return self._sign("csrf", session.session_id)

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and self._verify("csrf", session.session_id, token or "")

    # -- imports waiting for a confirmation

    async def keep_import(self, user_id: int, source: str, data: bytes) -> str:
        now = self._clock()
        ident = _b64(secrets.token_bytes(18))
        async with self._db.session() as session:
            await session.execute(
                delete(PendingImport).where(PendingImport.created_at < now - IMPORT_TTL)
            )
            session.add(
                PendingImport(
                    id=ident, user_id=user_id, source=source[:500], data=data, created_at=now
                )
            )
        return ident

    async def peek_import(self, user_id: int, ident: str) -> tuple[str, bytes] | None:
        """The kept file (kept still), only for who uploaded it, within a day."""
        async with self._db.reading() as session:
            row = await self._kept(session, user_id, ident)
            return None if row is None else (row.source, bytes(row.data))

    async def take_import(self, user_id: int, ident: str) -> tuple[str, bytes] | None:
        """The kept file (and forget it), only for who uploaded it, within a day."""
        async with self._db.session() as session:
            row = await self._kept(session, user_id, ident)
            if row is None:
                return None
            found = (row.source, bytes(row.data))
            await session.delete(row)
            return found

    async def _kept(self, session: AsyncSession, user_id: int, ident: str) -> PendingImport | None:
        row = await session.scalar(
            select(PendingImport).where(PendingImport.id == ident, PendingImport.user_id == user_id)
        )
        if row is None or row.created_at < self._clock() - IMPORT_TTL:
            return None
        return row
