"""Logging set-up that never writes the bot token, tracebacks included."""

from __future__ import annotations

import logging
import re

# The token as it appears in Bot API URLs, and bare ("123456:AA...", e.g. in InvalidToken).
TOKEN_PATTERN = re.compile(r"(?:bot)?\d{3,}:[A-Za-z0-9_-]{20,}")


class RedactingFormatter(logging.Formatter):
    """Masks the token in the whole formatted record: message, arguments and traceback."""

    def __init__(self, fmt: str, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(fmt)
        self._secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return TOKEN_PATTERN.sub("<token>", text)


def setup_logging(level: str, token: str | None = None) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", (token or "",))
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries log whole updates and API parameters (names, message texts) at DEBUG: they
    # stay at INFO whatever LOG_LEVEL says, so logs never hold what residents wrote.
    logging.getLogger("telegram").setLevel(max(logging.INFO, root.level))
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
