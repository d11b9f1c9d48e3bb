"""Logging set-up that never writes the bot token."""

from __future__ import annotations

import logging
import re

TOKEN_PATTERN = re.compile(r"bot\d+:[A-Za-z0-9_-]+")


class RedactToken(logging.Filter):
    """httpx logs request URLs, which carry the token: mask it wherever it appears."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN_PATTERN.search(message):
            record.msg = TOKEN_PATTERN.sub("bot<token>", message)
            record.args = None
        return True


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RedactToken())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Request lines are noise at INFO (and carry the token, masked above); at DEBUG they show.
    logging.getLogger("httpx").setLevel(logging.INFO if level == "DEBUG" else logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # aiosqlite logs every call with its arguments: megabytes when the content is synced.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
