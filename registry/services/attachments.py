"""Attachments: images and PDF files as evidence, checked by content, stored under random names."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Attachment, Innovation, User
from .validation import ValidationError

# content type -> (extensions accepted for it, the extension it is stored with)
TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "application/pdf": ((".pdf",), ".pdf"),
    "image/png": ((".png",), ".png"),
    "image/jpeg": ((".jpg", ".jpeg"), ".jpg"),
    "image/gif": ((".gif",), ".gif"),
    "image/webp": ((".webp",), ".webp"),
}
ACCEPT = ",".join(sorted({ext for exts, _ in TYPES.values() for ext in exts}))


def sniff(head: bytes) -> str | None:
    """The content type a file's first bytes show, among the accepted ones."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def upload_dir() -> Path:
    return Path(current_app.instance_path) / "uploads"


def safe_name(filename: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    name = re.sub(r"[^\w.\- ()]+", "_", name)[:200]
    return name or "lampiran"


@dataclass(frozen=True)
class Upload:
    """An upload that passed the checks, its metadata (EXIF and the like) removed."""

    data: bytes
    content_type: str
    original_name: str
    stored_ext: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check(stream: IO[bytes], filename: str) -> Upload:
    """Read and check one upload by its content; ValidationError({'attachment': ...}) when refused.

    Images lose their metadata (EXIF with its GPS position, XMP, text chunks): see strip_metadata.
    """
    limit = int(current_app.config["ATTACHMENT_MAX_BYTES"])
    if stream.seekable():
        stream.seek(0)  # a view run again after a lock conflict reads the upload again
    data = stream.read(limit + 1)
    if not data:
        raise ValidationError({"attachment": "the file is empty"})
    if len(data) > limit:
        raise ValidationError(
            {"attachment": f"the file is larger than {limit // (1024 * 1024)} MB"}
        )
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationError(
            {"attachment": "only images (PNG, JPEG, GIF, WebP) and PDF files are accepted"}
        )
    original = safe_name(filename)
    extensions, stored_ext = TYPES[content_type]
    if Path(original).suffix.lower() not in extensions:
        raise ValidationError(
            {"attachment": f"the file's name does not match its content ({content_type})"}
        )
    return Upload(strip_metadata(data, content_type), content_type, original, stored_ext)


def store(upload: Upload) -> str:
    """Write a checked upload under a new random name in the uploads folder; returns the name."""
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + upload.stored_ext
    (folder / stored).write_bytes(upload.data)
    _delete_if_rolled_back(folder / stored)
    return stored


def add(innovation: Innovation, stream: IO[bytes], filename: str, *, actor: User) -> Attachment:
    """Check and store one upload; ValidationError({'attachment': ...}) when refused."""
    if len(innovation.attachments) >= int(current_app.config["ATTACHMENTS_PER_INNOVATION"]):
        raise ValidationError({"attachment": "too many attachments for one innovation"})
    upload = check(stream, filename)
    attachment = Attachment(
        stored_name=store(upload),
        original_name=upload.original_name,
        content_type=upload.content_type,
        size=len(upload.data),
        sha256=upload.sha256,
        uploaded_by_id=actor.id,
    )
    innovation.attachments.append(attachment)
    db.session.flush()
    return attachment


# --------------------------------------------------------------------------- metadata removal

# JPEG markers that carry metadata: APP1 (EXIF, XMP), APP2..APP15 except ICC (APP2 'ICC_PROFILE'),
# and COM comments
_JPEG_KEEP_APP2 = b"ICC_PROFILE\x00"
_PNG_DROP = {b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"tIME"}
_WEBP_DROP = {b"EXIF", b"XMP "}


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """The image without EXIF, XMP or text metadata (the picture itself is untouched); PDF
    and GIF files are returned as they are. A file too broken to walk is returned unchanged
    only when it holds no EXIF marker; otherwise it is refused."""
    try:
        if content_type == "image/jpeg":
            return _strip_jpeg(data)
        if content_type == "image/png":
            return _strip_png(data)
        if content_type == "image/webp":
            return _strip_webp(data)
    except (IndexError, ValueError, struct.error) as exc:
        if b"Exif" in data or b"eXIf" in data or b"EXIF" in data:
            raise ValidationError({"attachment": "the image file is damaged"}) from exc
    return data


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ValueError("not a marker")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            out += data[pos : pos + 2]
            pos += 2
            continue
        if marker == 0xD9:
            out += data[pos:]
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment = data[pos : pos + 2 + length]
        if len(segment) < 2 + length:
            raise ValueError("truncated segment")
        if marker == 0xDA:  # start of scan: the compressed picture follows to the end
            out += data[pos:]
            break
        metadata = marker == 0xFE or (0xE1 <= marker <= 0xEF)
        if marker == 0xE2 and segment[4:16] == _JPEG_KEEP_APP2:
            metadata = False
        if not metadata:
            out += segment
        pos += 2 + length
    return bytes(out)


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise ValueError("truncated chunk")
        if kind not in _PNG_DROP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            break
    return bytes(out)


def _strip_webp(data: bytes) -> bytes:
    chunks = bytearray()
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        end = pos + 8 + length + (length & 1)
        if pos + 8 + length > len(data):
            raise ValueError("truncated chunk")
        chunk = bytearray(data[pos:end])
        if kind == b"VP8X" and len(chunk) > 8:
            chunk[8] &= ~0x0C & 0xFF  # clear the EXIF and XMP flags
        if kind not in _WEBP_DROP:
            chunks += chunk
        pos = end
    return b"RIFF" + struct.pack("<I", len(chunks) + 4) + b"WEBP" + bytes(chunks)


def remove(attachment: Attachment) -> None:
    """Delete the row now (flush) and its file once the transaction commits: a commit that
    fails, or a rollback, keeps both."""
    path = upload_dir() / attachment.stored_name
    db.session.delete(attachment)
    db.session.flush()
    delete_after_commit(path)


_AFTER_COMMIT = "registry.attachments.delete_after_commit"
_WRITTEN = "registry.attachments.written"


def _delete_if_rolled_back(path: Path) -> None:
    """A file written for a row that never commits is unlinked with the rollback."""
    session = db.session()
    here = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_WRITTEN, []).append((here, path))


def delete_after_commit(path: Path) -> None:
    """Unlink path once the session's transaction commits; never if the (sub)transaction
    that asked for it rolls back."""
    session = db.session()
    here = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_AFTER_COMMIT, []).append((here, path))


@event.listens_for(Session, "after_commit")
def _delete_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the outer transaction may still roll back
    session.info.pop(_WRITTEN, None)  # their rows are committed: the files stay
    for _, path in session.info.pop(_AFTER_COMMIT, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _keep_rolled_back(session: Session, previous_transaction: Any) -> None:
    written = session.info.get(_WRITTEN)
    if written:
        for where, path in written:
            if _within(where, previous_transaction):
                path.unlink(missing_ok=True)
        session.info[_WRITTEN] = [
            (where, path) for where, path in written if not _within(where, previous_transaction)
        ]
    pending = session.info.get(_AFTER_COMMIT)
    if pending:
        session.info[_AFTER_COMMIT] = [
            (where, path) for where, path in pending if not _within(where, previous_transaction)
        ]


def _within(transaction: Any, ancestor: Any) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def path_of(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name
