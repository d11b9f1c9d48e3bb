"""Telegram's HTML, checked before anything is sent: staff see why a text would be refused.

Telegram accepts a small set of tags (https://core.telegram.org/bots/api#html-style), each
closed in order, and `<`, `>` and `&` escaped elsewhere. The command line's `--text` is
checked here; the bot's composer builds its HTML from Telegram's own entities, which are
valid by construction, and its preview shows Telegram's own refusal if any.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

STRAY = re.compile(r"<(?![A-Za-z/])")
# What Telegram accepts, counted on the text residents see (tags read, in UTF-16 code units).
TEXT_LIMIT = 4096  # a message
CAPTION_LIMIT = 1024  # a photo's caption

ALLOWED = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "span", "tg-spoiler", "tg-emoji", "blockquote",
    }
)  # fmt: skip
# The attributes Telegram reads, per tag; any other is refused rather than passed on (a staff
# member's text is shown as HTML in the back office's preview too).
ATTRIBUTES = {
    "a": {"href"},
    "span": {"class"},
    "code": {"class"},
    "tg-emoji": {"emoji-id"},
    "blockquote": {"expandable"},
}
LINK_SCHEMES = ("http://", "https://", "tg://", "mailto:")


class FormatError(ValueError):
    """Why Telegram would refuse the text, in words staff understand. `reason` names the
    problem for a translated message ("tag", "attribute", "href", "closes", "unclosed",
    "stray", "empty"), `tag` the tag concerned if any, `attribute` the attribute."""

    def __init__(self, message: str, reason: str = "", tag: str = "", attribute: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.tag = tag
        self.attribute = attribute


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            raise FormatError(
                f"<{tag}> is not a tag Telegram accepts (use b, i, u, s, a, code)", "tag", tag
            )
        for name, _value in attrs:
            if name not in ATTRIBUTES.get(tag, ()):
                raise FormatError(
                    f"Telegram does not accept {name} on <{tag}>", "attribute", tag, name
                )
        if tag == "a" and not (dict(attrs).get("href") or "").strip().lower().startswith(
            LINK_SCHEMES
        ):
            raise FormatError("a link <a> needs an http(s) href", "href", "a")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            expected = f"</{self.open[-1]}>" if self.open else "no closing tag"
            raise FormatError(
                f"</{tag}> closes nothing open here (expected {expected})", "closes", tag
            )
        self.open.pop()


def check_html(text: str) -> None:
    """Raise FormatError naming the first problem; a stray `<` counts as one."""
    if not text.strip():
        raise FormatError("the text is empty", "empty")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.open:
        raise FormatError(f"<{checker.open[-1]}> is never closed", "unclosed", checker.open[-1])
    if STRAY.search(text):
        raise FormatError("a '<' that is not a tag: write &lt; instead", "stray")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_length(text: str) -> int:
    """How long Telegram counts a checked text: what residents see, without the tags and
    with `&amp;` as one character, in UTF-16 code units (an emoji may count two)."""
    parser = _Visible()
    parser.feed(text)
    parser.close()
    return len("".join(parser.parts).encode("utf-16-le")) // 2
