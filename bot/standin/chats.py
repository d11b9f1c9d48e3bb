"""A chat as a test sees it: every message in it, what the bot sent, and waits for what comes.

Waiting is event driven (one asyncio.Condition per chat, notified on every bot action), never
a fixed sleep: tests are as fast as the bot and a missing reply fails with what did arrive.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.standin.protocol import JSON, snapshot

if TYPE_CHECKING:
    from bot.standin.server import BotAPIStandin

MEDIA_KEYS = ("photo", "document", "sticker", "voice", "venue", "location")


def now() -> int:
    return int(time.time())


def describe(message: JSON | None) -> str:
    """A one-line summary for assertion messages."""
    if message is None:
        return "deleted or unknown"
    if "text" in message:
        return repr(message["text"])
    if "caption" in message:
        return f"<caption {message['caption']!r}>"
    kinds = [k for k in MEDIA_KEYS if k in message]
    return f"<{kinds[0] if kinds else 'message'}>"


@dataclass(eq=False)
class SimChat:
    """What tests share between a private chat (SimUser) and a group (SimGroup)."""

    standin: BotAPIStandin = field(repr=False)
    id: int
    #: sendChatAction actions the bot sent to this chat, in order.
    chat_actions: list[str] = field(default_factory=list, init=False, repr=False)
    #: The ReplyKeyboardMarkup shown in this chat (None after ReplyKeyboardRemove).
    reply_keyboard: JSON | None = field(default=None, init=False, repr=False)
    #: The last ForceReply the bot sent; cleared when someone writes.
    force_reply: JSON | None = field(default=None, init=False, repr=False)
    _messages: dict[int, JSON] = field(default_factory=dict, init=False, repr=False)
    _bot_log: list[JSON] = field(default_factory=list, init=False, repr=False)
    _cursor: int = field(default=0, init=False, repr=False)
    _edits: dict[int, int] = field(default_factory=dict, init=False, repr=False)
    _last_message_id: int = field(default=0, init=False, repr=False)
    _cond: asyncio.Condition = field(default_factory=asyncio.Condition, init=False, repr=False)

    def chat_dict(self) -> JSON:
        """The Bot API Chat object."""
        raise NotImplementedError

    def new_message(self, sender: JSON, content: JSON, reply_to: int | None = None) -> JSON:
        """Store a message from sender in this chat (not yet announced to anyone)."""
        self._last_message_id += 1
        message: JSON = {
            "message_id": self._last_message_id,
            "from": sender,
            "chat": self.chat_dict(),
            "date": now(),
        }
        if reply_to is not None:
            replied = self._messages.get(reply_to)
            if replied is None:
                raise AssertionError(f"chat {self.id}: no message {reply_to} to reply to")
            message["reply_to_message"] = snapshot(
                {k: v for k, v in replied.items() if k != "reply_to_message"}
            )
        message.update(content)
        self._messages[message["message_id"]] = message
        return message

    # -- what is in the chat

    @property
    def messages(self) -> list[JSON]:
        """Every message of the chat still there, oldest first, current state."""
        return sorted(self._messages.values(), key=lambda m: m["message_id"])

    @property
    def inbox(self) -> list[JSON]:
        """The bot's messages still there, oldest first, current state (edits applied). The
        dicts are live: they change when the bot edits them."""
        return [m for m in self._bot_log if m["message_id"] in self._messages]

    @property
    def sent_count(self) -> int:
        """How many messages the bot has sent here, deleted ones included."""
        return len(self._bot_log)

    def message(self, message_id: int) -> JSON | None:
        """The current state of a message of this chat, None if unknown or deleted."""
        return self._messages.get(message_id)

    def edit_count(self, message_id: int) -> int:
        return self._edits.get(message_id, 0)

    # -- waiting for the bot

    def mark_read(self) -> None:
        """Move the wait_for_messages cursor past everything the bot has sent so far."""
        self._cursor = len(self._bot_log)

    async def wait_for_messages(self, n: int = 1, timeout: float = 5.0) -> list[JSON]:
        """The next n bot messages after the cursor, advancing it by n.

        Only this and `mark_read` move the cursor, so replies that arrived before the call are
        never missed. Messages are live dicts. On timeout: AssertionError listing what came.
        """

        def failure() -> str:
            got = [describe(m) for m in self._bot_log[self._cursor :]]
            return (
                f"chat {self.id}: expected {n} new bot message(s) within {timeout}s, "
                f"got {len(got)}: {', '.join(got) or 'nothing'}"
            )

        await self.wait_until(lambda: len(self._bot_log) - self._cursor >= n, timeout, failure)
        batch = self._bot_log[self._cursor : self._cursor + n]
        self._cursor += n
        return batch

    async def wait_for_message(self, timeout: float = 5.0) -> JSON:
        """Shorthand for ``(await wait_for_messages(1, timeout))[0]``."""
        return (await self.wait_for_messages(1, timeout))[0]

    async def wait_for_edit(self, message_id: int, timeout: float = 5.0) -> JSON:
        """Wait until the bot edits message_id after this call; returns its current state."""
        seen = self.edit_count(message_id)

        def failure() -> str:
            state = describe(self._messages.get(message_id))
            return f"chat {self.id}: message {message_id} not edited within {timeout}s ({state})"

        await self.wait_until(lambda: self.edit_count(message_id) > seen, timeout, failure)
        return self._messages.get(message_id) or {"message_id": message_id}

    async def wait_for(
        self, predicate: Callable[[JSON], bool], timeout: float = 5.0, what: str = "message"
    ) -> JSON:
        """The first bot message of this chat (ever, cursor untouched) matching predicate."""

        def find() -> JSON | None:
            return next((m for m in self._bot_log if predicate(m)), None)

        def failure() -> str:
            got = ", ".join(describe(m) for m in self._bot_log) or "nothing"
            return f"chat {self.id}: no {what} from the bot within {timeout}s; got {got}"

        await self.wait_until(lambda: find() is not None, timeout, failure)
        found = find()
        assert found is not None
        return found

    async def wait_for_document(self, file_name: str | None = None, timeout: float = 5.0) -> JSON:
        """The first document the bot sent here (named file_name if given)."""

        def match(message: JSON) -> bool:
            document = message.get("document")
            return document is not None and file_name in (None, document.get("file_name"))

        return await self.wait_for(match, timeout, f"document {file_name or ''}".strip())

    async def wait_until(
        self, ready: Callable[[], bool], timeout: float, failure: Callable[[], str]
    ) -> None:
        """Wait until ready() holds, re-checked whenever the bot acts in this chat."""
        async with self._cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._cond.wait_for(ready)
            except TimeoutError:
                raise AssertionError(failure()) from None

    async def notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    def _markup_shown(self, other: JSON) -> None:
        """A reply keyboard, its removal or a ForceReply the bot sent with a message."""
        if "keyboard" in other:
            self.reply_keyboard = other
        elif "remove_keyboard" in other:
            self.reply_keyboard = None
        elif "force_reply" in other:
            self.force_reply = other

    def _record_bot_message(self, message: JSON) -> None:
        self._messages[message["message_id"]] = message
        self._bot_log.append(message)

    def _record_edit(self, message_id: int) -> None:
        self._edits[message_id] = self._edits.get(message_id, 0) + 1

    def _inline_button(self, message_id: int, button: str) -> dict[str, Any]:
        """The inline button of a message whose text (first) or callback_data is `button`."""
        current = self._messages.get(message_id)
        if current is None:
            raise AssertionError(f"chat {self.id}: message {message_id} not found (deleted?)")
        rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [b for row in rows for b in row]
        found = next((b for b in buttons if b.get("text") == button), None)
        found = found or next((b for b in buttons if b.get("callback_data") == button), None)
        if found is None:
            available = [(b.get("text"), b.get("callback_data")) for b in buttons]
            raise AssertionError(
                f"chat {self.id}: no button {button!r} on message {message_id}; "
                f"buttons: {available}"
            )
        if "callback_data" not in found:
            raise AssertionError(f"button {button!r} has no callback_data: {found}")
        return found
