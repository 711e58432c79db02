"""Reports: the public's complaint and feedback channel (DESIGN.md: Reports).

received → verified | rejected; verified → disposed (to one institution account) → responded →
closed (the reporter rates it, or REPORT_CLOSE_DAYS pass); within those days the reporter may
reopen it once (→ disposed); the institution may return a disposed report as not theirs
(→ verified, with its reason); a curator may re-dispose a disposed report. Every step is a
ReportEvent. These functions own every transition; they take data and an explicit actor, flush,
and leave the commit to the edge.

Privacy, fail safe: the public never sees an identity or a contact; ``anonymous`` also hides the
identity from the institution; ``confidential`` keeps the report out of everything public. A
curator may make a report more private, never less. Only a SHA-256 of the secret is stored.

- :mod:`.vocabulary`: kinds, categories, statuses, steps, limits, and the :class:`Actor`;
- :mod:`.errors`: NotFound, Forbidden, Conflict, Invalid (the domain errors' kinds);
- :mod:`.access`: tracking codes, secrets, and who may open a report;
- :mod:`.intake`: receiving a report; :mod:`.files`: its attachments;
- :mod:`.workflow`: the steps after it; :mod:`.routing`: which institution gets it;
- :mod:`.queries`: the lists and counts; :mod:`.figures`: the statistics;
- :mod:`.records`: a report as one viewer may see it.
"""

from __future__ import annotations

from ...models import Report
from .access import (
    CODE_ALPHABET,
    CODE_LENGTH,
    find,
    hash_secret,
    new_code,
    normalize_code,
    open_report,
    secret_matches,
    viewer_role,
)
from .errors import Conflict, Forbidden, Invalid, NotFound, ReportError
from .figures import stats
from .files import FileIn, attachment_for
from .intake import create, validate
from .queries import (
    Filters,
    Page,
    about_innovation,
    all_page,
    curator_queue,
    digest_items,
    institution_queue,
    overdue,
    overdue_count,
    public_page,
    public_query,
    queue_figures,
    region_counts,
)
from .records import event_record, record, shows_identity, visible_events
from .routing import add_route, delete_route, institutions, list_routes, suggest
from .vocabulary import (
    ACTIONS,
    CATEGORIES,
    CURATOR_STEPS,
    FOLLOWED_UP,
    INSTITUTION_STEPS,
    KINDS,
    MAX_BODY,
    MAX_NAME,
    MAX_PHONE,
    MAX_TEXT,
    MAX_TITLE,
    OPEN,
    PUBLIC,
    REJECT_REASONS,
    ROLES,
    STATUSES,
    STEPS,
    SYSTEM,
    Actor,
    label,
)
from .workflow import act, close_expired, find_institution, returned_by

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "CURATOR_STEPS",
    "FOLLOWED_UP",
    "INSTITUTION_STEPS",
    "KINDS",
    "MAX_BODY",
    "MAX_NAME",
    "MAX_PHONE",
    "MAX_TEXT",
    "MAX_TITLE",
    "OPEN",
    "PUBLIC",
    "REJECT_REASONS",
    "ROLES",
    "STATUSES",
    "STEPS",
    "SYSTEM",
    "Actor",
    "Conflict",
    "FileIn",
    "Filters",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Page",
    "Report",
    "ReportError",
    "about_innovation",
    "act",
    "add_route",
    "all_page",
    "attachment_for",
    "close_expired",
    "create",
    "curator_queue",
    "delete_route",
    "digest_items",
    "event_record",
    "find",
    "find_institution",
    "hash_secret",
    "institution_queue",
    "institutions",
    "label",
    "list_routes",
    "new_code",
    "normalize_code",
    "open_report",
    "overdue",
    "overdue_count",
    "public_page",
    "public_query",
    "queue_figures",
    "record",
    "region_counts",
    "returned_by",
    "secret_matches",
    "shows_identity",
    "stats",
    "suggest",
    "validate",
    "viewer_role",
    "visible_events",
]
