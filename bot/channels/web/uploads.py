"""Photos visitors upload: the type read from the file's first bytes, never from its name or the
browser's word; kept in the database (`bot.storage.web`) under a random id, so every instance serves them.

`photo_type(head)` knows JPEG, PNG, GIF and WebP only: anything else (an SVG with a script, an HTML
file called cat.png, an executable) is refused before a byte is written.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"GIF87a", 0, "image/gif", "gif"),
    (b"GIF89a", 0, "image/gif", "gif"),
)


@dataclass(frozen=True)
class PhotoType:
    mime_type: str
    extension: str


def photo_type(head: bytes) -> PhotoType | None:
    """The photo type of a file from its first bytes (12 are enough), None when it is not one we take."""
    for signature, offset, mime, extension in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return PhotoType(mime, extension)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return PhotoType("image/webp", "webp")
    return None


def new_upload_id() -> str:
    return secrets.token_hex(16)


def file_name(upload_id: str, kind: PhotoType) -> str:
    """The name a download gets: ours, never the visitor's."""
    return f"{upload_id}.{kind.extension}"
