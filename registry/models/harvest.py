"""Harvesting: the sources, their runs and errors, the posts they stored and the takedowns."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow

if TYPE_CHECKING:
    from .candidates import Candidate


PLATFORMS = ("twitter", "mastodon", "bluesky", "rss", "file")


class HarvestSource(Model):
    """A platform query the registry harvests at an interval (admin-managed)."""

    __tablename__ = "harvest_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    query: Mapped[str] = mapped_column(Text)
    base_url: Mapped[str] = mapped_column(String(500), default="")
    token_env: Mapped[str] = mapped_column(String(80), default="")
    every_seconds: Mapped[int] = mapped_column(Integer, default=900)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # X/Twitter only: search the full archive (/2/tweets/search/all) instead of the last 7 days
    full_archive: Mapped[bool] = mapped_column(Boolean, default=False)
    # incremental state kept between runs (since_id, min_id, etag, ...), the position of an
    # unfinished run (next_token, cursor) so that a rerun resumes, and the recheck cursor
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class HarvestRun(Model):
    """One harvest of a source or one archive import, with its counts and why it stopped."""

    __tablename__ = "harvest_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("harvest_source.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="source")  # source | import
    label: Mapped[str] = mapped_column(String(500), default="")  # source name or file path
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    # stored posts removed after the run because the platform no longer has them (recheck)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    stop_reason: Mapped[str] = mapped_column(Text, default="")
    # where an unfinished run stopped (page cursor, file offset), for the rerun to resume
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    source: Mapped[HarvestSource | None] = relationship()


class HarvestError(Model):
    """A malformed item: kept with its payload, skipped, never failing the run."""

    __tablename__ = "harvest_error"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("harvest_run.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    position: Mapped[str] = mapped_column(String(120), default="")  # "line 17", "page 3 item 4"
    message: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Post(Model):
    """A harvested post as received (provenance) and as normalized."""

    __tablename__ = "post"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_post_platform_id"),
        # the inbox's source filter: a source's candidates without reading their posts
        Index("ix_post_source_candidate", "source_id", "candidate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000), default="")
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_location: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    media: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reply_to_id: Mapped[str | None] = mapped_column(String(200))
    repost_of_id: Mapped[str | None] = mapped_column(String(200), index=True)
    quote_of_id: Mapped[str | None] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text, default="")
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("harvest_source.id", ondelete="SET NULL")
    )
    run_id: Mapped[int | None] = mapped_column(ForeignKey("harvest_run.id", ondelete="SET NULL"))
    harvested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # dedup: the normalized text's hash (exact copies) and MinHash signature (near copies)
    text_hash: Mapped[str] = mapped_column(String(40), default="", index=True)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )

    candidate: Mapped[Candidate] = relationship(back_populates="posts")


class HarvestTombstone(Model):
    """A post taken down: harvests and imports never store it (or a repost of it) again."""

    __tablename__ = "harvest_tombstone"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_harvest_tombstone_platform_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    taken_down_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(254), default="")
    # why: empty for a takedown request, "deleted at source" when a recheck found it gone
    reason: Mapped[str] = mapped_column(String(64), default="")
