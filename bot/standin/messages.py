"""The Bot API methods that put, change or remove messages in a chat, validated as Telegram does.

Every check runs before anything is stored, so a rejected call leaves the chat untouched, as
in Telegram: chat and rights, text and its HTML, length after parsing (UTF-16), keyboards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.standin.chats import SimChat, now
from bot.standin.entities import (
    EntityParseError,
    check_url,
    explicit_entities,
    parse_html,
    trim,
    utf16_len,
)
from bot.standin.protocol import (
    JSON,
    ApiError,
    Files,
    api_method,
    as_bool,
    as_float,
    as_int,
    bad,
    snapshot,
)
from bot.standin.users import SimGroup, SimUser

if TYPE_CHECKING:
    from bot.standin.server import BotAPIStandin

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
Markup = tuple[JSON | None, JSON | None]  # (inline keyboard for the message, other for the chat)


# -- checks shared by the methods


def target_chat(standin: BotAPIStandin, params: JSON) -> SimChat:
    raw = params.get("chat_id")
    if raw is None or raw == "":
        raise bad("chat_id is empty")
    chat = standin.chat(as_int(raw) or 0)
    if chat is None:
        raise bad("chat not found")
    return chat


def check_can_send(standin: BotAPIStandin, chat: SimChat) -> None:
    """403 when the user blocked the bot or the bot is not (any more) in the group."""
    if isinstance(chat, SimUser) and (chat.blocked or standin.faults.has_blocked(chat.id)):
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if isinstance(chat, SimGroup) and chat.bot_status not in {"member", "administrator"}:
        kind = "supergroup" if chat.type == "supergroup" else "group"
        if chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")


def formatted(
    params: JSON, text_key: str, entities_key: str, *, allow_empty: bool
) -> tuple[str, list[JSON]]:
    """Text and entities after parse_mode (HTML only) or explicit entities, trimmed."""
    raw = params.get(text_key)
    text = "" if raw is None else str(raw)
    mode = str(params.get("parse_mode") or "").strip().lower() or "none"
    if mode == "html":  # a parse_mode wins over explicit entities, as in Telegram
        try:
            text, entities = parse_html(text)
        except EntityParseError as error:
            raise bad(f"can't parse entities: {error}") from None
    elif mode != "none":  # Telegram parses Markdown; the stand-in refuses it rather than guess
        raise bad("unsupported parse_mode")
    elif params.get(entities_key) is not None:
        entities = explicit_entities(params[entities_key], text)
    else:
        entities = []
    text, entities = trim(text, entities)
    if not text and not allow_empty:
        raise bad("message text is empty")
    return text, entities


def check_length(text: str, limit: int, description: str) -> None:
    if utf16_len(text) > limit:
        raise bad(description)


def with_entities(key: str, text: str, entities_key: str, entities: list[JSON]) -> JSON:
    content: JSON = {key: text} if text else {}
    if entities:
        content[entities_key] = entities
    return content


def reply_markup(params: JSON, *, inline_only: bool = False) -> Markup:
    """Validate reply_markup like Telegram."""
    markup = params.get("reply_markup")
    if markup is None or markup == "":
        return None, None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad(
                'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for button in (b for row in rows for b in row):
            _check_inline_button(button)
        rows = [row for row in rows if row]
        return ({"inline_keyboard": rows} if rows else None), None
    if inline_only:
        raise bad("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad('Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        for button in (b for row in rows for b in row):
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str):
                raise bad('can\'t parse keyboard button: Field "text" must be of type String')
        return None, markup
    if "remove_keyboard" in markup or "force_reply" in markup:
        return None, markup
    raise bad("can't parse reply keyboard markup JSON object")


def _check_inline_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad(prefix + "InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise bad(prefix + 'Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise bad(prefix + 'Field "text" must be of type String')
    if not button["text"]:
        raise bad("BUTTON_TEXT_EMPTY")
    if not any(key in button for key in _INLINE_ACTIONS):
        raise bad(prefix + "Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(data.encode()) if isinstance(data, str) else 0
        if not 1 <= size <= CALLBACK_DATA_LIMIT:
            raise bad("BUTTON_DATA_INVALID")
    if "url" in button and check_url(str(button["url"])) is None:
        raise bad("BUTTON_URL_INVALID")


def _coordinates(params: JSON) -> JSON:
    latitude, longitude = as_float(params.get("latitude")), as_float(params.get("longitude"))
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        raise bad("wrong coordinates specified")
    return {"latitude": latitude, "longitude": longitude}


# -- storing what the bot does


async def post(
    standin: BotAPIStandin, chat: SimChat, content: JSON, params: JSON, markup: Markup
) -> JSON:
    """Store a new bot message (every check passed) and tell observers."""
    reply = params.get("reply_parameters") or {}
    reply_id = as_int(reply.get("message_id") if isinstance(reply, dict) else None)
    reply_id = reply_id or as_int(params.get("reply_to_message_id"))
    if reply_id and chat.message(reply_id) is None:
        allow = as_bool(params.get("allow_sending_without_reply")) or (
            isinstance(reply, dict) and as_bool(reply.get("allow_sending_without_reply"))
        )
        if not allow:
            raise bad("message to be replied not found")
        reply_id = None
    message = chat.new_message(standin.bot_user(), content, reply_id or None)
    inline, other = markup
    if inline is not None:
        message["reply_markup"] = inline
    if other is not None:
        chat._markup_shown(other)
    chat._record_bot_message(message)
    await standin.bot_event(chat, message, "new")
    return message


def _editable(standin: BotAPIStandin, params: JSON) -> tuple[SimChat, JSON]:
    if params.get("inline_message_id"):
        raise bad("MESSAGE_ID_INVALID")
    chat = target_chat(standin, params)
    message_id = as_int(params.get("message_id"))
    if message_id is None:
        raise bad("message identifier is not specified")
    message = chat.message(message_id)
    if message is None:
        raise bad("message to edit not found")
    if message["from"]["id"] != standin.bot_id:
        raise bad("message can't be edited")
    return chat, message


async def _apply_edit(
    standin: BotAPIStandin, chat: SimChat, message: JSON, content: JSON, inline: JSON | None
) -> JSON:
    """Replace content and inline keyboard, or fail with "message is not modified"."""
    old = {k: message.get(k) or None for k in content}
    new = {k: v or None for k, v in content.items()}
    if old == new and message.get("reply_markup") == inline:
        raise bad(NOT_MODIFIED)
    for key, value in content.items():
        message.pop(key, None)
        if value:
            message[key] = value
    message.pop("reply_markup", None)
    if inline is not None:
        message["reply_markup"] = inline
    message["edit_date"] = now()
    chat._record_edit(message["message_id"])
    await standin.bot_event(chat, message, "edit")
    return message


# -- the methods


@api_method("sendMessage", sends=True)
async def send_message(standin: BotAPIStandin, params: JSON, files: Files) -> JSON:
    if params.get("chat_id") in (None, ""):
        raise bad("chat_id is empty")
    text, entities = formatted(params, "text", "entities", allow_empty=False)
    chat = target_chat(standin, params)
    markup = reply_markup(params)
    check_length(text, TEXT_LIMIT, "message is too long")
    check_can_send(standin, chat)
    return await post(
        standin, chat, with_entities("text", text, "entities", entities), params, markup
    )


async def _send_media(standin: BotAPIStandin, params: JSON, files: Files, kind: str) -> JSON:
    caption, entities = formatted(params, "caption", "caption_entities", allow_empty=True)
    chat = target_chat(standin, params)
    markup = reply_markup(params)
    check_length(caption, CAPTION_LIMIT, "message caption is too long")
    check_can_send(standin, chat)
    content: JSON = {kind: standin.files.resolve(params, files, kind)}
    content.update(with_entities("caption", caption, "caption_entities", entities))
    return await post(standin, chat, content, params, markup)


@api_method("sendPhoto", sends=True)
async def send_photo(standin: BotAPIStandin, params: JSON, files: Files) -> JSON:
    return await _send_media(standin, params, files, "photo")


@api_method("sendDocument", sends=True)
async def send_document(standin: BotAPIStandin, params: JSON, files: Files) -> JSON:
    return await _send_media(standin, params, files, "document")


@api_method("sendLocation", sends=True)
async def send_location(standin: BotAPIStandin, params: JSON, files: Files) -> JSON:
    chat = target_chat(standin, params)
    markup = reply_markup(params)
    location = _coordinates(params)
    check_can_send(standin, chat)
    return await post(standin, chat, {"location": location}, params, markup)


@api_method("sendVenue", sends=True)
async def send_venue(standin: BotAPIStandin, params: JSON, files: Files) -> JSON:
    chat = target_chat(standin, params)
    markup = reply_markup(params)
    location = _coordinates(params)
    title, address = str(params.get("title") or ""), str(params.get("address") or "")
    if not title:
        raise bad("venue title is empty")
    check_can_send(standin, chat)
    venue = {"location": location, "title": title, "address": address}
    return await post(
        standin, chat, {"venue": venue, "location": snapshot(location)}, params, markup
    )


@api_method("editMessageText", sends=True)
async def edit_message_text(standin: BotAPIStandin, params: JSON, files: Files) -> JSON:
    text, entities = formatted(params, "text", "entities", allow_empty=False)
    chat, message = _editable(standin, params)
    if "text" not in message:
        raise bad("there is no text in the message to edit")
    inline, _ = reply_markup(params, inline_only=True)
    check_length(text, TEXT_LIMIT, "message is too long")
    check_can_send(standin, chat)
    content = {"text": text, "entities": entities}
    return await _apply_edit(standin, chat, message, content, inline)


@api_method("editMessageReplyMarkup", sends=True)
async def edit_message_reply_markup(standin: BotAPIStandin, params: JSON, files: Files) -> JSON:
    chat, message = _editable(standin, params)
    inline, _ = reply_markup(params, inline_only=True)
    check_can_send(standin, chat)
    return await _apply_edit(standin, chat, message, {}, inline)


@api_method("deleteMessage")
async def delete_message(standin: BotAPIStandin, params: JSON, files: Files) -> bool:
    chat = target_chat(standin, params)
    message_id = as_int(params.get("message_id"))
    if message_id is None:
        raise bad("message identifier is not specified")
    message = chat.message(message_id)
    if message is None:
        raise bad("message to delete not found")
    theirs = message["from"]["id"] != standin.bot_id
    if isinstance(chat, SimGroup) and theirs and chat.bot_status != "administrator":
        raise bad("message can't be deleted")
    del chat._messages[message_id]
    await standin.bot_event(chat, message, "delete")
    return True
