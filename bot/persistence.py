"""PTB persistence in the application's own database, so a PaaS disk wipe loses nothing."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from telegram.ext import BasePersistence, PersistenceInput

from bot.db import Database
from bot.models import PersistedData

# The shapes PTB hands to persistence (spelled out here: PTB keeps its own aliases private).
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]

USER, CHAT, BOT, CALLBACK, CONVERSATION = "user", "chat", "bot", "callback", "conversation"


class SQLPersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Stores user, chat, bot and conversation data as JSON rows of `ptb_data`."""

    def __init__(
        self,
        db: Database,
        *,
        store_data: PersistenceInput | None = None,
        update_interval: float = 5,
    ) -> None:
        super().__init__(
            store_data=store_data
            or PersistenceInput(bot_data=False, chat_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self._db = db
        # What the database holds, as JSON: PTB re-saves every active user's data on each
        # flush, changed or not; unchanged data costs no write.
        self._saved: dict[tuple[str, str], str] = {}

    async def _load(self, kind: str) -> list[PersistedData]:
        async with self._db.session() as session:
            stmt = select(PersistedData).where(PersistedData.kind == kind)
            rows = list(await session.scalars(stmt))
        for row in rows:
            self._saved[(kind, row.key)] = json.dumps(row.data, sort_keys=True, default=str)
        return rows

    async def _save(self, kind: str, key: str, data: Any) -> None:
        encoded = json.dumps(data, sort_keys=True, default=str)
        if self._saved.get((kind, key), "{}") == encoded:  # nothing stored means empty
            return
        async with self._db.session() as session:
            await session.merge(PersistedData(kind=kind, key=key, data=data))
        self._saved[(kind, key)] = encoded

    async def _drop(self, kind: str, key: str) -> None:
        self._saved.pop((kind, key), None)
        async with self._db.session() as session:
            await session.execute(
                delete(PersistedData).where(PersistedData.kind == kind, PersistedData.key == key)
            )

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return {int(row.key): dict(row.data or {}) for row in await self._load(USER)}

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {int(row.key): dict(row.data or {}) for row in await self._load(CHAT)}

    async def get_bot_data(self) -> dict[str, Any]:
        rows = await self._load(BOT)
        return dict(rows[0].data or {}) if rows else {}

    async def get_callback_data(self) -> CDCData | None:
        rows = await self._load(CALLBACK)
        if not rows:
            return None
        data = rows[0].data
        return [tuple(item) for item in data[0]], data[1]  # type: ignore[return-value]

    async def get_conversations(self, name: str) -> ConversationDict:
        conversations: dict[ConversationKey, object] = {}
        for row in await self._load(CONVERSATION):
            conv_name, _, raw_key = row.key.partition(":")
            if conv_name == name:
                conversations[tuple(json.loads(raw_key))] = row.data
        return conversations

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        row_key = f"{name}:{json.dumps(list(key))}"
        if new_state is None:
            await self._drop(CONVERSATION, row_key)
        else:
            await self._save(CONVERSATION, row_key, new_state)

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        await self._save(USER, str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        await self._save(CHAT, str(chat_id), data)

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        await self._save(BOT, "bot", data)

    async def update_callback_data(self, data: CDCData) -> None:
        await self._save(CALLBACK, "callback", [list(data[0]), data[1]])

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop(CHAT, str(chat_id))

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop(USER, str(user_id))

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """The database is only written by this process, so memory is already current."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """See refresh_user_data."""

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        """See refresh_user_data."""

    async def flush(self) -> None:
        """Every update is written through at once; nothing is buffered here."""


__all__ = ["SQLPersistence"]
