"""The catalogue: innovations with their sectors, regions, campaigns, organizations, review
trail, attachments and old slugs."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow

if TYPE_CHECKING:
    from .accounts import User


class Region(Model):
    """A province (level 1) or regency/city (level 2) by its 2025 Kemendagri code."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))


class Campaign(Model):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    opens_on: Mapped[dt.date | None] = mapped_column(Date)
    closes_on: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")

    def is_open(self, on: dt.date) -> bool:
        if self.opens_on and on < self.opens_on:
            return False
        return not (self.closes_on and on > self.closes_on)


class Organization(Model):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    innovator_type: Mapped[str] = mapped_column(String(32))
    province_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    regency_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))


class InnovationSector(Model):
    __tablename__ = "innovation_sector"

    innovation_id: Mapped[int] = mapped_column(
        ForeignKey("innovation.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


# an innovation's lifecycle (operating_status)
OPERATING_STATUSES = ("berjalan", "berhenti", "tidak-diketahui")


class Innovation(Model):
    __tablename__ = "innovation"
    __table_args__ = (Index("ix_innovation_status_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    background: Mapped[str] = mapped_column(Text, default="")
    innovation: Mapped[str] = mapped_column(Text, default="")
    implementation: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    adaptability: Mapped[str] = mapped_column(Text, default="")
    resources: Mapped[str] = mapped_column(Text, default="")
    sustainability: Mapped[str] = mapped_column(Text, default="")
    focus: Mapped[str | None] = mapped_column(String(32), index=True)
    stage: Mapped[str | None] = mapped_column(String(32))
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    innovator_name: Mapped[str] = mapped_column(String(200), default="")
    innovator_type: Mapped[str | None] = mapped_column(String(32), index=True)
    unit: Mapped[str] = mapped_column(String(200), default="")
    province_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    regency_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(32), default="draft", index=True)
    origin: Mapped[str] = mapped_column(String(16), default="form")
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # an owner's edit of a published innovation, waiting for a curator: field -> new value
    # (export shape); the published version stays as it is until a curator publishes it
    pending_changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pending_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    # lifecycle: berjalan | berhenti | tidak-diketahui, and when an owner or curator last said so
    operating_status: Mapped[str] = mapped_column(String(20), default="tidak-diketahui")
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # the original this innovation says it replicates; the link is made when it is published
    replicates_id: Mapped[int | None] = mapped_column(Integer)

    sector_rows: Mapped[list[InnovationSector]] = relationship(
        cascade="all, delete-orphan", order_by=InnovationSector.sector, lazy="selectin"
    )
    province: Mapped[Region | None] = relationship(foreign_keys=[province_code], lazy="joined")
    regency: Mapped[Region | None] = relationship(foreign_keys=[regency_code], lazy="joined")
    campaign: Mapped[Campaign | None] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    events: Mapped[list[ReviewEvent]] = relationship(
        back_populates="innovation",
        cascade="all, delete-orphan",
        order_by="ReviewEvent.id",
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="innovation",
        cascade="all, delete-orphan",
        order_by="Attachment.id",
    )

    @property
    def sectors(self) -> list[str]:
        return [row.sector for row in self.sector_rows]

    @sectors.setter
    def sectors(self, values: list[str]) -> None:
        wanted = list(dict.fromkeys(values))
        self.sector_rows = [row for row in self.sector_rows if row.sector in wanted]
        have = {row.sector for row in self.sector_rows}
        self.sector_rows.extend(InnovationSector(sector=s) for s in wanted if s not in have)

    def __repr__(self) -> str:
        return f"<Innovation {self.id} {self.slug!r} {self.status}>"


class SlugRedirect(Model):
    """An old slug that still leads to its innovation after a title change."""

    __tablename__ = "slug_redirect"

    old_slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    innovation_id: Mapped[int] = mapped_column(ForeignKey("innovation.id", ondelete="CASCADE"))


class ReviewEvent(Model):
    """The audit trail: who moved an innovation from which status to which, when and why."""

    __tablename__ = "review_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    innovation_id: Mapped[int] = mapped_column(
        ForeignKey("innovation.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[str] = mapped_column(String(254))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    innovation: Mapped[Innovation] = relationship(back_populates="events")


class Attachment(Model):
    """Evidence for an innovation: an image or a PDF stored under a random name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    innovation_id: Mapped[int] = mapped_column(
        ForeignKey("innovation.id", ondelete="CASCADE"), index=True
    )
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    innovation: Mapped[Innovation] = relationship(back_populates="attachments")
