"""Candidates: groups of harvested posts that curators decide on, and every decision made."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow

if TYPE_CHECKING:
    from .harvest import Post


CANDIDATE_STATUSES = ("new", "approved", "rejected", "merged")
REJECT_REASONS = ("not-innovation", "off-topic", "spam", "duplicate")


class Candidate(Model):
    """A group of posts that tell one story: the unit curators decide on."""

    __tablename__ = "candidate"
    __table_args__ = (Index("ix_candidate_status_score", "status", "score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    text: Mapped[str] = mapped_column(Text, default="")  # the representative post's text
    lang: Mapped[str | None] = mapped_column(String(8))
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    # classifier output: {"sectors", "focus", "innovator_type", "province", "regency"}
    predicted: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    explain: Mapped[list[Any]] = mapped_column(JSON, default=list)
    model_version: Mapped[str] = mapped_column(String(64), default="")
    province_code: Mapped[str | None] = mapped_column(String(8), index=True)
    matches_innovation_id: Mapped[int | None] = mapped_column(
        ForeignKey("innovation.id", ondelete="SET NULL")
    )
    innovation_id: Mapped[int | None] = mapped_column(
        ForeignKey("innovation.id", ondelete="SET NULL"), index=True
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidate.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(32), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    posts: Mapped[list[Post]] = relationship(back_populates="candidate", order_by="Post.id")


class CandidateDecision(Model):
    """Every curator decision on a candidate (who, when, why): audit trail and training label."""

    __tablename__ = "candidate_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    decision: Mapped[str] = mapped_column(String(16))  # approve | reject | merge
    reason: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    into_candidate_id: Mapped[int | None] = mapped_column(Integer)
    into_innovation_id: Mapped[int | None] = mapped_column(Integer)
    # the training label this decision gives (None: no label, e.g. a duplicate)
    label: Mapped[bool | None] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text, default="")  # text as decided, for retraining
