"""Notifications: saved searches followed by email, and the log of what was mailed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow


class Subscription(Model):
    """A saved search followed by email (no account): double opt-in, daily or weekly digests."""

    __tablename__ = "subscription"
    __table_args__ = (Index("ix_subscription_due", "frequency", "confirmed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    # the search's parameters: {"q": "...", "sector": [...], ...} (API names)
    search: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    frequency: Mapped[str] = mapped_column(String(8), default="weekly")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # innovations published up to this moment were already considered for a digest
    digest_through: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class NoticeLog(Model):
    """What was mailed (or a one-click token used), so that nothing happens twice."""

    __tablename__ = "notice_log"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_notice_log_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
