"""Operating status: does an innovation still run? Owners answer a signed one-click link.

The link carries an itsdangerous signature with a timestamp (expires after STATUS_LINK_DAYS)
and a random nonce; answering records the nonce in the notice log, so a link works once.
An expired, reused or forged link changes nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select

from ..extensions import db
from ..models import Innovation, utcnow
from . import notices
from .errors import Invalid

SALT = "operating-status"
ANSWERS = {"berjalan": "berjalan", "berhenti": "berhenti", "berubah": "berjalan"}
CHECK_KIND = "status-check"
USED_KIND = "status-link"


class LinkError(Invalid):
    """Why a one-click link cannot be used: expired | used | invalid."""

    def __init__(self, reason: str):
        super().__init__(reason, param="token")
        self.reason = reason


@dataclass(frozen=True)
class Link:
    innovation: Innovation
    nonce: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=SALT)


def make_token(innovation: Innovation) -> str:
    return str(_serializer().dumps({"i": innovation.id, "n": secrets.token_urlsafe(9)}))


def read_token(token: str) -> Link:
    """The innovation a valid, unused link is for; LinkError otherwise."""
    max_age = int(float(current_app.config["STATUS_LINK_DAYS"]) * 86400)
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError("expired") from None
    except BadSignature:
        raise LinkError("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        raise LinkError("invalid")
    nonce = str(data.get("n") or "")
    row = db.session.get(Innovation, data["i"])
    if row is None or row.status != "published" or not nonce:
        raise LinkError("invalid")
    if notices.seen(USED_KIND, nonce):
        raise LinkError("used")
    return Link(row, nonce)


def answer(token: str, choice: str) -> Innovation:
    """Apply the owner's answer (still running, stopped, changed) once; the edge commits."""
    if choice not in ANSWERS:
        raise LinkError("invalid")
    link = read_token(token)
    if not notices.claim(USED_KIND, link.nonce):
        raise LinkError("used")
    link.innovation.operating_status = ANSWERS[choice]
    link.innovation.verified_at = utcnow()
    db.session.flush()
    return link.innovation


def set_status(innovation: Innovation, status: str, *, verified: bool = True) -> None:
    """A curator's or an import's word on the operating status."""
    if status not in ("berjalan", "berhenti", "tidak-diketahui"):
        raise ValueError(f"unknown operating status {status!r}")
    innovation.operating_status = status
    if verified:
        innovation.verified_at = utcnow()
    db.session.flush()


def _stale_clause(now: dt.datetime) -> Any:
    before = now - dt.timedelta(days=float(current_app.config["STATUS_CHECK_DAYS"]))
    return or_(Innovation.verified_at.is_(None), Innovation.verified_at < before)


def stale(now: dt.datetime | None = None, limit: int = 500) -> list[Innovation]:
    """Published entries not verified for more than a year, the longest unverified first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Innovation)
            .where(Innovation.status == "published", _stale_clause(now))
            .order_by(
                Innovation.verified_at.is_not(None),
                Innovation.verified_at,
                Innovation.published_at,
                Innovation.id,
            )
            .limit(limit)
        )
    )


def due_checks(now: dt.datetime) -> Iterator[int]:
    """Ids of published, owned, stale innovations not yet asked this year (keyset batches)."""
    last = 0
    while True:
        ids = list(
            db.session.scalars(
                select(Innovation.id)
                .where(
                    Innovation.status == "published",
                    Innovation.owner_id.is_not(None),
                    Innovation.id > last,
                    _stale_clause(now),
                )
                .order_by(Innovation.id)
                .limit(1000)
            )
        )
        if not ids:
            return
        for innovation_id in ids:
            if not notices.seen(CHECK_KIND, f"{innovation_id}:{now.year}"):
                yield innovation_id
        last = ids[-1]


def claim_check(innovation: Innovation, now: dt.datetime, *, manual: bool = False) -> bool:
    """Record that the yearly question goes out now (a curator's request always does)."""
    key = f"{innovation.id}:{now.year}"
    if manual:
        key = f"{innovation.id}:manual:{now.isoformat()}"
    return notices.claim(CHECK_KIND, key)
