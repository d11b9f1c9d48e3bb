"""Files the bot uploads (sendDocument, sendPhoto) and files residents send.

Bytes are kept under their file_id so a test can read back exactly what the bot sent (an .ics
invitation, a JSON export) and the bot can re-send a file by file_id, as it does in Telegram.
"""

from __future__ import annotations

import hashlib
import mimetypes
import struct
from dataclasses import dataclass
from typing import Any

from bot.standin.protocol import JSON, ApiError, Files, bad, snapshot

UPLOAD_LIMIT = 50 * 1024 * 1024
_ID_PREFIX = {
    "photo": "AgACAgQAAxkBAAI",
    "document": "BQACAgQAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "voice": "AwACAgQAAxkBAAI",
}
# Plausible bytes for media residents send without giving any.
_SAMPLES = {
    "photo": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x04\x00\x00\x00\x03\x00\x08\x02\x00\x00\x00"
    ),
    "voice": b"OggS\x00\x02" + b"\x00" * 20 + b"OpusHead",
    "sticker": b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10",
    "document": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
}
# Telegram keeps a photo in several sizes, each fitting a box of this many pixels.
_PHOTO_BOXES = (90, 320, 800, 1280, 2560)


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_name: str | None
    media: Any  # what a Message carries for it (a PhotoSize list for a photo)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF, BMP or WebP image; None if it is none of them."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return width, abs(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 <= len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
        return None
    return None


class FileStore:
    """Every file the stand-in knows, by file_id."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._counter = 0

    def get(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def bytes_of(self, file_id: str) -> bytes:
        """The bytes behind a file_id (any size of a photo); KeyError if unknown."""
        return self._files[file_id].data

    def _store(self, kind: str, data: bytes, file_name: str | None, media: Any) -> StoredFile:
        self._counter += 1
        digest = hashlib.sha256(f"{kind}:{self._counter}".encode()).hexdigest()
        stored = StoredFile(
            file_id=f"{_ID_PREFIX.get(kind, 'BQACAgQAAxkBAAI')}{self._counter:06d}{digest[:40]}",
            file_unique_id=f"AQAD{digest[40:52]}",
            kind=kind,
            data=data,
            file_name=file_name,
            media=media,
        )
        self._files[stored.file_id] = stored
        return stored

    def add(
        self,
        kind: str,
        data: bytes | None = None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        strict: bool = False,
    ) -> Any:
        """Store a file; returns what a Message carries for it (a PhotoSize list for photos).

        strict: check a photo as Telegram checks an upload (else any bytes pass as 1024x768).
        """
        data = _SAMPLES.get(kind, b"") if data is None else data
        if kind == "photo":
            return self._photo(data, strict)
        media: JSON = {}
        stored = self._store(kind, data, file_name, media)
        media.update(
            file_id=stored.file_id, file_unique_id=stored.file_unique_id, file_size=len(data)
        )
        if kind == "document":
            media["file_name"] = file_name or f"file_{self._counter}"
        if kind in {"document", "voice"}:
            guessed = mimetypes.guess_type(file_name or "")[0]
            given = mime_type if mime_type != "application/octet-stream" else None
            media["mime_type"] = guessed or given or "application/octet-stream"
        return media

    def _photo(self, data: bytes, strict: bool) -> list[JSON]:
        size = image_size(data) or (None if strict else (1024, 768))
        if size is None:
            raise bad("IMAGE_PROCESS_FAILED")
        width, height = size
        if width <= 0 or height <= 0 or width + height > 10_000 or max(size) > 20 * min(size):
            raise bad("PHOTO_INVALID_DIMENSIONS")
        sizes: list[JSON] = []
        for box in _PHOTO_BOXES:
            scale = min(1.0, box / max(width, height))
            stored = self._store("photo", data, None, sizes)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": max(1, round(len(data) * scale * scale)),
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                }
            )
            if scale == 1.0:
                break
        return sizes

    def resolve(self, params: JSON, files: Files, kind: str) -> Any:
        """The media a send method names: an upload, an attach:// part or a known file_id."""
        value = params.get(kind)
        upload = files.get(kind)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad(f"wrong remote file identifier specified: {value}")
        if upload is not None:
            file_name, data, content_type = upload
            if not data:
                raise bad("file must be non-empty")
            if len(data) > UPLOAD_LIMIT:
                raise ApiError(413, "Request Entity Too Large")
            return self.add(kind, data, file_name=file_name, mime_type=content_type, strict=True)
        if value is None or value == "":
            raise bad(f"there is no {kind} in the request")
        value = str(value)
        stored = self._files.get(value)
        if stored is not None:
            if stored.kind != kind:
                raise bad(f"can't use file of type {stored.kind.title()} as {kind.title()}")
            return snapshot(stored.media)
        if value.startswith(("http://", "https://")):
            raise bad("failed to get HTTP URL content")  # the stand-in has no Internet
        raise bad("wrong file identifier/HTTP URL specified")
