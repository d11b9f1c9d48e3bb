"""Logging set-up: every line names the update being handled, none ever holds the bot token
(tracebacks included) or the webhook secret. Plain text by default, one JSON object a line
with LOG_FORMAT=json (for log collectors)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

# The token as it appears in Bot API URLs, and bare ("123456:AA...", e.g. in InvalidToken).
TOKEN_PATTERN = re.compile(r"(?:bot)?\d{3,}:[A-Za-z0-9_-]{20,}")

# The update the current task is handling (set by bot.telegram.ordering for the handlers, and
# by the webhook endpoint while it stores one). Each asyncio task has its own copy.
current_update: ContextVar[int | None] = ContextVar("current_update", default=None)


@contextmanager
def update_context(update_id: int | None) -> Iterator[None]:
    token = current_update.set(update_id)
    try:
        yield
    finally:
        current_update.reset(token)


class UpdateIdFilter(logging.Filter):
    """Adds `update_id` (None outside an update) to every record that passes the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "update_id"):
            record.update_id = current_update.get()
        return True


class RedactingFormatter(logging.Formatter):
    """Masks the secrets in the whole formatted record: message, arguments and traceback."""

    def __init__(self, fmt: str | None = None, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(fmt)
        self._secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return TOKEN_PATTERN.sub("<token>", text)


class TextFormatter(RedactingFormatter):
    """`2026-11-25 09:30:00,123 INFO bot.app [update 42]: message`"""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(update)s: %(message)s", secrets)

    def format(self, record: logging.LogRecord) -> str:
        update_id = getattr(record, "update_id", None)
        record.update = f" [update {update_id}]" if update_id is not None else ""
        return super().format(record)


class JsonFormatter(RedactingFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, update_id, and
    the traceback as `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "update_id": getattr(record, "update_id", None),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return self.redact(json.dumps(entry, ensure_ascii=False))


def formatter(log_format: str, secrets: tuple[str, ...] = ()) -> RedactingFormatter:
    return JsonFormatter(secrets=secrets) if log_format == "json" else TextFormatter(secrets)


def setup_logging(
    level: str, token: str | None = None, *, log_format: str = "text", secrets: tuple[str, ...] = ()
) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(UpdateIdFilter())
    handler.setFormatter(formatter(log_format, (token or "", *secrets)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries log whole updates and API parameters (names, message texts) at DEBUG: they
    # stay at INFO whatever LOG_LEVEL says, so logs never hold what residents wrote.
    logging.getLogger("telegram").setLevel(max(logging.INFO, root.level))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # The web server's own lines (start, stop); requests are counted in /metrics instead.
    logging.getLogger("uvicorn").setLevel(max(logging.INFO, root.level))
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
