"""Simulated residents and the group chats they share with the bot.

A SimUser is a resident and their private chat with the bot (chat id == user id). What they do
(write, press a button, share a place, forward, block the bot) becomes the update Telegram
would send. In a SimGroup the bot only hears what privacy mode lets through: commands,
mentions of it, replies to it and service messages, unless it is an administrator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.standin.chats import SimChat, now
from bot.standin.entities import found_entities
from bot.standin.protocol import JSON, snapshot

_FORWARDED_KEYS = (
    "text",
    "entities",
    "photo",
    "document",
    "sticker",
    "voice",
    "location",
    "venue",
    "caption",
    "caption_entities",
)
_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": False,
}


def _text(key: str, text: str) -> JSON:
    content: JSON = {key: text}
    entities = found_entities(text)
    if entities:
        content["entities" if key == "text" else "caption_entities"] = entities
    return content


@dataclass(eq=False)
class SimUser(SimChat):
    """A resident talking to the bot; also their private chat with it."""

    first_name: str = "Test"
    language_code: str | None = "fr"
    username: str | None = None
    blocked: bool = field(default=False, init=False)
    #: answerCallbackQuery parameters for this user's button presses, in order.
    callback_answers: list[JSON] = field(default_factory=list, init=False, repr=False)

    def to_dict(self) -> JSON:
        """The Bot API User object for this resident."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_dict(self) -> JSON:
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat

    async def deliver(self, kind: str, message: JSON) -> None:
        await self.standin.updates.enqueue(kind, message)

    # -- writing

    async def _post(self, content: JSON, chat: SimChat | None, reply_to: int | None) -> JSON:
        target = chat or self
        if target is self and self.blocked:
            raise AssertionError(f"user {self.id} blocked the bot; call unblock() first")
        if isinstance(target, SimGroup) and self.id not in target.members:
            raise AssertionError(f"user {self.id} is not in group {target.id}; join() first")
        message = target.new_message(self.to_dict(), content, reply_to)
        target.force_reply = None
        await target.deliver("message", message)
        return message

    async def send(
        self, text: str, *, reply_to: int | None = None, chat: SimChat | None = None
    ) -> JSON:
        """Send text; commands (/start, /help@bot) and @mentions get their entities."""
        return await self._post(_text("text", text), chat, reply_to)

    async def mention_bot(self, text: str, *, chat: SimGroup) -> JSON:
        """Write in a group to the bot by its @username."""
        return await self.send(f"@{self.standin.bot_username} {text}", chat=chat)

    async def send_sticker(self, emoji: str = "👍", *, chat: SimChat | None = None) -> JSON:
        sticker = self.standin.files.add("sticker")
        sticker.update(
            width=512,
            height=512,
            emoji=emoji,
            set_name="ResidentsTestPack",
            is_animated=False,
            is_video=False,
            type="regular",
        )
        return await self._post({"sticker": sticker}, chat, None)

    async def send_photo(
        self, caption: str | None = None, *, data: bytes | None = None, chat: SimChat | None = None
    ) -> JSON:
        """Send a photo, kept in several sizes like Telegram does."""
        content: JSON = {"photo": self.standin.files.add("photo", data)}
        if caption:
            content.update(_text("caption", caption))
        return await self._post(content, chat, None)

    async def send_voice(
        self, duration: int = 3, *, data: bytes | None = None, chat: SimChat | None = None
    ) -> JSON:
        voice = self.standin.files.add("voice", data, mime_type="audio/ogg")
        voice["duration"] = duration
        return await self._post({"voice": voice}, chat, None)

    async def send_document(
        self,
        file_name: str = "a.pdf",
        *,
        data: bytes | None = None,
        caption: str | None = None,
        chat: SimChat | None = None,
    ) -> JSON:
        content: JSON = {"document": self.standin.files.add("document", data, file_name=file_name)}
        if caption:
            content.update(_text("caption", caption))
        return await self._post(content, chat, None)

    async def send_location(
        self, latitude: float = 48.8566, longitude: float = 2.3522, *, chat: SimChat | None = None
    ) -> JSON:
        """Share a (static) location."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self._post({"location": location}, chat, None)

    async def send_venue(
        self,
        latitude: float,
        longitude: float,
        title: str,
        address: str,
        *,
        chat: SimChat | None = None,
    ) -> JSON:
        """Share a place; Telegram puts its location in the message too."""
        location = {"latitude": latitude, "longitude": longitude}
        venue = {"location": location, "title": title, "address": address}
        return await self._post({"venue": venue, "location": location}, chat, None)

    async def forward(
        self, original: JSON | SimUser, text: str | None = None, *, chat: SimChat | None = None
    ) -> JSON:
        """Forward a message (a dict with "from", e.g. another user's), or forward `text`
        written elsewhere by another SimUser. The bot gets forward_origin of type "user"."""
        if isinstance(original, SimUser):
            source: JSON = {"from": original.to_dict(), "date": now(), **_text("text", text or "")}
        else:
            source = original
        content = {k: snapshot(source[k]) for k in _FORWARDED_KEYS if k in source}
        origin = {"type": "user", "sender_user": snapshot(source["from"]), "date": source["date"]}
        return await self._post({"forward_origin": origin, **content}, chat, None)

    async def forward_hidden(
        self, sender_name: str, text: str, *, chat: SimChat | None = None
    ) -> JSON:
        """Forward a message whose author hides their account when forwarded: the bot gets
        forward_origin of type "hidden_user", with a name and no id."""
        origin = {"type": "hidden_user", "sender_user_name": sender_name, "date": now()}
        return await self._post({"forward_origin": origin, **_text("text", text)}, chat, None)

    async def edit(self, message_id: int, new_text: str, *, chat: SimChat | None = None) -> JSON:
        """Edit one of the user's own text messages; the bot gets edited_message."""
        target = chat or self
        message = target.message(message_id)
        if message is None or message["from"]["id"] != self.id or "text" not in message:
            raise AssertionError(f"user {self.id}: no own text message {message_id} to edit")
        message.pop("entities", None)
        message.update(_text("text", new_text), edit_date=now())
        await target.deliver("edited_message", message)
        return message

    # -- buttons

    def _located(self, message: JSON | int, chat: SimChat | None) -> tuple[SimChat, int]:
        if isinstance(message, int):
            return chat or self, message
        found = self.standin.chat(message["chat"]["id"])
        if found is None:
            raise AssertionError(f"unknown chat {message['chat']['id']}")
        return found, message["message_id"]

    async def press(self, message: JSON | int, button: str, *, chat: SimChat | None = None) -> str:
        """Press the inline button whose text (first) or callback_data equals `button`.

        Returns the callback query id. AssertionError if there is no such button.
        """
        target, message_id = self._located(message, chat)
        found = target._inline_button(message_id, button)
        return await self._callback_query(target, message_id, found["callback_data"])

    async def press_data(
        self, message: JSON | int, data: str, *, chat: SimChat | None = None
    ) -> str:
        """Forge a button press with any (possibly stale) data; returns the query id."""
        target, message_id = self._located(message, chat)
        return await self._callback_query(target, message_id, data)

    async def _callback_query(self, target: SimChat, message_id: int, data: str) -> str:
        query_id = self.standin.open_query(self)
        current = target.message(message_id)
        message = current or {"chat": target.chat_dict(), "message_id": message_id, "date": 0}
        query = {
            "id": query_id,
            "from": self.to_dict(),
            "message": message,
            "chat_instance": str((target.id * 7_919 + self.standin.bot_id) % 10**19),
            "data": data,
        }
        await self.standin.updates.enqueue("callback_query", query)
        return query_id

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 5.0) -> JSON:
        """Wait until the bot answers callback query query_id; returns the answer parameters."""

        def find() -> JSON | None:
            answers = self.callback_answers
            return next((a for a in answers if a.get("callback_query_id") == query_id), None)

        await self.wait_until(
            lambda: find() is not None,
            timeout,
            lambda: f"user {self.id}: callback query {query_id} not answered within {timeout}s",
        )
        answer = find()
        assert answer is not None
        return answer

    # -- blocking

    async def block(self) -> None:
        """Block the bot: it gets my_chat_member (member -> kicked) and then 403 on sending."""
        await self._set_blocked(True)

    async def unblock(self) -> None:
        """Unblock the bot: my_chat_member (kicked -> member)."""
        await self._set_blocked(False)

    async def _set_blocked(self, blocked: bool) -> None:
        if self.blocked == blocked:
            return
        self.blocked = blocked
        member: JSON = {"user": self.standin.bot_user(), "status": "member"}
        kicked: JSON = {"user": self.standin.bot_user(), "status": "kicked", "until_date": 0}
        old, new = (member, kicked) if blocked else (kicked, member)
        await self.standin.updates.enqueue("my_chat_member", self._member_update(self, old, new))

    def _member_update(self, chat: SimChat, old: JSON, new: JSON) -> JSON:
        return {
            "chat": chat.chat_dict(),
            "from": self.to_dict(),
            "date": now(),
            "old_chat_member": old,
            "new_chat_member": new,
        }


@dataclass(eq=False)
class SimGroup(SimChat):
    """A group or supergroup where residents talk and the bot may be a member."""

    title: str = "Residents"
    type: str = "supergroup"
    #: The bot's membership: "left", "member", "administrator" or "kicked".
    bot_status: str = field(default="left", init=False)
    members: dict[int, SimUser] = field(default_factory=dict, init=False, repr=False)

    def chat_dict(self) -> JSON:
        return {"id": self.id, "type": self.type, "title": self.title}

    def _bot_member(self, status: str) -> JSON:
        member: JSON = {"user": self.standin.bot_user(), "status": status}
        if status == "administrator":
            member.update(_ADMIN_RIGHTS)
        elif status == "kicked":
            member["until_date"] = 0
        return member

    async def join(self, *users: SimUser) -> None:
        """Users join the group (a new_chat_members service message)."""
        for user in users:
            self.members[user.id] = user
            joined = {"new_chat_members": [user.to_dict()]}
            await self.deliver("message", self.new_message(user.to_dict(), joined))

    async def add_bot(self, by: SimUser, *, admin: bool = False) -> None:
        """A member adds the bot: my_chat_member (left -> member/administrator), then the
        new_chat_members service message."""
        self._check_member(by)
        old, self.bot_status = self.bot_status, "administrator" if admin else "member"
        update = by._member_update(self, self._bot_member(old), self._bot_member(self.bot_status))
        await self.standin.updates.enqueue("my_chat_member", update)
        joined = {"new_chat_members": [self.standin.bot_user()]}
        await self.deliver("message", self.new_message(by.to_dict(), joined))

    async def remove_bot(self, by: SimUser) -> None:
        """A member removes the bot: my_chat_member to "kicked"; sending here then gets 403."""
        self._check_member(by)
        old, self.bot_status = self.bot_status, "kicked"
        update = by._member_update(self, self._bot_member(old), self._bot_member("kicked"))
        await self.standin.updates.enqueue("my_chat_member", update)

    def _check_member(self, user: SimUser) -> None:
        if user.id not in self.members:
            raise AssertionError(f"user {user.id} is not in group {self.id}; join() first")

    def is_for_bot(self, message: JSON) -> bool:
        """Whether the bot gets this message, privacy mode considered."""
        if self.bot_status not in {"member", "administrator"}:
            return False
        if self.bot_status == "administrator" or not self.standin.privacy_mode:
            return True
        if "text" not in message and "caption" not in message:
            return "new_chat_members" in message or "left_chat_member" in message
        replied: Any = message.get("reply_to_message") or {}
        if replied.get("from", {}).get("id") == self.standin.bot_id:
            return True
        text = message.get("text") or message.get("caption") or ""
        entities = message.get("entities") or message.get("caption_entities") or []
        name = self.standin.bot_username.lower()
        for entity in entities:
            word = text.encode("utf-16-le")[entity["offset"] * 2 :]
            word = word[: entity["length"] * 2].decode("utf-16-le").lower()
            if entity["type"] == "mention" and word == f"@{name}":
                return True
            commands_us = "@" not in word or word.endswith(f"@{name}")
            if entity["type"] == "bot_command" and entity["offset"] == 0 and commands_us:
                return True
        return False

    async def deliver(self, kind: str, message: JSON) -> None:
        if self.is_for_bot(message):
            await self.standin.updates.enqueue(kind, message)
