"""Database tables (SQLAlchemy 2 typed mappings)."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Region(db.Model):  # type: ignore[name-defined]
    """A province (level 1) or regency/city (level 2) by its 2025 Kemendagri code."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))


class Campaign(db.Model):  # type: ignore[name-defined]
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


class Organization(db.Model):  # type: ignore[name-defined]
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    innovator_type: Mapped[str] = mapped_column(String(32))
    province_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    regency_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))


class InnovationSector(db.Model):  # type: ignore[name-defined]
    __tablename__ = "innovation_sector"

    innovation_id: Mapped[int] = mapped_column(
        ForeignKey("innovation.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class Innovation(db.Model):  # type: ignore[name-defined]
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


class SlugRedirect(db.Model):  # type: ignore[name-defined]
    """An old slug that still leads to its innovation after a title change."""

    __tablename__ = "slug_redirect"

    old_slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    innovation_id: Mapped[int] = mapped_column(ForeignKey("innovation.id", ondelete="CASCADE"))


class ReviewEvent(db.Model):  # type: ignore[name-defined]
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


ROLES = ("admin", "curator", "institution")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(db.Model):  # type: ignore[name-defined]
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


class LoginAttempt(db.Model):  # type: ignore[name-defined]
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


class ApiToken(db.Model):  # type: ignore[name-defined]
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


class Attachment(db.Model):  # type: ignore[name-defined]
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


# --- harvesting -------------------------------------------------------------------------------

PLATFORMS = ("twitter", "mastodon", "bluesky", "rss", "file")
CANDIDATE_STATUSES = ("new", "approved", "rejected", "merged")
REJECT_REASONS = ("not-innovation", "off-topic", "spam", "duplicate")


class HarvestSource(db.Model):  # type: ignore[name-defined]
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


class HarvestRun(db.Model):  # type: ignore[name-defined]
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


class HarvestError(db.Model):  # type: ignore[name-defined]
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


class Candidate(db.Model):  # type: ignore[name-defined]
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


class CandidateDecision(db.Model):  # type: ignore[name-defined]
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


class Post(db.Model):  # type: ignore[name-defined]
    """A harvested post as received (provenance) and as normalized."""

    __tablename__ = "post"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_post_platform_id"),)

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


class HarvestTombstone(db.Model):  # type: ignore[name-defined]
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


# --- replication, lifecycle and notifications ------------------------------------------------

REPLICATION_STAGES = ("persiapan", "pelaksanaan", "evaluasi")
REPLICATION_STATUSES = ("claimed", "confirmed", "rejected")
OPERATING_STATUSES = ("berjalan", "berhenti", "tidak-diketahui")


class Replication(db.Model):  # type: ignore[name-defined]
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


class Subscription(db.Model):  # type: ignore[name-defined]
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


class NoticeLog(db.Model):  # type: ignore[name-defined]
    """What was mailed (or a one-click token used), so that nothing happens twice."""

    __tablename__ = "notice_log"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_notice_log_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


# the reports channel's tables live in their own module; imported here so one metadata holds all
from . import models_reports  # noqa: E402,F401
