"""How a screen reaches the resident: a new message, or the pressed message edited in place."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import filters

MAX_MESSAGE = 4096


def bold(html_text: str) -> str:
    """Bold a safe HTML fragment (a translated string, or text the caller escaped)."""
    return f"<b>{html_text}</b>"


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut a long text at paragraph, then line, then word boundaries, under Telegram's limit.

    The limit counts UTF-16 code units, as Telegram does (an emoji may count twice).
    """

    def size(chunk: str) -> int:
        return len(chunk.encode("utf-16-le")) // 2

    parts: list[str] = []
    rest = text
    while size(rest) > limit:
        window = rest[:limit]
        while size(window) > limit:
            window = window[:-1]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut <= 0:
            cut = len(window)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


async def show(
    update: Update,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> Message | None:
    """Render a screen. A button press edits the message it came from, like a menu; anything
    else sends a new message. Text is HTML the caller has escaped; the application's
    Defaults set parse_mode=HTML and turn link previews off."""
    query = update.callback_query
    # A message too old for Telegram to return is "inaccessible": it cannot be edited.
    editable = query is not None and isinstance(query.message, Message)
    if edit and editable and query is not None and len(text) <= MAX_MESSAGE:
        try:
            result = await query.edit_message_text(text, reply_markup=keyboard)
            return result if isinstance(result, Message) else None
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return None
            # The message may be too old or gone: fall through and send a fresh one.
    chat = update.effective_chat
    if chat is None:
        return None
    chunks = split_message(text)
    sent: Message | None = None
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        sent = await chat.send_message(chunk, reply_markup=keyboard if last else None)
    return sent


class RepliesToPrompt(filters.MessageFilter):
    """A resident's reply to one of the bot's prompts, told by the prompt's first characters
    (an emoji the prompt starts with in every language)."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(
            replied is not None
            and replied.from_user is not None
            and replied.from_user.is_bot
            and (replied.text or "").startswith(self.prefix)
        )
