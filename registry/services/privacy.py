"""Personal data (UU 27/2022): a user's export of their own data, and deleting an account.

Deleting an account removes the user row and what is theirs alone: innovations that never became
public (drafts, submissions, rejected ones) with their attachments, and their API tokens.
Innovations that are or were in the public catalogue (published, withdrawn) stay, without the
owner link and without the contact e-mail, and a ReviewEvent notes it. The audit trail keeps the
user's past actions under a pseudonym instead of the e-mail address.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from ..extensions import db
from ..models import ApiToken, Attachment, Innovation, Organization, ReviewEvent, User, utcnow
from . import attachments, catalogue
from .accounts import revoke_tokens
from .errors import Forbidden
from .validation import ValidationError

KEPT_STATUSES = ("published", "withdrawn")
DELETED_NOTE = "owner account deleted"


class WrongPassword(Forbidden):
    """The password given to confirm a deletion is not the account's."""


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def pseudonym(user_id: int) -> str:
    return f"deleted-user-{user_id}"


def _event(event: ReviewEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "innovation_id": event.innovation_id,
        "at": _iso(event.at),
        "actor": event.actor,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "note": event.note or "",
        "details": event.details,
    }


def _attachment(row: Attachment) -> dict[str, Any]:
    return {
        "id": row.id,
        "innovation_id": row.innovation_id,
        "name": row.original_name,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "uploaded_at": _iso(row.created_at),
    }


def export_user_data(user: User) -> dict[str, Any]:
    """Everything the registry holds about user, in one JSON-ready object."""
    org = user.organization
    innovations = db.session.scalars(
        select(Innovation).where(Innovation.owner_id == user.id).order_by(Innovation.id)
    ).all()
    own_events = db.session.scalars(
        select(ReviewEvent).where(ReviewEvent.actor_id == user.id).order_by(ReviewEvent.id)
    ).all()
    uploaded = db.session.scalars(
        select(Attachment)
        .where(
            (Attachment.uploaded_by_id == user.id)
            | Attachment.innovation_id.in_([i.id for i in innovations] or [-1])
        )
        .order_by(Attachment.id)
    ).all()
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ).all()
    return {
        "exported_at": _iso(utcnow()),
        "account": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "active": bool(user.active),
            "created_at": _iso(user.created_at),
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "organization": None
        if org is None
        else {
            "id": org.id,
            "name": org.name,
            "innovator_type": org.innovator_type,
            "province": org.province_code,
            "regency": org.regency_code,
        },
        "innovations": [
            {
                **catalogue.to_record(row, include_private=True),
                "pending_changes": row.pending_changes,
                "history": [_event(e) for e in row.events],
            }
            for row in innovations
        ],
        "review_events": [_event(e) for e in own_events],
        "attachments": [_attachment(a) for a in uploaded],
        "api_tokens": [
            {
                "prefix": t.prefix,
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in tokens
        ],
    }


def delete_account(user: User, password: str) -> dict[str, int]:
    """Delete user's account after checking their password (WrongPassword otherwise).

    Returns counts of what was deleted and kept. Flushes; the edge commits (and logs the user out).
    """
    if not user.password_hash or not check_password_hash(user.password_hash, password or ""):
        raise WrongPassword("wrong password", param="password")
    if user.role == "admin" and user.active:
        admins = db.session.scalar(
            select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))
        )
        if (admins or 0) <= 1:
            raise ValidationError({"account": "the last active admin must stay active"})
    user_id = user.id
    name = pseudonym(user_id)
    revoke_tokens(user)
    deleted = kept = 0
    files: list[Attachment] = []
    for row in db.session.scalars(select(Innovation).where(Innovation.owner_id == user_id)).all():
        if row.status in KEPT_STATUSES:
            row.owner_id = None
            row.contact_email = ""
            row.pending_changes = None
            row.pending_at = None
            catalogue.record_event(row, name, row.status, row.status, DELETED_NOTE)
            kept += 1
        else:
            files.extend(row.attachments)
            db.session.delete(row)
            deleted += 1
    db.session.flush()
    for attachment in files:  # once the edge commits: a failed commit keeps the files
        attachments.delete_after_commit(attachments.path_of(attachment))
    for event in db.session.scalars(select(ReviewEvent).where(ReviewEvent.actor_id == user_id)):
        event.actor = name
        event.actor_id = None
    for attachment in db.session.scalars(
        select(Attachment).where(Attachment.uploaded_by_id == user_id)
    ):
        attachment.uploaded_by_id = None
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)):
        db.session.delete(token)
    org = user.organization
    db.session.delete(user)
    db.session.flush()
    if org is not None and _orphan(org):
        db.session.delete(org)
        db.session.flush()
    return {"innovations_deleted": deleted, "innovations_kept": kept}


def _orphan(org: Organization) -> bool:
    used_by_user = db.session.scalar(select(User.id).where(User.organization_id == org.id))
    used_by_row = db.session.scalar(
        select(Innovation.id).where(Innovation.organization_id == org.id)
    )
    return used_by_user is None and used_by_row is None
