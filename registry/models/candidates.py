"""Candidates: groups of harvested posts that curators decide on, and every decision made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    event,
    inspect,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..text import index_terms, strip_links_and_mentions
from .base import Model, utcnow

if TYPE_CHECKING:
    from .harvest import Post


CANDIDATE_STATUSES = ("new", "approved", "rejected", "merged")
REJECT_REASONS = ("not-innovation", "off-topic", "spam", "duplicate")
# one bit per platform in Candidate.platform_mask (append only: stored masks keep their bits)
PLATFORM_BITS = {"twitter": 1, "mastodon": 2, "bluesky": 4, "rss": 8, "file": 16}
# what migration 0012 adds for full-text search outside the models: SQLite's FTS5 table (and its
# shadow tables), PostgreSQL's GIN index over to_tsvector('simple', search_terms)
FULL_TEXT_OBJECTS = ("candidate_fts", "ix_candidate_search_terms")


def platform_mask(platforms: Iterable[str]) -> int:
    """The bits of these platforms (an unknown platform has none)."""
    mask = 0
    for name in platforms:
        mask |= PLATFORM_BITS.get(name, 0)
    return mask


def search_terms(text: str | None) -> str:
    """A candidate's text as the analyzer's terms, space-joined (what its full-text index
    holds); links and @mentions left out (nobody searches for a t.co code, and each is a new
    word the stemmer would work through)."""
    return " ".join(index_terms(strip_links_and_mentions(text or "")))


class Candidate(Model):
    """A group of posts that tell one story: the unit curators decide on."""

    __tablename__ = "candidate"
    # the inbox's sorts and filters, each served by an index (services/curation/inbox.py):
    # score (highest first: read backwards, ties by id sorted within equal scores),
    # uncertainty (score on each side of the threshold), newest, platforms
    __table_args__ = (
        Index("ix_candidate_status_score_id", "status", "score", "id"),
        Index("ix_candidate_status_seen", "status", "seen_at", "id"),
        Index("ix_candidate_platform_mask", "platform_mask", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    text: Mapped[str] = mapped_column(Text, default="")  # the representative post's text
    # search_terms(text), kept in step on every write (full-text indexed: migration 0012)
    search_terms: Mapped[str] = mapped_column(Text, default="", server_default="")
    lang: Mapped[str | None] = mapped_column(String(8))
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    platform_mask: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    # the inbox's "newest" key: last_seen, else first_seen, else created_at (never empty)
    seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, server_default=sql_text("CURRENT_TIMESTAMP")
    )
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


@event.listens_for(Candidate, "before_insert")
def _derive_on_insert(_mapper: object, _connection: object, candidate: Candidate) -> None:
    """The ORM's writes keep the derived columns in step (bulk writers set them themselves)."""
    _derive(candidate, text=True, platforms=True, seen=True)


@event.listens_for(Candidate, "before_update")
def _derive_on_update(_mapper: object, _connection: object, candidate: Candidate) -> None:
    state = inspect(candidate)

    def changed(*names: str) -> bool:
        return any(state.attrs[n].history.has_changes() for n in names)

    _derive(
        candidate,
        text=changed("text"),
        platforms=changed("platforms"),
        seen=changed("last_seen", "first_seen", "created_at"),
    )


def _derive(candidate: Candidate, *, text: bool, platforms: bool, seen: bool) -> None:
    if text:
        candidate.search_terms = search_terms(candidate.text)
    if platforms:
        candidate.platform_mask = platform_mask(candidate.platforms or ())
    if seen:
        candidate.seen_at = candidate.last_seen or candidate.first_seen or candidate.created_at
        if candidate.seen_at is None:
            candidate.seen_at = candidate.created_at = utcnow()


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
