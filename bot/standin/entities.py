"""Formatted text as Telegram sees it: strict HTML parsing, and entities found in users' texts.

The bot sends HTML; if the stand-in accepted what Telegram rejects (an unknown tag, a stray
"<", an unclosed tag), tests would pass on messages residents never get. The parser follows
TDLib's parse_html byte by byte, so offsets are in UTF-16 code units and errors read like
Telegram's. Markdown modes are not parsed: the product does not use them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.standin.protocol import JSON, as_int, bad


class EntityParseError(ValueError):
    """The text is not valid HTML for Telegram; str() is the part after "can't parse entities: "."""


_SPACE_BYTES = frozenset(b" \t\r\n\v\f\x00")
_SIMPLE_TAGS = {
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
_TAGS = frozenset({"a", "pre", "code", "blockquote", "tg-emoji", *_SIMPLE_TAGS})
# TDLib orders entities by offset, then longest first, then by this priority.
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_SURROGATE_ERROR = (
    "Text contains invalid Unicode characters after decoding HTML entities, check for "
    "unmatched surrogate code units"
)
_COMMAND_RE = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])")
_MENTION_RE = re.compile(r"(?<!\w)@[A-Za-z0-9_]{5,32}(?!\w)")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_space(byte: int) -> bool:
    return byte in _SPACE_BYTES


def _u16_step(byte: int) -> int:
    """UTF-16 units a UTF-8 byte adds (counted on each character's first byte)."""
    if byte & 0xC0 == 0x80:
        return 0
    return 2 if byte >= 0xF0 else 1


def _html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """Decode ``&...;`` at pos like TDLib: (code point, or 0 if not an entity; end position)."""
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
        code = {b"lt": 60, b"gt": 62, b"amp": 38, b"quot": 34}.get(data[pos + 1 : end], 0)
        if not code:
            return 0, pos
    if at(end) == ord(";"):
        end += 1
    return code, end


def _decoded(code: int) -> bytes:
    if 0xD800 <= code <= 0xDFFF:  # half of a surrogate pair can never make valid UTF-8
        raise EntityParseError(_SURROGATE_ERROR)
    return chr(code).encode()


def check_url(url: str) -> str | None:
    """Normalise a link target like Telegram, or None when Telegram would drop the link."""
    url = url.strip()
    if not url or any(c.isspace() for c in url):
        return None
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", url)
    if scheme is None:
        if url.lower().startswith(("tg:", "ton:")):
            return url
        url = f"http://{url}"
    elif scheme.group(1).lower() in {"tg", "ton"}:
        return url
    elif scheme.group(1).lower() not in {"http", "https"}:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = parts.hostname or ""
    if not host or ("." not in host and host != "localhost"):
        return None
    return urlunsplit(parts._replace(path=parts.path or "/"))


def sort_entities(entities: list[JSON]) -> list[JSON]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML: (plain text, MessageEntity dicts in UTF-16 units), before trimming.

    Raises EntityParseError worded as Telegram's description after "can't parse entities: ".
    """
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
                out += _decoded(code)
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
        if at(i) == ord("/"):
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
            while not _is_space(at(i)) and at(i) != ord(">"):
                i += 1
            end_tag = data[begin + 2 : i].decode("utf-8", "replace").lower()
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
                _close(tag, argument, offset, u16 - offset, inner, entities)
            continue
        while not _is_space(at(i)) and at(i) != ord(">"):
            i += 1
        if at(i) == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
        if tag not in _TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
        argument, i = _attributes(data, i, tag, begin)
        if tag == "span" and argument != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
            )
        stack.append((tag, argument, u16, len(out)))
        i += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    kept = _drop_nested_in_code(entities)
    return out.decode("utf-8"), sort_entities(kept)


def _attributes(data: bytes, i: int, tag: str, begin: int) -> tuple[str, int]:
    """Read a start tag's attributes up to its ">": (the argument the tag uses, position)."""
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

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
                raise EntityParseError(f"Unexpected end of name token at byte offset {token_begin}")
        else:
            quote = at(i)
            i += 1
            raw = bytearray()
            while at(i) != quote and at(i) != 0:
                if at(i) == ord("&"):
                    code, end = _html_entity(data, i)
                    if code:
                        raw += _decoded(code)
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
    return argument, i


def _close(
    tag: str, argument: str, offset: int, length: int, inner: str, entities: list[JSON]
) -> None:
    span: JSON = {"offset": offset, "length": length}
    last = entities[-1] if entities else None
    same_range = last is not None and last["offset"] == offset and last["length"] == length
    if tag in _SIMPLE_TAGS:
        entities.append({"type": _SIMPLE_TAGS[tag], **span})
    elif tag == "a":
        url = check_url(argument or inner)
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
        if not argument.isdigit() or int(argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", **span, "custom_emoji_id": argument})


def _drop_nested_in_code(entities: list[JSON]) -> list[JSON]:
    """Nothing is formatted inside code or pre; a code entity carries no language."""
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
    return kept


def trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
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


def explicit_entities(raw: Any, text: str) -> list[JSON]:
    """An `entities` parameter: keep well-formed ones, clamped to the text, sorted."""
    if not isinstance(raw, list):
        raise bad("can't parse entities JSON object")
    size = utf16_len(text)
    kept = []
    for entity in raw:
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
            raise bad('can\'t parse MessageEntity: Field "type" must be of type String')
        offset, length = as_int(entity.get("offset")), as_int(entity.get("length"))
        if offset is None or length is None or offset < 0 or length <= 0 or offset >= size:
            continue
        kept.append({**entity, "offset": offset, "length": min(length, size - offset)})
    return sort_entities(kept)


def found_entities(text: str) -> list[JSON]:
    """Entities Telegram finds by itself in a user's plain text: bot commands and mentions."""
    found: list[JSON] = []
    taken: list[range] = []
    for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE)):
        for match in pattern.finditer(text):
            if any(match.start() in r for r in taken):
                continue
            taken.append(range(match.start(), match.end()))
            offset = utf16_len(text[: match.start()])
            found.append({"type": kind, "offset": offset, "length": utf16_len(match.group(0))})
    return sort_entities(found)
