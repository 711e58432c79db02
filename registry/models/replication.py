"""Replications: an adopter's copy of an original innovation, claimed until confirmed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow

if TYPE_CHECKING:
    from .accounts import User
    from .catalogue import Innovation, Region


REPLICATION_STAGES = ("persiapan", "pelaksanaan", "evaluasi")
REPLICATION_STATUSES = ("claimed", "confirmed", "rejected")


class Replication(Model):
    """An adopter's copy of an original innovation, claimed until confirmed or rejected."""

    __tablename__ = "replication"
    __table_args__ = (
        UniqueConstraint("original_id", "adopter_key", name="uq_replication_original_adopter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    original_id: Mapped[int] = mapped_column(
        ForeignKey("innovation.id", ondelete="CASCADE"), index=True
    )
    # the adopter's own entry in the catalogue, when it registered one ("this replicates ...")
    replica_id: Mapped[int | None] = mapped_column(
        ForeignKey("innovation.id", ondelete="SET NULL"), index=True
    )
    # who adopted: an account (and its organization), or only a name with type and region
    adopter_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    adopter_key: Mapped[str] = mapped_column(String(240))  # one claim per adopter and original
    adopter_name: Mapped[str] = mapped_column(String(200), default="")
    innovator_type: Mapped[str | None] = mapped_column(String(32))
    province_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    regency_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    facilitator: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[str] = mapped_column(String(16), default="persiapan")
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="claimed", index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    original: Mapped[Innovation] = relationship(foreign_keys=[original_id])
    replica: Mapped[Innovation | None] = relationship(foreign_keys=[replica_id])
    adopter_user: Mapped[User | None] = relationship(foreign_keys=[adopter_user_id])
    province: Mapped[Region | None] = relationship(foreign_keys=[province_code], lazy="joined")
    regency: Mapped[Region | None] = relationship(foreign_keys=[regency_code], lazy="joined")
