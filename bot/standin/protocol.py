"""Bot API wire conventions shared by every method: error bodies and parameter typing.

Clients send JSON, urlencoded or multipart forms; Telegram types the values the same way
whichever was used, so recorded calls and checks must not depend on the encoding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.standin.server import BotAPIStandin

JSON = dict[str, Any]
#: Uploaded multipart parts by field name: (file name, bytes, content type).
Files = dict[str, tuple[str, bytes, str]]
Handler = Callable[["BotAPIStandin", JSON, Files], Awaitable[Any]]


@dataclass(frozen=True)
class Method:
    """A Bot API method served; `sends` methods count against flood limits."""

    name: str
    handler: Handler
    sends: bool = False


#: Served methods by lowercase name (Telegram method names are case-insensitive).
METHODS: dict[str, Method] = {}


def api_method(name: str, *, sends: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler for the Bot API method `name`."""

    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = Method(name, handler, sends)
        return handler

    return register


_INT_PARAMS = frozenset(
    {
        "chat_id",
        "user_id",
        "message_id",
        "reply_to_message_id",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
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
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
    }
)
# Parameters whose value is a JSON object or array; forms carry them as JSON text.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
    }
)


class ApiError(Exception):
    """A Bot API error answer; raised anywhere while serving a method."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def response(self) -> web.Response:
        if self.code in (502, 503, 504):
            # These come from Telegram's front proxy, not the Bot API: an HTML page.
            title = f"{self.code} {self.description}"
            page = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            page += f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            page += "</body>\r\n</html>\r\n"
            return web.Response(status=self.code, text=page, content_type="text/html")
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.code)


def bad(description: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


def too_many(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def as_int(value: Any) -> int | None:
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


def as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1"}
    return bool(value)


def int_param(params: JSON, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    number = as_int(value)
    if number is None:
        raise bad(f"invalid {name} specified")
    return number


def snapshot(value: Any) -> Any:
    """A deep copy as it would cross the wire: later edits must not leak into it."""
    return json.loads(json.dumps(value))


async def read_params(request: web.Request) -> tuple[JSON, Files]:
    """Merge query string and body (JSON, urlencoded or multipart); type the known fields."""
    params: JSON = dict(request.query)
    files: Files = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = json.loads(await request.text() or "{}")
            except ValueError:
                raise bad("can't parse JSON encoded request") from None
            if isinstance(body, dict):
                params.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    upload = (value.filename or key, value.file.read(), value.content_type)
                    files[key] = upload
                else:
                    params[key] = value
    for key in _JSON_PARAMS & params.keys():
        value = params[key]
        if isinstance(value, str):
            try:
                params[key] = json.loads(value)
            except ValueError:
                what = "reply keyboard markup" if key == "reply_markup" else key
                raise bad(f"can't parse {what} JSON object") from None
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in _INT_PARAMS and as_int(value) is not None:
            params[key] = as_int(value)
        elif key in _FLOAT_PARAMS and as_float(value) is not None:
            params[key] = as_float(value)
        elif key in _BOOL_PARAMS and value.lower() in {"true", "false"}:
            params[key] = value.lower() == "true"
    return params, files
