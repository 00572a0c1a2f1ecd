"""Photos visitors upload: the type read from the file's first bytes, never from its name or the
browser's word; kept under UPLOADS_DIR/web/ with a random name.

`photo_type(head)` knows JPEG, PNG, GIF and WebP only: anything else (an SVG with a script, an HTML
file called cat.png, an executable) is refused before a byte is written.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

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


def uploads_folder(uploads_dir: str) -> Path:
    folder = Path(uploads_dir) / "web"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(uploads_dir: str, upload_id: str, kind: PhotoType, data: bytes) -> str:
    """Write the photo; its file name (relative to the web uploads folder)."""
    name = f"{upload_id}.{kind.extension}"
    (uploads_folder(uploads_dir) / name).write_bytes(data)
    return name


def path_of(uploads_dir: str, file_name: str) -> Path:
    """Where a stored upload is; the name comes from our own table, never from a request."""
    return uploads_folder(uploads_dir) / Path(file_name).name
