"""An in-process stand-in for the Telegram Bot API HTTP server.

End-to-end tests, the terminal chat mode and the throughput benchmark point a real
python-telegram-bot ``Application`` at it instead of api.telegram.org: the bot's HTTP layer, its
JSON and the Bot API's validation (HTML entities, length limits, keyboards, "message is not
modified", blocked users, flood control) are exercised for real, without network or token.

Residents are simulated by :class:`SimUser` objects that queue updates (messages, button presses,
blocks) and observe what the bot sent back. Waiting is event driven (asyncio conditions), never
fixed sleeps, so tests are fast and not flaky.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import itertools
import json
import logging
import mimetypes
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

__all__ = [
    "BotAPIStandin",
    "EntityParseError",
    "SimUser",
    "parse_entities",
    "utf16_len",
]

JSON = dict[str, Any]
BotMessageHook = Callable[[int, JSON, str], None]

_log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# sendPhoto, sendDocument...: one implementation, told which kind of media it sends.
_MEDIA_METHODS = {
    f"send{kind}": kind
    for kind in ("photo", "document", "sticker", "voice", "audio", "video", "animation")
}
CALLBACK_DATA_LIMIT = 64
DOWNLOAD_LIMIT = 20 * 1024 * 1024

# Update types Telegram sends when allowed_updates was never set (or set to []).
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Scalar parameters typed like the Bot API does, so recorded calls do not depend on whether the
# client sent JSON or a form (where every value is a string).
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "user_id",
        "message_id",
        "reply_to_message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "duration",
        "max_connections",
    }
)
_FLOAT_PARAMS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
_BOOL_PARAMS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "drop_pending_updates",
        "disable_web_page_preview",
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
        "is_big",
    }
)
# Parameters whose value is a JSON object/array; form-encoded requests carry them as JSON text.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "link_preview_options",
        "reply_parameters",
        "media",
        "message_ids",
    }
)
_CONTENT_KEYS = (
    "text",
    "entities",
    "photo",
    "document",
    "sticker",
    "voice",
    "audio",
    "video",
    "animation",
    "location",
    "venue",
    "contact",
    "caption",
    "caption_entities",
)
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
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_USER_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,32})?(?=\s|$)")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)

# Placeholder payloads so downloads of simulated media return plausible bytes.
_SAMPLE_BYTES = {
    "photo": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9",
    "voice": b"OggS\x00\x02" + b"\x00" * 20 + b"OpusHead",
    "sticker": b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10",
    "document": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
}
_FOLDERS = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "sticker": ("stickers", ".webp"),
    "voice": ("voice", ".oga"),
    "audio": ("music", ".mp3"),
    "video": ("videos", ".mp4"),
    "animation": ("animations", ".mp4"),
}
_FILE_ID_PREFIX = {
    "photo": "AgACAgQAAxkBAAI",
    "document": "BQACAgQAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "voice": "AwACAgQAAxkBAAI",
    "audio": "CQACAgQAAxkBAAI",
    "video": "BAACAgQAAxkBAAI",
    "animation": "CgACAgQAAxkBAAI",
}
_PHOTO_SIZES = ((90, 67), (320, 240), (800, 600))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of Telegram limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _now() -> int:
    return int(time.time())


def _snapshot(value: Any) -> Any:
    """A deep copy as it would arrive over the wire: later edits must not leak into it."""
    return json.loads(json.dumps(value))


# --------------------------------------------------------------------------------------------
# Errors and parameter decoding


class _ApiError(Exception):
    """A Bot API error response; raised anywhere inside a method handler."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.code)


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _as_int(value: Any) -> int | None:
    """Telegram accepts integers as JSON numbers or decimal strings (form encoding)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1"}
    return bool(value)


def _int_param(params: JSON, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    number = _as_int(value)
    if number is None:
        raise _bad(f"invalid {name} specified")
    return number


# --------------------------------------------------------------------------------------------
# Formatted text: HTML, MarkdownV2 and legacy Markdown, ported from TDLib's parsers


class EntityParseError(ValueError):
    """The text is not valid for its parse_mode; str() is Telegram's wording after the colon."""


_SPACE_BYTES = frozenset(b" \t\r\n\v\f\x00")
_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_HTML_TAGS = frozenset({"a", "pre", "code", "blockquote", "tg-emoji", *_HTML_SIMPLE})
_MD2_RESERVED = b"_*[]()~`>#+-=|{}.!"
_MD2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _is_space(byte: int) -> bool:
    return byte in _SPACE_BYTES


def _u16_step(byte: int) -> int:
    """UTF-16 units contributed by a UTF-8 byte (counted on each character's first byte)."""
    if byte & 0xC0 == 0x80:
        return 0
    return 2 if byte >= 0xF0 else 1


def _html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """Decode ``&...;`` at pos like Telegram: (code point or 0 if not an entity, end position)."""
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    end = pos + 1
    code = 0
    if at(end) == ord("#"):
        end += 1
        hexadecimal = at(end) == ord("x")
        if hexadecimal:
            end += 1
        digits = b"0123456789abcdefABCDEF" if hexadecimal else b"0123456789"
        while at(end) and at(end) in digits:
            code = code * (16 if hexadecimal else 10) + int(chr(at(end)), 16)
            end += 1
            if code >= 0x10FFFF:
                return 0, pos
        if code == 0 or end - pos >= 10:
            return 0, pos
    else:
        while chr(at(end)).isascii() and chr(at(end)).isalpha():
            end += 1
        name = data[pos + 1 : end]
        code = {b"lt": 60, b"gt": 62, b"amp": 38, b"quot": 34}.get(name, 0)
        if not code:
            return 0, pos
    if at(end) == ord(";"):
        end += 1
    return code, end


def _encode_char(code: int) -> bytes:
    char = chr(code)
    return ("\ufffd" if 0xD800 <= code <= 0xDFFF else char).encode()


def _check_url(url: str) -> str | None:
    """Normalise a link target like Telegram, or None when it would drop the entity."""
    url = url.strip()
    if not url or any(c.isspace() for c in url):
        return None
    scheme_match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", url)
    if scheme_match is None:
        if url.lower().startswith(("tg:", "ton:")):
            return url
        url = f"http://{url}"
    elif scheme_match.group(1).lower() in {"tg", "ton"}:
        return url
    elif scheme_match.group(1).lower() not in {"http", "https"}:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = parts.hostname or ""
    if not host or ("." not in host and host != "localhost"):
        return None
    return urlunsplit(parts._replace(path=parts.path or "/"))


def _finish(out: bytearray, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Sort entities like Telegram and drop those nested inside code/pre."""
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    blocks = [e for e in entities if e["type"] in {"code", "pre"}]
    kept = [
        e
        for e in entities
        if not any(
            b is not e
            and b["offset"] <= e["offset"]
            and e["offset"] + e["length"] <= b["offset"] + b["length"]
            for b in blocks
        )
    ]
    for entity in kept:
        if entity["type"] == "code":
            entity.pop("language", None)
    return out.decode("utf-8", "replace"), kept


def _parse_html(text: str) -> tuple[str, list[JSON]]:
    data = text.encode("utf-8", "surrogatepass")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out = bytearray()
    entities: list[JSON] = []
    stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 offset, output position
    u16 = 0
    i = 0
    while i < n:
        c = data[i]
        if c == ord("&"):
            code, end = _html_entity(data, i)
            if code:
                out += _encode_char(code)
                u16 += 2 if code > 0xFFFF else 1
                i = end
                continue
        if c != ord("<"):
            out.append(c)
            u16 += _u16_step(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != ord("/"):
            while not _is_space(at(i)) and at(i) != ord(">"):
                i += 1
            if at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != ord(">"):
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == ord(">"):
                    break
                attribute_begin = i
                while not _is_space(at(i)) and at(i) not in b"=>/\"'":
                    i += 1
                attribute = data[attribute_begin:i].decode("utf-8", "replace").lower()
                if not attribute:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) != ord("="):
                    if tag == "blockquote" and attribute == "expandable":
                        argument = "expandable"
                        continue
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == 0:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in (ord('"'), ord("'")):
                    token_begin = i
                    while chr(at(i)).isascii() and (chr(at(i)).isalnum() or at(i) in b".-"):
                        i += 1
                    value = data[token_begin:i].decode().lower()
                    if not _is_space(at(i)) and at(i) != ord(">"):
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    raw = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == ord("&"):
                            code, end = _html_entity(data, i)
                            if code:
                                raw += _encode_char(code)
                                i = end
                                continue
                        raw.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = raw.decode("utf-8", "replace")
                if at(i) == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attribute == "href":
                    argument = value
                elif tag == "code" and attribute == "class" and value.startswith("language-"):
                    argument = value.removeprefix("language-")
                elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                    argument = value.removeprefix("tg-")
                elif tag == "tg-emoji" and attribute == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append((tag, argument, u16, len(out)))
            i += 1
            continue
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(at(i)) and at(i) != ord(">"):
            i += 1
        end_tag = data[begin + 2 : i].decode("utf-8", "replace")
        while at(i) != 0 and _is_space(at(i)):
            i += 1
        if at(i) != ord(">"):
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        tag, argument, offset, out_pos = stack.pop()
        if end_tag and end_tag != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                f'found "</{end_tag}>"'
            )
        i += 1
        if u16 > offset:
            inner = out[out_pos:].decode("utf-8", "replace")
            _close_html(tag, argument, offset, u16 - offset, inner, entities)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return _finish(out, entities)


def _close_html(
    tag: str, argument: str, offset: int, length: int, inner: str, entities: list[JSON]
) -> None:
    span: JSON = {"offset": offset, "length": length}
    last = entities[-1] if entities else None
    same_range = last is not None and last["offset"] == offset and last["length"] == length
    if tag in _HTML_SIMPLE:
        entities.append({"type": _HTML_SIMPLE[tag], **span})
    elif tag == "a":
        url = _check_url(argument or inner)
        if url is not None:
            entities.append({"type": "text_link", **span, "url": url})
    elif tag == "pre":
        if last is not None and same_range and last["type"] == "code":
            language = last.pop("language", "")
            last["type"] = "pre"
            if language:
                last["language"] = language
        else:
            entities.append({"type": "pre", **span})
    elif tag == "code":
        if last is not None and same_range and last["type"] == "pre":
            if argument:
                last["language"] = argument
        else:
            entities.append({"type": "code", **span, "language": argument})
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
        entities.append({"type": kind, **span})
    elif tag == "tg-emoji":
        if not argument.isdigit():
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", **span, "custom_emoji_id": argument})


def _parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    data = text.encode("utf-8", "surrogatepass")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    def reserved(byte: int) -> EntityParseError:
        return EntityParseError(
            f"Character '{chr(byte)}' is reserved and must be escaped with the preceding '\\'"
        )

    out = bytearray()
    entities: list[JSON] = []
    stack: list[tuple[str, str, int, int, int]] = []  # kind, argument, u16, byte offset, out pos
    quote_start: int | None = None
    u16 = 0
    i = 0
    while i < n:
        c = data[i]
        if c == ord("\\") and 0 < at(i + 1) <= 126:
            out.append(data[i + 1])
            u16 += 1
            i += 2
            continue
        in_code = bool(stack) and stack[-1][0] in {"code", "pre"}
        if not in_code and (i == 0 or data[i - 1] == ord("\n")):
            if c == ord(">"):
                if quote_start is None:
                    quote_start = u16
                i += 1
                continue
            if quote_start is not None:
                if u16 - 1 > quote_start:
                    entities.append(
                        {
                            "type": "blockquote",
                            "offset": quote_start,
                            "length": u16 - 1 - quote_start,
                        }
                    )
                quote_start = None
        if c not in (b"`" if in_code else _MD2_RESERVED):
            out.append(c)
            u16 += _u16_step(c)
            i += 1
            continue
        top = stack[-1][0] if stack else None
        is_end = (
            (top == "bold" and c == ord("*"))
            or (top == "italic" and c == ord("_") and at(i + 1) != ord("_"))
            or (top == "underline" and c == ord("_") and at(i + 1) == ord("_"))
            or (top == "strikethrough" and c == ord("~"))
            or (top == "spoiler" and c == ord("|") and at(i + 1) == ord("|"))
            or (top == "code" and c == ord("`"))
            or (top == "pre" and data[i : i + 3] == b"```")
            or (top in {"text_link", "custom_emoji"} and c == ord("]"))
        )
        if not is_end:
            begin = i
            argument = ""
            if c == ord("_"):
                kind = "italic"
                if at(i + 1) == ord("_"):
                    kind = "underline"
                    i += 1
            elif c == ord("*"):
                kind = "bold"
            elif c == ord("~"):
                kind = "strikethrough"
            elif c == ord("|") and at(i + 1) == ord("|"):
                kind = "spoiler"
                i += 1
            elif c == ord("["):
                kind = "text_link"
            elif c == ord("`") and data[i : i + 3] == b"```":
                kind = "pre"
                i += 3
                language_end = i
                while not _is_space(at(language_end)) and at(language_end) != ord("`"):
                    language_end += 1
                if i != language_end and language_end < n and at(language_end) != ord("`"):
                    argument = data[i:language_end].decode("utf-8", "replace")
                    i = language_end
                if at(i) in b"\r\n":
                    i += 2 if at(i + 1) in b"\r\n" and at(i) != at(i + 1) else 1
                i -= 1
            elif c == ord("`"):
                kind = "code"
            elif c == ord("!") and at(i + 1) == ord("["):
                kind = "custom_emoji"
                i += 1
            else:
                raise reserved(c)
            stack.append((kind, argument, u16, begin, len(out)))
            i += 1
            continue
        kind, argument, offset, _, out_pos = stack.pop()
        skip = u16 == offset
        if kind in {"underline", "spoiler"}:
            i += 1
        elif kind == "pre":
            i += 2
        elif kind in {"text_link", "custom_emoji"}:
            if at(i + 1) != ord("("):
                url = out[out_pos:].decode("utf-8", "replace")
            else:
                i += 2
                url_begin = i
                raw = bytearray()
                while i < n and data[i] != ord(")"):
                    if data[i] == ord("\\") and 0 < at(i + 1) <= 126:
                        raw.append(data[i + 1])
                        i += 2
                        continue
                    raw.append(data[i])
                    i += 1
                if at(i) != ord(")"):
                    raise EntityParseError(f"Can't find end of a URL at byte offset {url_begin}")
                url = raw.decode("utf-8", "replace")
            if kind == "text_link":
                checked = _check_url(url)
                skip = skip or checked is None
                argument = checked or ""
            else:
                emoji = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                if emoji is None:
                    raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                argument = emoji.group(1)
        if not skip:
            entity: JSON = {"type": kind, "offset": offset, "length": u16 - offset}
            if kind == "text_link":
                entity["url"] = argument
            elif kind == "custom_emoji":
                entity["custom_emoji_id"] = argument
            elif kind == "pre" and argument:
                entity["language"] = argument
            entities.append(entity)
        i += 1
    if stack:
        kind, argument, _, begin, _ = stack[-1]
        name = "PreCode" if kind == "pre" and argument else _MD2_NAMES[kind]
        raise EntityParseError(f"Can't find end of {name} entity at byte offset {begin}")
    if quote_start is not None and u16 > quote_start:
        entities.append({"type": "blockquote", "offset": quote_start, "length": u16 - quote_start})
    return _finish(out, entities)


def _parse_markdown(text: str) -> tuple[str, list[JSON]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), few escapes."""
    data = text.encode("utf-8", "surrogatepass")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out = bytearray()
    entities: list[JSON] = []
    u16 = 0
    i = 0
    while i < n:
        c = data[i]
        if c == ord("\\") and at(i + 1) and at(i + 1) in b"_*`[":
            out.append(data[i + 1])
            u16 += 1
            i += 2
            continue
        if c not in b"_*`[":
            out.append(c)
            u16 += _u16_step(c)
            i += 1
            continue
        begin = i
        end_char = ord("]") if c == ord("[") else c
        i += 1
        language = ""
        is_pre = c == ord("`") and data[i : i + 2] == b"``"
        if is_pre:
            i += 2
            language_end = i
            while not _is_space(at(language_end)) and at(language_end) != ord("`"):
                language_end += 1
            if i != language_end and language_end < n and at(language_end) != ord("`"):
                language = data[i:language_end].decode("utf-8", "replace")
                i = language_end
            if at(i) in b"\r\n":
                i += 2 if at(i + 1) in b"\r\n" and at(i) != at(i + 1) else 1
        offset = u16
        while i < n and (at(i) != end_char or (is_pre and data[i + 1 : i + 3] != b"``")):
            out.append(data[i])
            u16 += _u16_step(data[i])
            i += 1
        if i >= n:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if u16 > offset:
            span: JSON = {"offset": offset, "length": u16 - offset}
            if c == ord("_"):
                entities.append({"type": "italic", **span})
            elif c == ord("*"):
                entities.append({"type": "bold", **span})
            elif c == ord("["):
                if at(i + 1) != ord("("):
                    url = data[begin + 1 : i].decode("utf-8", "replace")
                else:
                    i += 2
                    url_begin = i
                    while i < n and data[i] != ord(")"):
                        i += 1
                    url = data[url_begin:i].decode("utf-8", "replace")
                checked = _check_url(url)
                if checked is not None:
                    entities.append({"type": "text_link", **span, "url": checked})
            elif is_pre:
                entities.append(
                    {"type": "pre", **span, **({"language": language} if language else {})}
                )
            else:
                entities.append({"type": "code", **span})
        if is_pre:
            i += 2
        i += 1
    return _finish(out, entities)


def parse_entities(text: str, parse_mode: str) -> tuple[str, list[JSON]]:
    """Parse formatted text like Telegram: (plain text, MessageEntity dicts in UTF-16 units).

    Raises EntityParseError with Telegram's description (the part after
    "can't parse entities: "), or ValueError for an unknown parse_mode.
    """
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown(text)
    raise ValueError(f"unsupported parse_mode {parse_mode!r}")


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Telegram strips trailing whitespace and leading blank lines before the first entity."""
    lead = len(text) - len(text.lstrip("\n"))
    if entities:
        lead = min(lead, min(e["offset"] for e in entities))
    text = text[lead:].rstrip(" \t\r\n\v\f")
    size = utf16_len(text)
    kept = []
    for entity in entities:
        offset = entity["offset"] - lead
        length = min(entity["length"], size - offset)
        if length > 0:
            kept.append({**entity, "offset": offset, "length": length})
    return text, kept


def _clean_entities(raw: Any, text: str) -> list[JSON]:
    """Explicit `entities`: keep well-formed ones, clamped to the text, sorted."""
    if not isinstance(raw, list):
        raise _bad("can't parse entities JSON object")
    size = utf16_len(text)
    kept = []
    for entity in raw:
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
            raise _bad('can\'t parse MessageEntity: Field "type" must be of type String')
        offset, length = _as_int(entity.get("offset")), _as_int(entity.get("length"))
        if offset is None or length is None or offset < 0 or length <= 0 or offset >= size:
            continue
        kept.append({**entity, "offset": offset, "length": min(length, size - offset)})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return kept


def _bot_command_entities(text: str) -> list[JSON]:
    match = _USER_COMMAND_RE.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


def _describe(message: JSON) -> str:
    """A one-line summary for assertion messages."""
    if "text" in message:
        return repr(message["text"])
    if "caption" in message:
        return f"<caption {message['caption']!r}>"
    kinds = [k for k in _CONTENT_KEYS if k in message]
    return f"<{kinds[0] if kinds else 'message'}>"


# --------------------------------------------------------------------------------------------
# Stored files and flood control


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    media: Any  # the object a Message carries for it (a PhotoSize list for photos)


@dataclass
class _Bucket:
    """Token bucket: `rate` requests per second, bursts up to max(1, rate)."""

    rate: float
    tokens: float
    stamp: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        capacity = max(1.0, self.rate)
        self.tokens = min(capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


# --------------------------------------------------------------------------------------------
# Simulated residents


@dataclass(eq=False)
class SimUser:
    """A resident talking to the bot in a private chat (chat id == user id).

    Sending methods queue updates for the bot. Bot messages to this chat are kept in order;
    `wait_for_messages` reads them through a cursor that only it advances.
    """

    standin: BotAPIStandin = field(repr=False)
    id: int
    first_name: str = "Test"
    language_code: str | None = "fr"
    username: str | None = None
    blocked: bool = field(default=False, init=False)
    #: Current ReplyKeyboardMarkup shown to the user (None after ReplyKeyboardRemove).
    reply_keyboard: JSON | None = field(default=None, init=False, repr=False)
    #: The last ForceReply the bot sent; cleared when the user sends a message.
    force_reply: JSON | None = field(default=None, init=False, repr=False)
    #: answerCallbackQuery parameters for this user's button presses, in order.
    callback_answers: list[JSON] = field(default_factory=list, init=False, repr=False)
    #: sendChatAction actions the bot sent to this chat, in order.
    chat_actions: list[str] = field(default_factory=list, init=False, repr=False)
    _messages: dict[int, JSON] = field(default_factory=dict, init=False, repr=False)
    _bot_log: list[JSON] = field(default_factory=list, init=False, repr=False)
    _cursor: int = field(default=0, init=False, repr=False)
    _edits: dict[int, int] = field(default_factory=dict, init=False, repr=False)
    _last_message_id: int = field(default=0, init=False, repr=False)
    _cond: asyncio.Condition = field(default_factory=asyncio.Condition, init=False, repr=False)

    # -- Bot API shapes

    def to_dict(self) -> JSON:
        """The Bot API User object for this resident."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_dict(self) -> JSON:
        """The Bot API Chat object of the private chat with the bot."""
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username:
            chat["username"] = self.username
        return chat

    # -- What the bot sent

    @property
    def inbox(self) -> list[JSON]:
        """Bot messages in this chat, oldest first, current state (edits applied, deleted ones
        left out). The dicts are live: they change when the bot edits them."""
        return [m for m in self._bot_log if m["message_id"] in self._messages]

    def message(self, message_id: int) -> JSON | None:
        """The current state of any message of this chat, None if unknown or deleted."""
        return self._messages.get(message_id)

    def mark_read(self) -> None:
        """Move the wait_for_messages cursor past everything the bot has sent so far."""
        self._cursor = len(self._bot_log)

    async def wait_for_messages(self, n: int = 1, timeout: float = 5.0) -> list[JSON]:
        """The next n bot messages after the cursor, advancing it by n.

        The cursor starts at the first message and is moved only by this method and
        `mark_read`, so replies that arrive before the call are never missed. Messages are live
        dicts (current state). On timeout raises AssertionError listing what did arrive.
        """

        def describe() -> str:
            got = [_describe(m) for m in self._bot_log[self._cursor :]]
            return (
                f"user {self.id}: expected {n} new bot message(s) within {timeout}s, "
                f"got {len(got)}: {', '.join(got) or 'nothing'}"
            )

        await self._wait(lambda: len(self._bot_log) - self._cursor >= n, timeout, describe)
        batch = self._bot_log[self._cursor : self._cursor + n]
        self._cursor += n
        return batch

    async def wait_for_message(self, timeout: float = 5.0) -> JSON:
        """Shorthand for ``(await wait_for_messages(1, timeout))[0]``."""
        return (await self.wait_for_messages(1, timeout))[0]

    async def wait_for_edit(self, message_id: int, timeout: float = 5.0) -> JSON:
        """Wait until the bot edits message_id after this call; returns its current state."""
        seen = self._edits.get(message_id, 0)

        def describe() -> str:
            current = self._messages.get(message_id)
            state = _describe(current) if current else "deleted or unknown"
            return f"user {self.id}: message {message_id} not edited within {timeout}s ({state})"

        await self._wait(lambda: self._edits.get(message_id, 0) > seen, timeout, describe)
        return self._messages.get(message_id) or {"message_id": message_id}

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 5.0) -> JSON:
        """Wait until the bot answers callback query query_id; returns the answer parameters."""

        def find() -> JSON | None:
            return next(
                (a for a in self.callback_answers if a.get("callback_query_id") == query_id), None
            )

        await self._wait(
            lambda: find() is not None,
            timeout,
            lambda: f"user {self.id}: callback query {query_id} not answered within {timeout}s",
        )
        answer = find()
        assert answer is not None
        return answer

    async def _wait(
        self, ready: Callable[[], bool], timeout: float, describe: Callable[[], str]
    ) -> None:
        async with self._cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._cond.wait_for(ready)
            except TimeoutError:
                raise AssertionError(describe()) from None

    # -- What the user does

    async def send(self, text: str, *, reply_to: int | None = None) -> JSON:
        """Send a text message; a leading /command gets its bot_command entity."""
        content: JSON = {"text": text}
        entities = _bot_command_entities(text)
        if entities:
            content["entities"] = entities
        return await self.standin._user_message(self, content, reply_to=reply_to)

    async def send_sticker(self, emoji: str = "👍") -> JSON:
        """Send a regular static sticker."""
        sticker = self.standin._media("sticker", None)
        sticker.update(
            width=512,
            height=512,
            emoji=emoji,
            set_name="ResidentsTestPack",
            is_animated=False,
            is_video=False,
            type="regular",
        )
        return await self.standin._user_message(self, {"sticker": sticker})

    async def send_photo(self, caption: str | None = None, *, data: bytes | None = None) -> JSON:
        """Send a photo (three PhotoSize variants, like Telegram)."""
        content: JSON = {"photo": self.standin._media("photo", data)}
        if caption:
            content["caption"] = caption
        return await self.standin._user_message(self, content)

    async def send_voice(self, duration: int = 3, *, data: bytes | None = None) -> JSON:
        """Send a voice note (OGG/Opus)."""
        voice = self.standin._media("voice", data, mime_type="audio/ogg")
        voice["duration"] = duration
        return await self.standin._user_message(self, {"voice": voice})

    async def send_location(self, latitude: float = 48.8566, longitude: float = 2.3522) -> JSON:
        """Share a static location."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self.standin._user_message(self, {"location": location})

    async def send_document(
        self, file_name: str = "a.pdf", *, data: bytes | None = None, caption: str | None = None
    ) -> JSON:
        """Send a file as a document."""
        content: JSON = {"document": self.standin._media("document", data, file_name=file_name)}
        if caption:
            content["caption"] = caption
        return await self.standin._user_message(self, content)

    async def send_contact(
        self,
        phone_number: str = "+33612345678",
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        own: bool = True,
    ) -> JSON:
        """Share a contact; own=True is the "share my phone number" button (user_id is set)."""
        contact: JSON = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
        }
        if last_name:
            contact["last_name"] = last_name
        if own:
            contact["user_id"] = self.id
        return await self.standin._user_message(self, {"contact": contact})

    async def edit(self, message_id: int, new_text: str) -> JSON:
        """Edit one of the user's own text messages; queues an edited_message update."""
        return await self.standin._user_edit(self, message_id, new_text)

    async def press(self, message: JSON | int, button: str) -> str:
        """Press the inline button whose text (first) or callback_data equals `button`.

        Returns the callback query id. Raises AssertionError if there is no such button.
        """
        message_id = message if isinstance(message, int) else message["message_id"]
        current = self._messages.get(message_id)
        if current is None:
            raise AssertionError(f"user {self.id}: message {message_id} not found (deleted?)")
        rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [b for row in rows for b in row]
        found = next((b for b in buttons if b.get("text") == button), None)
        found = found or next((b for b in buttons if b.get("callback_data") == button), None)
        if found is None:
            available = [(b.get("text"), b.get("callback_data")) for b in buttons]
            raise AssertionError(
                f"user {self.id}: no button {button!r} on message {message_id}; "
                f"buttons: {available}"
            )
        if "callback_data" not in found:
            raise AssertionError(f"button {button!r} has no callback_data: {found}")
        return await self.standin._callback_query(self, message_id, found["callback_data"])

    async def press_data(self, message_id: int, data: str) -> str:
        """Forge a button press with arbitrary (possibly stale) data; returns the query id."""
        return await self.standin._callback_query(self, message_id, data)

    async def block(self) -> None:
        """Block the bot: queues my_chat_member (member -> kicked); sending then gets 403."""
        await self.standin._set_blocked(self, True)

    async def unblock(self) -> None:
        """Unblock the bot: queues my_chat_member (kicked -> member)."""
        await self.standin._set_blocked(self, False)


# --------------------------------------------------------------------------------------------
# The server


class BotAPIStandin:
    """The Bot API over HTTP on 127.0.0.1, with simulated residents; see the module docstring.

    Point PTB at it with ``base_url=f"{standin.base_url}/bot"`` and
    ``base_file_url=f"{standin.base_url}/file/bot"``.
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
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        #: Every Bot API call with a valid token: (lowercase method name, decoded parameters).
        self.calls: list[tuple[str, JSON]] = []
        #: Called as hook(chat_id, message snapshot, "new" | "edit" | "delete").
        self.on_bot_message: BotMessageHook | None = None
        self.webhook_url = ""
        self.menu_buttons: dict[int | None, JSON] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (field, language_code) -> text
        self._users: dict[int, SimUser] = {}
        self._commands: dict[tuple[tuple[Any, ...], str], list[JSON]] = {}
        self._updates: deque[JSON] = deque()
        self._updates_cond = asyncio.Condition()
        self._calls_cond = asyncio.Condition()
        self._next_update_id = 10_000
        self._allowed: frozenset[str] | None = None
        self._poll_generation = 0
        self._open_queries: dict[str, SimUser] = {}
        self._next_query = 0
        self._files: dict[str, _StoredFile] = {}
        self._paths: dict[str, _StoredFile] = {}
        self._file_counter = 0
        self._injected: dict[str, deque[_ApiError]] = {}
        self._chat_rate: float | None = None
        self._global_rate: float | None = None
        self._retry_after = 1
        self._chat_buckets: dict[int, _Bucket] = {}
        self._global_bucket: _Bucket | None = None
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._closing = False

    # -- lifecycle

    async def start(self) -> None:
        """Bind and serve; port 0 picks a free ephemeral port (see base_url)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self._bound_port = self._runner.addresses[0][1]
        self._closing = False

    async def stop(self) -> None:
        """Release pending long polls at once, then close the server."""
        self._closing = True
        async with self._updates_cond:
            self._updates_cond.notify_all()
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

    # -- configuration and inspection for tests

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
        """Register (or get) a resident whose private chat with the bot exists."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        created = SimUser(self, user_id, first_name, language_code, username)
        self._users[user_id] = created
        return created

    @property
    def users(self) -> dict[int, SimUser]:
        """Registered residents by id."""
        return dict(self._users)

    @property
    def pending_update_count(self) -> int:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    def calls_of(self, method: str) -> list[JSON]:
        """Parameters of every call to `method` (case-insensitive), in order."""
        name = method.lower()
        return [params for called, params in self.calls if called == name]

    async def wait_for_call(self, method: str, timeout: float = 5.0) -> JSON:
        """The first call to `method` ever received, waiting for it if needed."""
        name = method.lower()
        async with self._calls_cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._calls_cond.wait_for(lambda: bool(self.calls_of(name)))
            except TimeoutError:
                raise AssertionError(f"no {method} call within {timeout}s") from None
        return self.calls_of(name)[0]

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[JSON]:
        """Commands stored by setMyCommands for exactly this scope and language ([] if none)."""
        scope: JSON = {"type": scope_type}
        if chat_id is not None:
            scope["chat_id"] = chat_id
        if user_id is not None:
            scope["user_id"] = user_id
        return list(self._commands.get((self._scope_key(scope), language_code), []))

    def set_flood_limit(
        self,
        per_chat_per_second: float | None,
        global_per_second: float | None,
        retry_after: int = 1,
    ) -> None:
        """Enable (or, with None, disable) 429 flood control on send/edit/copy/forward methods."""
        self._chat_rate = per_chat_per_second
        self._global_rate = global_per_second
        self._retry_after = retry_after
        self._chat_buckets.clear()
        self._global_bucket = (
            _Bucket(global_per_second, max(1.0, global_per_second)) if global_per_second else None
        )

    def fail_next(
        self, method: str, error_code: int, description: str, retry_after: int | None = None
    ) -> None:
        """Make the next call of `method` fail with this error (queued if called repeatedly)."""
        error = _ApiError(error_code, description, retry_after)
        self._injected.setdefault(method.lower(), deque()).append(error)

    def register_file(self, data: bytes, file_name: str = "file.bin") -> JSON:
        """Store bytes as a document the bot can getFile and download; returns its File."""
        media = self._media("document", data, file_name=file_name)
        return self._file_object(self._files[media["file_id"]])

    # -- HTTP

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _ApiError(401, "Unauthorized").response()
        name = request.match_info["method"].lower()
        try:
            params, files = await self._read_params(request)
        except _ApiError as error:
            return error.response()
        recorded = dict(params)
        for key, (file_name, payload, _) in files.items():
            recorded[key] = f"<file {file_name} {len(payload)} bytes>"
        self.calls.append((name, recorded))
        async with self._calls_cond:
            self._calls_cond.notify_all()
        handler = getattr(self, f"_api_{name}", None) if name.isalnum() else None
        if name in _MEDIA_METHODS:
            handler = functools.partial(self._send_media, kind=_MEDIA_METHODS[name])
        if handler is None:
            return _ApiError(404, "Not Found").response()
        try:
            injected = self._injected.get(name)
            if injected:
                raise injected.popleft()
            self._check_flood(name, params)
            result = await handler(params, files)
        except _ApiError as error:
            return error.response()
        if isinstance(result, tuple):
            result, description = result
            return web.json_response({"ok": True, "result": result, "description": description})
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _ApiError(401, "Unauthorized").response()
        stored = self._paths.get(request.match_info["file_path"])
        if stored is None:
            return _ApiError(404, "Not Found").response()
        content_type = mimetypes.guess_type(stored.file_path)[0] or "application/octet-stream"
        return web.Response(body=stored.data, content_type=content_type)

    async def _read_params(
        self, request: web.Request
    ) -> tuple[JSON, dict[str, tuple[str, bytes, str]]]:
        """Merge query string, JSON body, urlencoded or multipart form; decode JSON fields."""
        params: JSON = dict(request.query)
        files: dict[str, tuple[str, bytes, str]] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = json.loads(await request.text() or "{}")
                except ValueError:
                    raise _bad("can't parse JSON encoded request") from None
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = (
                            value.filename or key,
                            value.file.read(),
                            value.content_type,
                        )
                    else:
                        params[key] = value
        for key in _JSON_PARAMS & params.keys():
            value = params[key]
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    what = "reply keyboard markup" if key == "reply_markup" else key
                    raise _bad(f"can't parse {what} JSON object") from None
        for key, value in params.items():
            if not isinstance(value, str):
                continue
            if key in _INT_PARAMS and _as_int(value) is not None:
                params[key] = _as_int(value)
            elif key in _FLOAT_PARAMS and _as_float(value) is not None:
                params[key] = _as_float(value)
            elif key in _BOOL_PARAMS and value.lower() in {"true", "false"}:
                params[key] = value.lower() == "true"
        return params, files

    def _check_flood(self, name: str, params: JSON) -> None:
        if not name.startswith(("send", "edit", "copy", "forward")) or name == "sendchataction":
            return
        limited = self._global_bucket is not None and not self._global_bucket.take()
        chat_id = _as_int(params.get("chat_id"))
        if not limited and self._chat_rate and chat_id is not None:
            bucket = self._chat_buckets.setdefault(
                chat_id, _Bucket(self._chat_rate, max(1.0, self._chat_rate))
            )
            limited = not bucket.take()
        if limited:
            raise _ApiError(
                429, f"Too Many Requests: retry after {self._retry_after}", self._retry_after
            )

    # -- shared helpers for methods

    def _chat(self, params: JSON, key: str = "chat_id") -> SimUser:
        raw = params.get(key)
        if raw is None or raw == "":
            raise _bad(f"{key} is empty")
        user = self._users.get(_as_int(raw) or 0)
        if user is None:
            raise _bad("chat not found")
        return user

    @staticmethod
    def _check_blocked(user: SimUser) -> None:
        if user.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")

    def _formatted(
        self, params: JSON, text_key: str, entities_key: str, *, allow_empty: bool
    ) -> tuple[str, list[JSON]]:
        raw = params.get(text_key)
        text = "" if raw is None else str(raw)
        parse_mode = str(params.get("parse_mode") or "")
        if params.get(entities_key) is not None:
            entities = _clean_entities(params[entities_key], text)
        elif parse_mode:
            try:
                text, entities = parse_entities(text, parse_mode)
            except EntityParseError as error:
                raise _bad(f"can't parse entities: {error}") from None
            except ValueError:
                raise _bad("unsupported parse_mode") from None
        else:
            entities = []
        text, entities = _trim(text, entities)
        if not text and not allow_empty:
            raise _bad("message text is empty")
        return text, entities

    def _markup(
        self, params: JSON, *, inline_only: bool = False
    ) -> tuple[JSON | None, JSON | None]:
        """Validate reply_markup: (inline keyboard for the message, other keyboard for the chat)."""
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None, None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad(
                    'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for button in (b for row in rows for b in row):
                self._check_inline_button(button)
            rows = [row for row in rows if row]
            return ({"inline_keyboard": rows} if rows else None), None
        if inline_only:
            raise _bad("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
            for button in (b for row in rows for b in row):
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str):
                    raise _bad('can\'t parse keyboard button: Field "text" must be of type String')
            return None, markup
        if "remove_keyboard" in markup or "force_reply" in markup:
            return None, markup
        raise _bad("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        prefix = "can't parse inline keyboard button: "
        if not isinstance(button, dict):
            raise _bad(prefix + "InlineKeyboardButton must be an Object")
        if "text" not in button:
            raise _bad(prefix + 'Can\'t find field "text"')
        if not isinstance(button["text"], str):
            raise _bad(prefix + 'Field "text" must be of type String')
        if not button["text"]:
            raise _bad("BUTTON_TEXT_EMPTY")
        if not any(key in button for key in _INLINE_ACTIONS):
            raise _bad(prefix + "Text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(data.encode()) if isinstance(data, str) else 0
            if not 1 <= size <= CALLBACK_DATA_LIMIT:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button and _check_url(str(button["url"])) is None:
            raise _bad("BUTTON_URL_INVALID")

    @staticmethod
    def _check_length(text: str, limit: int, description: str) -> None:
        if utf16_len(text) > limit:
            raise _bad(description)

    @staticmethod
    def _with_entities(key: str, text: str, entities_key: str, entities: list[JSON]) -> JSON:
        content: JSON = {key: text} if text else {}
        if entities:
            content[entities_key] = entities
        return content

    async def _post(
        self, user: SimUser, content: JSON, params: JSON, markup: tuple[JSON | None, JSON | None]
    ) -> JSON:
        """Store a new bot message (after every check passed) and notify observers."""
        reply = params.get("reply_parameters") or {}
        reply_id = _as_int(reply.get("message_id") if isinstance(reply, dict) else None)
        reply_id = reply_id or _as_int(params.get("reply_to_message_id"))
        replied: JSON | None = None
        if reply_id:
            replied = user._messages.get(reply_id)
            allow = _as_bool(params.get("allow_sending_without_reply")) or (
                isinstance(reply, dict) and _as_bool(reply.get("allow_sending_without_reply"))
            )
            if replied is None and not allow:
                raise _bad("message to be replied not found")
        user._last_message_id += 1
        message: JSON = {
            "message_id": user._last_message_id,
            "from": self.bot_user(),
            "chat": user.chat_dict(),
            "date": _now(),
        }
        if replied is not None:
            message["reply_to_message"] = {
                k: v for k, v in _snapshot(replied).items() if k != "reply_to_message"
            }
        message.update(content)
        inline, other = markup
        if inline is not None:
            message["reply_markup"] = inline
        if other is not None:
            if "keyboard" in other:
                user.reply_keyboard = other
            elif "remove_keyboard" in other:
                user.reply_keyboard = None
            elif "force_reply" in other:
                user.force_reply = other
        user._messages[message["message_id"]] = message
        user._bot_log.append(message)
        await self._bot_event(user, message, "new")
        return message

    async def _bot_event(self, user: SimUser, message: JSON, kind: str) -> None:
        if kind == "edit":
            user._edits[message["message_id"]] = user._edits.get(message["message_id"], 0) + 1
        async with user._cond:
            user._cond.notify_all()
        if self.on_bot_message is not None:
            try:
                self.on_bot_message(user.id, _snapshot(message), kind)
            except Exception:
                _log.exception("on_bot_message hook failed")

    def _target_message(self, params: JSON) -> tuple[SimUser, int]:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        user = self._chat(params)
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise _bad("message identifier is not specified")
        return user, message_id

    def _editable(self, user: SimUser, message_id: int) -> JSON:
        message = user._messages.get(message_id)
        if message is None:
            raise _bad("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise _bad("message can't be edited")
        return message

    async def _apply_edit(
        self,
        user: SimUser,
        message: JSON,
        content: JSON,
        content_keys: tuple[str, ...],
        inline: JSON | None,
    ) -> JSON:
        """Replace content and inline keyboard, or fail with "message is not modified"."""
        old = {k: message.get(k) or None for k in content_keys}
        new = {k: content.get(k) or None for k in content_keys}
        if old == new and message.get("reply_markup") == inline:
            raise _bad(_NOT_MODIFIED)
        for key in content_keys:
            message.pop(key, None)
        message.update({k: v for k, v in content.items() if v})
        message.pop("reply_markup", None)
        if inline is not None:
            message["reply_markup"] = inline
        message["edit_date"] = _now()
        await self._bot_event(user, message, "edit")
        return message

    # -- media

    def _store(self, kind: str, data: bytes, extension: str, media: Any) -> _StoredFile:
        self._file_counter += 1
        number = self._file_counter
        digest = hashlib.sha256(f"{kind}:{number}".encode()).hexdigest()
        folder, default_extension = _FOLDERS.get(kind, ("documents", ""))
        stored = _StoredFile(
            file_id=f"{_FILE_ID_PREFIX.get(kind, 'BQACAgQAAxkBAAI')}{number:06d}{digest[:40]}",
            file_unique_id=f"AQAD{digest[40:52]}",
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{number}{extension or default_extension}",
            media=media,
        )
        self._files[stored.file_id] = stored
        self._paths[stored.file_path] = stored
        return stored

    def _media(
        self,
        kind: str,
        data: bytes | None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> Any:
        """Create a stored file and its Message object (a PhotoSize list for photos)."""
        data = _SAMPLE_BYTES.get(kind, b"") if data is None else data
        if kind == "photo":
            sizes: list[JSON] = []
            for width, height in _PHOTO_SIZES:
                size = max(1, len(data) * width * height // (800 * 600))
                stored = self._store("photo", data, ".jpg", sizes)
                sizes.append(
                    {
                        "file_id": stored.file_id,
                        "file_unique_id": stored.file_unique_id,
                        "file_size": size,
                        "width": width,
                        "height": height,
                    }
                )
            return sizes
        extension = ""
        if file_name and "." in file_name:
            extension = file_name[file_name.rfind(".") :]
        media: JSON = {}
        stored = self._store(kind, data, extension, media)
        media.update(
            file_id=stored.file_id, file_unique_id=stored.file_unique_id, file_size=len(data)
        )
        if kind in {"document", "audio", "video", "animation"}:
            media["file_name"] = file_name or f"file_{self._file_counter}{extension}"
        if kind in {"document", "audio", "voice", "video", "animation"}:
            guessed = mimetypes.guess_type(file_name or "")[0]
            media["mime_type"] = mime_type or guessed or "application/octet-stream"
        return media

    @staticmethod
    def _file_object(stored: _StoredFile) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _input_media(
        self, params: JSON, files: dict[str, tuple[str, bytes, str]], kind: str
    ) -> Any:
        """Resolve an uploaded file, an attach:// part, a known file_id or an HTTP URL."""
        value = params.get(kind)
        upload = files.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad(f"wrong remote file identifier specified: {value}")
        if upload is not None:
            file_name, data, content_type = upload
            return self._media(kind, data, file_name=file_name, mime_type=content_type)
        if value is None or value == "":
            raise _bad(f"there is no {kind} in the request")
        value = str(value)
        stored = self._files.get(value)
        if stored is not None:
            if stored.kind != kind:
                raise _bad(f"can't use file of type {stored.kind.title()} as {kind.title()}")
            return _snapshot(stored.media)
        if value.startswith(("http://", "https://")):
            file_name = urlsplit(value).path.rsplit("/", 1)[-1] or None
            return self._media(kind, b"", file_name=file_name)
        raise _bad("wrong file identifier/HTTP URL specified")

    async def _send_media(
        self, params: JSON, files: dict[str, tuple[str, bytes, str]], kind: str
    ) -> JSON:
        caption, caption_entities = self._formatted(
            params, "caption", "caption_entities", allow_empty=True
        )
        user = self._chat(params)
        markup = self._markup(params)
        self._check_length(caption, CAPTION_LIMIT, "message caption is too long")
        self._check_blocked(user)
        content: JSON = {kind: self._input_media(params, files, kind)}
        if kind != "sticker":
            content.update(
                self._with_entities("caption", caption, "caption_entities", caption_entities)
            )
        return await self._post(user, content, params, markup)

    # -- updates from simulated residents

    async def _enqueue(self, kind: str, payload: JSON) -> None:
        if not self._is_allowed(kind):
            return
        async with self._updates_cond:
            self._next_update_id += 1
            self._updates.append({"update_id": self._next_update_id, kind: _snapshot(payload)})
            self._updates_cond.notify_all()

    def _is_allowed(self, kind: str) -> bool:
        if self._allowed is None:
            return kind not in _DEFAULT_EXCLUDED_UPDATES
        return kind in self._allowed

    async def _user_message(
        self, user: SimUser, content: JSON, *, reply_to: int | None = None
    ) -> JSON:
        if user.blocked:
            raise AssertionError(f"user {user.id} blocked the bot; call unblock() first")
        user._last_message_id += 1
        message: JSON = {
            "message_id": user._last_message_id,
            "from": user.to_dict(),
            "chat": user.chat_dict(),
            "date": _now(),
        }
        if reply_to is not None:
            replied = user._messages.get(reply_to)
            if replied is None:
                raise AssertionError(f"user {user.id}: no message {reply_to} to reply to")
            message["reply_to_message"] = {
                k: v for k, v in _snapshot(replied).items() if k != "reply_to_message"
            }
        message.update(content)
        user._messages[message["message_id"]] = message
        user.force_reply = None
        await self._enqueue("message", message)
        return message

    async def _user_edit(self, user: SimUser, message_id: int, new_text: str) -> JSON:
        message = user._messages.get(message_id)
        if message is None or message["from"]["id"] != user.id or "text" not in message:
            raise AssertionError(f"user {user.id}: no own text message {message_id} to edit")
        message["text"] = new_text
        message.pop("entities", None)
        entities = _bot_command_entities(new_text)
        if entities:
            message["entities"] = entities
        message["edit_date"] = _now()
        await self._enqueue("edited_message", message)
        return message

    async def _callback_query(self, user: SimUser, message_id: int, data: str) -> str:
        self._next_query += 1
        query_id = str(4_611_686_018_427_387_904 + self._next_query * 1_000_003 + user.id)
        current = user._messages.get(message_id)
        message = current or {"chat": user.chat_dict(), "message_id": message_id, "date": 0}
        self._open_queries[query_id] = user
        await self._enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_dict(),
                "message": message,
                "chat_instance": str((user.id * 7_919 + self.bot_id) % 10**19),
                "data": data,
            },
        )
        return query_id

    async def _set_blocked(self, user: SimUser, blocked: bool) -> None:
        if user.blocked == blocked:
            return
        user.blocked = blocked
        member: JSON = {"user": self.bot_user(), "status": "member"}
        kicked: JSON = {"user": self.bot_user(), "status": "kicked", "until_date": 0}
        await self._enqueue(
            "my_chat_member",
            {
                "chat": user.chat_dict(),
                "from": user.to_dict(),
                "date": _now(),
                "old_chat_member": member if blocked else kicked,
                "new_chat_member": kicked if blocked else member,
            },
        )

    # -- Bot API methods: bot and updates

    async def _api_getme(self, params: JSON, files: dict[str, Any]) -> JSON:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
            "has_topics_enabled": False,
            "allows_users_to_create_topics": False,
        }

    async def _api_logout(self, params: JSON, files: dict[str, Any]) -> bool:
        return True

    async def _api_close(self, params: JSON, files: dict[str, Any]) -> bool:
        return True

    async def _api_getupdates(self, params: JSON, files: dict[str, Any]) -> list[JSON]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        timeout = max(_as_float(params.get("timeout") or 0) or 0.0, 0.0)
        self._set_allowed(params.get("allowed_updates"))
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        self._poll_generation += 1
        generation = self._poll_generation
        if timeout and not self._updates and not self._closing:
            async with self._updates_cond:
                try:
                    async with asyncio.timeout(timeout):
                        await self._updates_cond.wait_for(
                            lambda: (
                                bool(self._updates)
                                or self._closing
                                or generation != self._poll_generation
                            )
                        )
                except TimeoutError:
                    pass
        if generation != self._poll_generation and not self._closing:
            raise _ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return list(itertools.islice(self._updates, limit))

    def _set_allowed(self, allowed: Any) -> None:
        if allowed is None:
            return
        if not isinstance(allowed, list):
            raise _bad("can't parse allowed updates")
        self._allowed = frozenset(str(kind) for kind in allowed) or None
        kept = [
            u for u in self._updates if self._is_allowed(next(k for k in u if k != "update_id"))
        ]
        self._updates = deque(kept)

    async def _api_setwebhook(self, params: JSON, files: dict[str, Any]) -> tuple[bool, str]:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if _as_bool(params.get("drop_pending_updates")):
            self._updates.clear()
        self._set_allowed(params.get("allowed_updates"))
        self.webhook_url = url
        return True, "Webhook was set" if url else "Webhook was deleted"

    async def _api_deletewebhook(self, params: JSON, files: dict[str, Any]) -> tuple[bool, str]:
        if _as_bool(params.get("drop_pending_updates")):
            self._updates.clear()
        was_set = bool(self.webhook_url)
        self.webhook_url = ""
        return True, "Webhook was deleted" if was_set else "Webhook is already deleted"

    async def _api_getwebhookinfo(self, params: JSON, files: dict[str, Any]) -> JSON:
        info: JSON = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = 40
            info["ip_address"] = "127.0.0.1"
            if self._allowed is not None:
                info["allowed_updates"] = sorted(self._allowed)
        return info

    # -- Bot API methods: messages

    async def _api_sendmessage(self, params: JSON, files: dict[str, Any]) -> JSON:
        if params.get("chat_id") in (None, ""):
            raise _bad("chat_id is empty")
        text, entities = self._formatted(params, "text", "entities", allow_empty=False)
        user = self._chat(params)
        markup = self._markup(params)
        self._check_length(text, TEXT_LIMIT, "message is too long")
        self._check_blocked(user)
        content = self._with_entities("text", text, "entities", entities)
        return await self._post(user, content, params, markup)

    async def _api_sendlocation(self, params: JSON, files: dict[str, Any]) -> JSON:
        user = self._chat(params)
        markup = self._markup(params)
        content = {"location": self._coordinates(params)}
        self._check_blocked(user)
        return await self._post(user, content, params, markup)

    async def _api_sendvenue(self, params: JSON, files: dict[str, Any]) -> JSON:
        user = self._chat(params)
        markup = self._markup(params)
        location = self._coordinates(params)
        title, address = str(params.get("title") or ""), str(params.get("address") or "")
        if not title:
            raise _bad("venue title is empty")
        self._check_blocked(user)
        venue = {"location": location, "title": title, "address": address}
        return await self._post(user, {"venue": venue, "location": location}, params, markup)

    @staticmethod
    def _coordinates(params: JSON) -> JSON:
        latitude, longitude = _as_float(params.get("latitude")), _as_float(params.get("longitude"))
        if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
            raise _bad("wrong coordinates specified")
        return {"latitude": latitude, "longitude": longitude}

    async def _api_forwardmessage(self, params: JSON, files: dict[str, Any]) -> JSON:
        source = self._chat(params, "from_chat_id")
        user = self._chat(params)
        original = source._messages.get(_as_int(params.get("message_id")) or 0)
        if original is None:
            raise _bad("message to forward not found")
        self._check_blocked(user)
        content = {k: _snapshot(original[k]) for k in _CONTENT_KEYS if k in original}
        origin = {"type": "user", "sender_user": original["from"], "date": original["date"]}
        return await self._post(user, {"forward_origin": origin, **content}, {}, (None, None))

    async def _api_copymessage(self, params: JSON, files: dict[str, Any]) -> JSON:
        source = self._chat(params, "from_chat_id")
        user = self._chat(params)
        original = source._messages.get(_as_int(params.get("message_id")) or 0)
        if original is None:
            raise _bad("message to copy not found")
        markup = self._markup(params)
        content = {k: _snapshot(original[k]) for k in _CONTENT_KEYS if k in original}
        if "caption" in params and "text" not in content:
            caption, entities = self._formatted(
                params, "caption", "caption_entities", allow_empty=True
            )
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._with_entities("caption", caption, "caption_entities", entities))
        self._check_blocked(user)
        copied = await self._post(user, content, params, markup)
        return {"message_id": copied["message_id"]}

    async def _api_editmessagetext(self, params: JSON, files: dict[str, Any]) -> JSON:
        user, message_id = self._target_message(params)
        text, entities = self._formatted(params, "text", "entities", allow_empty=False)
        message = self._editable(user, message_id)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        inline, _ = self._markup(params, inline_only=True)
        self._check_length(text, TEXT_LIMIT, "message is too long")
        self._check_blocked(user)
        content = {"text": text, "entities": entities}
        return await self._apply_edit(user, message, content, ("text", "entities"), inline)

    async def _api_editmessagecaption(self, params: JSON, files: dict[str, Any]) -> JSON:
        user, message_id = self._target_message(params)
        caption, entities = self._formatted(params, "caption", "caption_entities", allow_empty=True)
        message = self._editable(user, message_id)
        if "text" in message:
            raise _bad("there is no caption in the message to edit")
        inline, _ = self._markup(params, inline_only=True)
        self._check_length(caption, CAPTION_LIMIT, "message caption is too long")
        self._check_blocked(user)
        content = {"caption": caption or None, "caption_entities": entities or None}
        keys = ("caption", "caption_entities")
        return await self._apply_edit(user, message, content, keys, inline)

    async def _api_editmessagereplymarkup(self, params: JSON, files: dict[str, Any]) -> JSON:
        user, message_id = self._target_message(params)
        message = self._editable(user, message_id)
        inline, _ = self._markup(params, inline_only=True)
        self._check_blocked(user)
        return await self._apply_edit(user, message, {}, (), inline)

    async def _api_deletemessage(self, params: JSON, files: dict[str, Any]) -> bool:
        user = self._chat(params)
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = user._messages.pop(message_id, None)
        if message is None:
            raise _bad("message to delete not found")
        await self._bot_event(user, message, "delete")
        return True

    async def _api_answercallbackquery(self, params: JSON, files: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        user = self._open_queries.pop(query_id, None)
        if user is None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        user.callback_answers.append({**params, "callback_query_id": query_id})
        async with user._cond:
            user._cond.notify_all()
        return True

    async def _api_sendchataction(self, params: JSON, files: dict[str, Any]) -> bool:
        user = self._chat(params)
        action = str(params.get("action") or "")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_blocked(user)
        user.chat_actions.append(action)
        return True

    async def _api_getchat(self, params: JSON, files: dict[str, Any]) -> JSON:
        user = self._chat(params)
        return {
            **user.chat_dict(),
            "accent_color_id": user.id % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    async def _api_getfile(self, params: JSON, files: dict[str, Any]) -> JSON:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        if len(stored.data) > DOWNLOAD_LIMIT:
            raise _bad("file is too big")
        return self._file_object(stored)

    # -- Bot API methods: commands, menu button, descriptions

    @staticmethod
    def _scope_key(scope: Any) -> tuple[Any, ...]:
        scope = scope or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise _bad("can't parse BotCommandScope JSON object")
        chat_id = _as_int(scope.get("chat_id"))
        user_id = _as_int(scope.get("user_id"))
        return (scope["type"], chat_id, user_id)

    async def _api_setmycommands(self, params: JSON, files: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        stored = []
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name.lstrip("/").lower()):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": name.lstrip("/").lower(), "description": description})
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        if stored:
            self._commands[key] = stored
        else:
            self._commands.pop(key, None)
        return True

    async def _api_getmycommands(self, params: JSON, files: dict[str, Any]) -> list[JSON]:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        return list(self._commands.get(key, []))

    async def _api_deletemycommands(self, params: JSON, files: dict[str, Any]) -> bool:
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        self._commands.pop(key, None)
        return True

    async def _api_setchatmenubutton(self, params: JSON, files: dict[str, Any]) -> bool:
        chat_id = None
        if params.get("chat_id") not in (None, ""):
            chat_id = self._chat(params).id
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in {
            "default",
            "commands",
            "web_app",
        }:
            raise _bad("can't parse menu button JSON object")
        self.menu_buttons[chat_id] = button
        return True

    async def _api_getchatmenubutton(self, params: JSON, files: dict[str, Any]) -> JSON:
        chat_id = None
        if params.get("chat_id") not in (None, ""):
            chat_id = self._chat(params).id
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}

    def _set_text(self, params: JSON, key: str, limit: int) -> bool:
        value = str(params.get(key) or "")
        if len(value) > limit:
            raise _bad(f"{key} is too long")
        self.bot_texts[(key, str(params.get("language_code") or ""))] = value
        return True

    def _get_text(self, params: JSON, key: str) -> JSON:
        language = str(params.get("language_code") or "")
        value = self.bot_texts.get((key, language), self.bot_texts.get((key, ""), ""))
        if key == "name" and not value:
            value = self.bot_first_name
        return {key: value}

    async def _api_setmydescription(self, params: JSON, files: dict[str, Any]) -> bool:
        return self._set_text(params, "description", 512)

    async def _api_getmydescription(self, params: JSON, files: dict[str, Any]) -> JSON:
        return self._get_text(params, "description")

    async def _api_setmyshortdescription(self, params: JSON, files: dict[str, Any]) -> bool:
        return self._set_text(params, "short_description", 120)

    async def _api_getmyshortdescription(self, params: JSON, files: dict[str, Any]) -> JSON:
        return self._get_text(params, "short_description")

    async def _api_setmyname(self, params: JSON, files: dict[str, Any]) -> bool:
        return self._set_text(params, "name", 64)

    async def _api_getmyname(self, params: JSON, files: dict[str, Any]) -> JSON:
        return self._get_text(params, "name")
