"""Attachments: images and PDF files as evidence, checked by content, stored under random names."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
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


def add(innovation: Innovation, stream: IO[bytes], filename: str, *, actor: User) -> Attachment:
    """Check and store one upload; ValidationError({'attachment': ...}) when refused."""
    limit = int(current_app.config["ATTACHMENT_MAX_BYTES"])
    if len(innovation.attachments) >= int(current_app.config["ATTACHMENTS_PER_INNOVATION"]):
        raise ValidationError({"attachment": "too many attachments for one innovation"})
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
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + stored_ext
    (folder / stored).write_bytes(data)
    attachment = Attachment(
        stored_name=stored,
        original_name=original,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.id,
    )
    innovation.attachments.append(attachment)
    db.session.flush()
    return attachment


def remove(attachment: Attachment) -> None:
    """Delete the row now (flush) and its file once the transaction commits: a commit that
    fails, or a rollback, keeps both."""
    path = upload_dir() / attachment.stored_name
    db.session.delete(attachment)
    db.session.flush()
    delete_after_commit(path)


_AFTER_COMMIT = "registry.attachments.delete_after_commit"


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
    for _, path in session.info.pop(_AFTER_COMMIT, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _keep_rolled_back(session: Session, previous_transaction: Any) -> None:
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
