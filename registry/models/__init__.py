"""Database tables (SQLAlchemy 2 typed mappings), one module per area. Every table module is
imported here, so that one metadata holds all and ``from registry.models import X`` finds
each name."""

from .accounts import ROLES, ApiToken, LoginAttempt, User, new_session_token
from .base import utcnow
from .candidates import CANDIDATE_STATUSES, REJECT_REASONS, Candidate, CandidateDecision
from .catalogue import (
    OPERATING_STATUSES,
    Attachment,
    Campaign,
    Innovation,
    InnovationSector,
    Organization,
    Region,
    ReviewEvent,
    SlugRedirect,
)
from .harvest import PLATFORMS, HarvestError, HarvestRun, HarvestSource, HarvestTombstone, Post
from .notifications import NoticeLog, Subscription
from .replication import REPLICATION_STAGES, REPLICATION_STATUSES, Replication
from .reports import Report, ReportAttachment, ReportEvent, ReportRoute

__all__ = [
    "CANDIDATE_STATUSES",
    "OPERATING_STATUSES",
    "PLATFORMS",
    "REJECT_REASONS",
    "REPLICATION_STAGES",
    "REPLICATION_STATUSES",
    "ROLES",
    "ApiToken",
    "Attachment",
    "Campaign",
    "Candidate",
    "CandidateDecision",
    "HarvestError",
    "HarvestRun",
    "HarvestSource",
    "HarvestTombstone",
    "Innovation",
    "InnovationSector",
    "LoginAttempt",
    "NoticeLog",
    "Organization",
    "Post",
    "Region",
    "Replication",
    "Report",
    "ReportAttachment",
    "ReportEvent",
    "ReportRoute",
    "ReviewEvent",
    "SlugRedirect",
    "Subscription",
    "User",
    "new_session_token",
    "utcnow",
]
