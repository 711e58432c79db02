"""Tracking codes and secrets, and who may open a report: the reporter (by its secret), a
curator, or the institution it was disposed to. Only a SHA-256 of the secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select

from ...extensions import db
from ...models import Report, User
from .errors import NotFound

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud, typed again
CODE_LENGTH = 12  # 60 bits: unguessable, and a code alone opens nothing without its secret
_CODE_RE = re.compile(r"^[A-Z2-9]{4}-?[A-Z2-9]{4}-?[A-Z2-9]{4}$")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(code: str) -> str | None:
    text = "".join(str(code or "").split()).upper()
    if not _CODE_RE.match(text):
        return None
    raw = text.replace("-", "")
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def find(code: str) -> Report | None:
    normalized = normalize_code(code)
    if normalized is None:
        return None
    return db.session.scalar(select(Report).where(Report.tracking_code == normalized))


def secret_matches(report: Report, secret: str | None) -> bool:
    if not secret or not isinstance(secret, str):
        return False
    return hmac.compare_digest(report.secret_hash, hash_secret(secret.strip()))


def viewer_role(report: Report, *, user: User | None, secret: str | None) -> str:
    """reporter | curator | institution, or NotFound (the same for a wrong secret, another
    institution and a code that does not exist)."""
    if user is not None and user.is_active and user.is_curator:
        return "curator"
    if user is not None and user.is_active and report.addressee_id == user.id:
        return "institution"
    if secret_matches(report, secret):
        return "reporter"
    raise NotFound("no report with this tracking code for you")


def open_report(code: str, *, user: User | None, secret: str | None) -> tuple[Report, str]:
    report = find(code)
    if report is None:
        # spend the same work as a real check, so timing tells nothing either
        hash_secret(secret or "")
        raise NotFound("no report with this tracking code for you")
    return report, viewer_role(report, user=user, secret=secret)
