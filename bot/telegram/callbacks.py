"""Inline button data: one codec, typed, so no handler builds or splits strings by hand.

Each kind of button is a frozen dataclass registered under a short prefix; its fields (int,
str or bool) are joined with ":" into at most 64 bytes, Telegram's limit. The data lives in the
button itself, not in process memory (unlike PTB's arbitrary callback data), so a button
pressed long after, or handled by another worker, still works. Data that does not decode
(forged, from an older version, cut) gives None and reaches the polite "stale button" reply.

A kind registered with `staff=True` is for staff only: `is_staff_data` tells the guard that
checks every button press (handlers/access.py), whether or not the data decodes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, TypeVar, get_type_hints

from telegram import InlineKeyboardButton

LIMIT = 64  # bytes, Telegram's limit for callback_data
SEP = ":"
_FIELD = re.compile(r"^[^:]*$")

T = TypeVar("T")
_KINDS: dict[str, type[Any]] = {}
_PREFIX: dict[type[Any], str] = {}
_STAFF: set[str] = set()  # prefixes of the staff-only kinds


def callback(prefix: str, *, staff: bool = False) -> Callable[[type[T]], type[T]]:
    """Register a frozen dataclass as a kind of button data under `prefix`; `staff=True`
    makes it a staff-only button (residents' presses stop at the guard)."""

    def register(cls: type[T]) -> type[T]:
        if prefix in _KINDS or SEP in prefix:
            raise ValueError(f"callback prefix {prefix!r} taken or invalid")
        _KINDS[prefix] = cls
        _PREFIX[cls] = prefix
        if staff:
            _STAFF.add(prefix)
        return cls

    return register


def is_staff_data(raw: object) -> bool:
    """Callback data of a staff-only kind, judged by its prefix alone (so forged or cut data
    of a staff kind is refused too)."""
    return isinstance(raw, str) and raw.split(SEP, 1)[0] in _STAFF


def staff_kinds() -> frozenset[type[Any]]:
    return frozenset(_KINDS[prefix] for prefix in _STAFF)


def encode(data: object) -> str:
    parts = [_PREFIX[type(data)]]
    for item in dataclasses.fields(data):  # type: ignore[arg-type]
        value = getattr(data, item.name)
        text = str(int(value)) if isinstance(value, bool) else str(value)
        if not _FIELD.match(text):
            raise ValueError(f"{item.name}={text!r} cannot go into callback data")
        parts.append(text)
    encoded = SEP.join(parts)
    if len(encoded.encode()) > LIMIT:
        raise ValueError(f"callback data over {LIMIT} bytes: {encoded!r}")
    return encoded


def decode(raw: object) -> object | None:
    """The typed data of a button, or None when it is not one of ours."""
    if not isinstance(raw, str) or len(raw.encode()) > LIMIT:
        return None
    prefix, *values = raw.split(SEP)
    cls = _KINDS.get(prefix)
    if cls is None:
        return None
    fields = dataclasses.fields(cls)
    if len(values) != len(fields):
        return None
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for item, value in zip(fields, values, strict=True):
        kind = hints[item.name]
        if kind is bool:
            if value not in ("0", "1"):
                return None
            kwargs[item.name] = value == "1"
        elif kind is int:
            if not value.isdigit() or len(value) > 18:
                return None
            kwargs[item.name] = int(value)
        else:
            if not value:
                return None
            kwargs[item.name] = value
    return cls(**kwargs)


def is_kind(cls: type[Any]) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern matching one kind of button data."""
    return lambda raw: isinstance(decode(raw), cls)


def button(text: str, data: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=encode(data))
