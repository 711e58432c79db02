"""The notice log: what was mailed (or which one-click token was used), so nothing happens twice.

``claim(kind, key)`` adds a row in a SAVEPOINT and answers whether this caller added it; the
unique (kind, key) makes two concurrent runs agree on one winner. The caller commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import NoticeLog, utcnow


def seen(kind: str, key: str) -> bool:
    return (
        db.session.scalar(select(NoticeLog.id).where(NoticeLog.kind == kind, NoticeLog.key == key))
        is not None
    )


def claim(kind: str, key: str) -> bool:
    """Record (kind, key); False when it was recorded before (by this or another process)."""
    if seen(kind, key):
        return False
    savepoint = db.session.begin_nested()
    db.session.add(NoticeLog(kind=kind, key=key[:200], at=utcnow()))
    try:
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True
