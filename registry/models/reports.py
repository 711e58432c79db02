"""Tables of the reports channel (DESIGN.md: Reports): reports, their events, attachments and
the routing rules that suggest an addressee.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow

if TYPE_CHECKING:
    from .accounts import User
    from .catalogue import Innovation, Region


class Report(Model):
    """A citizen's complaint, suggestion or information request about a public service."""

    __tablename__ = "report"
    __table_args__ = (
        # the curator queue: open reports (only they have a due time) by the next due time;
        # id and status in the index let a deep page walk it in order without a sort
        Index("ix_report_due_queue", "due_at", "id", "status"),
        # answered reports waiting for the reporter (closed by the clock after 10 days)
        Index("ix_report_status_responded", "status", "responded_at"),
        # the institution queue: its reports by status, the next due time first
        Index("ix_report_addressee_status_due", "addressee_id", "status", "due_at"),
        # the public list: newest received first among the public ones; id and status in the
        # index let a deep page walk it in order without a sort or a table lookup
        Index("ix_report_public_received", "confidential", "received_at", "id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(24), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    province_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    regency_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    innovation_id: Mapped[int | None] = mapped_column(
        ForeignKey("innovation.id", ondelete="SET NULL"), index=True
    )
    occurred_on: Mapped[dt.date | None] = mapped_column(Date)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    reporter_email: Mapped[str] = mapped_column(String(254), default="")
    reporter_phone: Mapped[str] = mapped_column(String(40), default="")
    addressee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="received")
    reject_reason: Mapped[str] = mapped_column(String(32), default="")
    rating: Mapped[int | None] = mapped_column(Integer)
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)
    # the clock (UTC): dispose within REPORT_DISPOSE_DAYS, respond within REPORT_RESPOND_DAYS
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    dispose_due: Mapped[dt.datetime] = mapped_column(DateTime)
    respond_due: Mapped[dt.datetime] = mapped_column(DateTime)
    # the next deadline of an open report (None once responded, rejected or closed)
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    disposed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # hashed client address of the form or API call (rate limits, abuse review), never shown
    source_hash: Mapped[str] = mapped_column(String(64), default="")

    province: Mapped[Region] = relationship(foreign_keys=[province_code], lazy="selectin")
    regency: Mapped[Region | None] = relationship(foreign_keys=[regency_code], lazy="selectin")
    innovation: Mapped[Innovation | None] = relationship(foreign_keys=[innovation_id])
    addressee: Mapped[User | None] = relationship(foreign_keys=[addressee_id])
    events: Mapped[list[ReportEvent]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportEvent.id"
    )
    attachments: Mapped[list[ReportAttachment]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportAttachment.id"
    )

    def __repr__(self) -> str:
        return f"<Report {self.id} {self.tracking_code} {self.status}>"


class ReportEvent(Model):
    """One step of a report: who (by role, never the reporter's name), when, what, why."""

    __tablename__ = "report_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # reporter | curator | institution | system
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    report: Mapped[Report] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class ReportAttachment(Model):
    """A photo or PDF of a report (the reporter's) or of a response (the institution's evidence);
    checked by content, EXIF removed, stored under a random name, never public."""

    __tablename__ = "report_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("report_event.id", ondelete="SET NULL"))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="attachments")


class ReportRoute(Model):
    """A routing rule: reports of this category (in this region, holding one of these words)
    are suggested to this institution account at verification."""

    __tablename__ = "report_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    # a province or a regency code; None: anywhere
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    words: Mapped[str] = mapped_column(Text, default="")
    to_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    to: Mapped[User] = relationship(foreign_keys=[to_id], lazy="joined")
