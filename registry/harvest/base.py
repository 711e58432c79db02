"""What every source hands the runner: normalized posts in pages, and the faults it may raise.

A source only fetches and normalizes. It never touches the database: the runner stores the
posts, deduplicates and scores them, and keeps the state a source returns so the next run is
incremental and an interrupted run resumes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# the environment variable that holds a platform's token when a source names none
DEFAULT_TOKEN_ENV: dict[str, str] = {"twitter": "TWITTER_BEARER_TOKEN"}


@dataclass
class HarvestedPost:
    """A post as the registry keeps it, whatever platform it came from."""

    platform: str
    external_id: str
    text: str
    url: str = ""
    author_handle: str = ""
    author_name: str = ""
    author_location: str = ""
    lang: str | None = None  # ISO 639-1; Twitter's "in" is stored as "id"
    created_at: dt.datetime | None = None  # naive UTC
    metrics: dict[str, Any] = field(default_factory=dict)
    media: list[dict[str, Any]] = field(default_factory=list)
    reply_to_id: str | None = None
    repost_of_id: str | None = None  # external id of the original (retweet, boost, repost)
    quote_of_id: str | None = None
    raw: dict[str, Any] | None = None  # the item as received
    # the original of a repost when the payload carries it (Twitter includes, Mastodon reblog)
    original: HarvestedPost | None = None


@dataclass
class ItemError:
    """An item the source could not normalize: reported with its payload, then skipped."""

    position: str
    message: str
    payload: str


@dataclass
class Page:
    """One page of a harvest.

    `resume` is what a rerun needs to continue after this page (a next_token, a cursor); None
    means the query is exhausted. `state` is the incremental state to keep once the whole run
    has finished (since_id, min_id, etag), merged into the source's stored state.
    """

    posts: list[HarvestedPost]
    errors: list[ItemError] = field(default_factory=list)
    resume: dict[str, Any] | None = None
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredRef:
    """A stored post a recheck asks the platform about: its external id, and the id the
    harvested server gave it when that differs (a Mastodon status's local id)."""

    external_id: str
    local_id: str | None = None


class SourceError(Exception):
    """A fetch failed for a reason that waiting will not fix (bad token, unknown query)."""


class TransientError(SourceError):
    """A fetch failed but may succeed later: 5xx, a timeout, a broken connection, bad JSON."""


class RateLimited(TransientError):
    """The platform said 429; `retry_after` is its wait in seconds when it said one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Source(Protocol):
    """A platform query. `pages` yields pages newest-first until exhausted or `limit` posts.

    `state` is the source's stored incremental state; `resume` the position an interrupted run
    left (None on a fresh run). Faults raise TransientError/RateLimited/SourceError; the runner
    retries with backoff and keeps the pages already stored.
    """

    platform: str

    def pages(
        self,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[Page]: ...


class Rechecking(Source, Protocol):
    """A source that can tell which stored posts its platform no longer has (optional: RSS has
    no such signal). `gone` takes at most `recheck_batch` posts, makes at most a few requests,
    and returns the external ids of the deleted ones (or those no longer public): a post it
    cannot judge is never in the set. Faults raise as in `pages`."""

    recheck_batch: int

    def gone(self, posts: Sequence[StoredRef]) -> set[str]: ...
