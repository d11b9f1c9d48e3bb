"""The Bot API methods around messages: the bot itself, updates and webhooks, button answers,
chat actions, chats and the command menu."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.standin.messages import check_can_send, target_chat
from bot.standin.protocol import JSON, Files, api_method, as_bool, as_int, bad, int_param
from bot.standin.users import SimUser
from bot.standin.webhook import Webhook

if TYPE_CHECKING:
    from bot.standin.server import BotAPIStandin

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_GIFT_TYPES = (
    "unlimited_gifts",
    "limited_gifts",
    "unique_gifts",
    "premium_subscription",
    "gifts_from_channels",
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]*")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@api_method("getMe")
async def get_me(standin: BotAPIStandin, params: JSON, files: Files) -> JSON:
    return {
        **standin.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": not standin.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
        "has_topics_enabled": False,
        "allows_users_to_create_topics": False,
    }


# -- updates


@api_method("getUpdates")
async def get_updates(standin: BotAPIStandin, params: JSON, files: Files) -> list[JSON]:
    return await standin.updates.get_updates(params)


def _webhook_url(url: str) -> None:
    """Telegram wants HTTPS on 443, 80, 88 or 8443; plain HTTP to this machine is let through
    so a bot under test can receive on 127.0.0.1 (Telegram itself cannot reach it anyway)."""
    parts = urlsplit(url)
    if (parts.hostname or "") in _LOOPBACK and parts.scheme in {"http", "https"}:
        return
    if parts.scheme != "https":
        raise bad("bad webhook: An HTTPS URL must be provided for webhook")
    if (parts.port or 443) not in {80, 88, 443, 8443}:
        raise bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


@api_method("setWebhook")
async def set_webhook(standin: BotAPIStandin, params: JSON, files: Files) -> tuple[bool, str]:
    url = str(params.get("url") or "")
    if not url:
        return await delete_webhook(standin, params, files)
    _webhook_url(url)
    secret = str(params.get("secret_token") or "")
    if len(secret) > 256:
        raise bad("secret token is too long")
    if not _SECRET_RE.fullmatch(secret):
        raise bad("secret token contains unallowed characters")
    connections = min(max(int_param(params, "max_connections", 40), 1), 100)
    queue = standin.updates
    if as_bool(params.get("drop_pending_updates")):
        queue.drop_pending()
    allowed_before = queue.allowed
    queue.set_allowed(params.get("allowed_updates"))
    current = queue.webhook
    unchanged = queue.allowed == allowed_before
    if current is not None and current.same_as(url, secret, connections) and unchanged:
        return True, "Webhook is already set"
    if current is not None:
        await current.stop()
    queue.webhook = Webhook(
        queue, url, secret_token=secret, max_connections=connections, policy=standin.webhook_policy
    )
    queue.webhook.start()
    await queue.wake()  # a waiting getUpdates ends with 409
    return True, "Webhook was set"


@api_method("deleteWebhook")
async def delete_webhook(standin: BotAPIStandin, params: JSON, files: Files) -> tuple[bool, str]:
    queue = standin.updates
    if as_bool(params.get("drop_pending_updates")):
        queue.drop_pending()
    if queue.webhook is None:
        return True, "Webhook is already deleted"
    webhook, queue.webhook = queue.webhook, None
    await webhook.stop()
    return True, "Webhook was deleted"


@api_method("getWebhookInfo")
async def get_webhook_info(standin: BotAPIStandin, params: JSON, files: Files) -> JSON:
    queue = standin.updates
    if queue.webhook is not None:
        return queue.webhook.info()
    return {"url": "", "has_custom_certificate": False, "pending_update_count": len(queue.pending)}


# -- answers and chat state


@api_method("answerCallbackQuery")
async def answer_callback_query(standin: BotAPIStandin, params: JSON, files: Files) -> bool:
    query_id = str(params.get("callback_query_id") or "")
    user = standin.open_queries.pop(query_id, None)
    if user is None:
        raise bad("query is too old and response timeout expired or query ID is invalid")
    user.callback_answers.append({**params, "callback_query_id": query_id})
    await user.notify()
    return True


@api_method("sendChatAction")
async def send_chat_action(standin: BotAPIStandin, params: JSON, files: Files) -> bool:
    chat = target_chat(standin, params)
    action = str(params.get("action") or "")
    if action not in _CHAT_ACTIONS:
        raise bad("wrong parameter action in request")
    check_can_send(standin, chat)
    chat.chat_actions.append(action)
    await chat.notify()
    return True


@api_method("getChat")
async def get_chat(standin: BotAPIStandin, params: JSON, files: Files) -> JSON:
    chat = target_chat(standin, params)
    gifts = isinstance(chat, SimUser)  # users accept gifts; groups cannot receive any
    return {
        **chat.chat_dict(),
        "accent_color_id": abs(chat.id) % 7,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(_GIFT_TYPES, gifts),
    }


# -- the command menu


def _commands_key(standin: BotAPIStandin, params: JSON) -> tuple[tuple[Any, ...], str]:
    """(scope type, chat_id, user_id), language_code; a chat scope needs a known chat."""
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
        raise bad("can't parse BotCommandScope JSON object")
    chat_id, user_id = as_int(scope.get("chat_id")), as_int(scope.get("user_id"))
    if scope["type"].startswith("chat") and standin.chat(chat_id or 0) is None:
        raise bad("chat not found")
    return (scope["type"], chat_id, user_id), str(params.get("language_code") or "")


@api_method("setMyCommands")
async def set_my_commands(standin: BotAPIStandin, params: JSON, files: Files) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list):
        raise bad("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad("too many commands specified")
    stored = []
    for command in commands:
        name = command.get("command") if isinstance(command, dict) else None
        description = command.get("description") if isinstance(command, dict) else None
        if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name.lstrip("/").lower()):
            raise bad("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        stored.append({"command": name.lstrip("/").lower(), "description": description})
    key = _commands_key(standin, params)
    if stored:
        standin.command_menus[key] = stored
    else:
        standin.command_menus.pop(key, None)
    return True


@api_method("getMyCommands")
async def get_my_commands(standin: BotAPIStandin, params: JSON, files: Files) -> list[JSON]:
    return list(standin.command_menus.get(_commands_key(standin, params), []))


@api_method("deleteMyCommands")
async def delete_my_commands(standin: BotAPIStandin, params: JSON, files: Files) -> bool:
    standin.command_menus.pop(_commands_key(standin, params), None)
    return True
