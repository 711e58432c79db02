"""Accounts: users (admins, curators, institutions), failed logins and API tokens."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow

if TYPE_CHECKING:
    from .catalogue import Organization


ROLES = ("admin", "curator", "institution")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Model):
    """An account: an admin, a curator, or an institution that registers innovations."""

    __tablename__ = "user"
    # SQLite: AUTOINCREMENT, so a deleted account's id is never handed to a new one
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(16), default="institution")
    name: Mapped[str] = mapped_column(String(200), default="")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # in every session and remember cookie (get_id); a new one ends them all (logout,
    # password change or reset, deactivation, role change)
    session_token: Mapped[str] = mapped_column(
        String(64), default=new_session_token, server_default=""
    )

    organization: Mapped[Organization | None] = relationship(lazy="joined")

    if TYPE_CHECKING:
        # when this login began: set by the session loader on the loaded object, never stored
        login_issued: int

    # Flask-Login's user protocol
    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and the remember cookie: "id:token:issued",
        # checked on every request by registry.services.accounts.user_for_session
        # (issued: when this login began, kept by the loader; a new login begins now)
        issued = getattr(self, "login_issued", None) or int(time.time())
        return f"{self.id}:{self.session_token}:{issued}"

    @property
    def is_curator(self) -> bool:
        return self.role in ("curator", "admin")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role}>"


class LoginAttempt(Model):
    """Failed logins in a row for one email from one address, and the lockout they led to.
    Kept for unknown emails too, so the answer never tells whether an account exists."""

    __tablename__ = "login_attempt"
    __table_args__ = (UniqueConstraint("email", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Model):
    """An API token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")
