"""Mastodon's client: a hashtag timeline ("#tag") or a status search (anything else) on one
instance, its statuses normalized by :mod:`.normalize`.

Pages go newest-first by `max_id`; a rerun asks only for statuses newer than the newest one
seen (`since_id` for timelines, `min_id` for search, which has no since_id). Mastodon.py sends
the requests; the bodies are read as received (a response hook keeps the last response) so
`raw` is the status as the server wrote it and one malformed status does not spoil a page.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonIllegalArgumentError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
    MastodonWarning,
)

from registry.harvest.base import (
    HarvestedPost,
    ItemError,
    Page,
    RateLimited,
    SourceError,
    StoredRef,
    TransientError,
)
from registry.harvest.sources.mastodon.normalize import PLATFORM, normalize_status
from registry.harvest.sources.normalize_util import item_error, optional_str, parse_datetime

PAGE_SIZE = 40  # the most Mastodon returns per request
# Mastodon.py refuses search's max_id/min_id unless it believes the server is at least 2.8;
# declaring a version spares a request to /api/v1/instance before every harvest.
ASSUMED_SERVER_VERSION = "4.0.0"
RECHECK_BATCH = 10  # statuses per `gone` call: one request each


def _id_key(status_id: str) -> tuple[int, str]:
    # Mastodon ids are decimal strings, other servers use fixed-width flake ids: both order
    # correctly by length, then text
    return (len(status_id), status_id)


class MastodonSource:
    platform = PLATFORM
    recheck_batch = RECHECK_BATCH

    def __init__(
        self,
        query: str,
        base_url: str = "",
        token: str | None = None,
        timeout: float = 30.0,
        max_pages: int = 1000,
    ) -> None:
        if not base_url:
            raise SourceError("a Mastodon source needs the instance's base URL")
        self.query = query.strip()
        self.base_url = base_url.rstrip("/")
        self.token = token or None
        self.timeout = timeout
        self.max_pages = max_pages
        self.hashtag = self.query[1:] if self._is_hashtag(self.query) else None
        self._last_response: requests.Response | None = None
        self._availability_checked = False
        session = requests.Session()
        session.hooks["response"].append(self._keep_response)
        self.api = Mastodon(
            api_base_url=self.base_url,
            access_token=self.token,
            request_timeout=timeout,
            ratelimit_method="throw",
            mastodon_version=ASSUMED_SERVER_VERSION,
            version_check_mode="created",
            session=session,
        )

    @staticmethod
    def _is_hashtag(query: str) -> bool:
        # Mastodon hashtags are letters, digits and underscores; anything else is searched
        return re.fullmatch(r"#\w+", query) is not None

    def _keep_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last_response = response

    def pages(
        self,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[Page]:
        since_id = optional_str(state.get("since_id") or state.get("min_id"))
        max_id = optional_str(resume.get("max_id")) if resume else None
        newest = optional_str(resume.get("newest_id")) if resume else None
        try:
            yield from self._pages(since_id, max_id, newest, limit)
        finally:
            self.api.session.close()  # reopens its pool on the next request

    def _pages(
        self, since_id: str | None, max_id: str | None, newest: str | None, limit: int | None
    ) -> Iterator[Page]:
        fetched = 0
        for page_number in range(1, self.max_pages + 1):
            size = PAGE_SIZE if limit is None else max(1, min(PAGE_SIZE, limit - fetched))
            items = self._fetch(since_id=since_id, max_id=max_id, limit=size)
            posts, errors = self._normalize(items, page_number)
            ids = [
                str(item["id"]) for item in items if isinstance(item, Mapping) and item.get("id")
            ]
            if ids:
                top = max(ids, key=_id_key)
                newest = top if newest is None or _id_key(top) > _id_key(newest) else newest
            fetched += len(items)
            incremental = {"since_id": newest or since_id} if (newest or since_id) else {}
            page = Page(posts=posts, errors=errors, state=incremental)

            if not ids:
                yield page  # an empty page: the query is exhausted
                return
            next_max_id = min(ids, key=_id_key)
            if max_id is not None and _id_key(next_max_id) >= _id_key(max_id):
                page.state["stopped"] = f"max_id {next_max_id} repeats: the server ignores paging"
                yield page
                return
            page.resume = {"max_id": next_max_id, "newest_id": newest}
            if limit is not None and fetched >= limit:
                yield page
                return
            if page_number == self.max_pages:
                page.resume = None
                page.state["stopped"] = f"max_pages ({self.max_pages}) reached"
            yield page
            max_id = next_max_id

    def _fetch(self, since_id: str | None, max_id: str | None, limit: int) -> list[Any]:
        self._last_response = None
        try:
            if self.hashtag is not None:
                self._check_hashtag_timeline()
                with warnings.catch_warnings():
                    # Mastodon.py warns when it cannot tell whether the feed is public; we asked
                    warnings.simplefilter("ignore", MastodonWarning)
                    self.api.timeline_hashtag(
                        self.hashtag, since_id=since_id, max_id=max_id, limit=limit
                    )
            else:
                self.api.search_v2(
                    self.query,
                    resolve=False,
                    result_type="statuses",
                    min_id=since_id,
                    max_id=max_id,
                    exclude_unreviewed=False,
                    limit=limit,
                )
        except MastodonRatelimitError as exc:
            raise RateLimited(f"Mastodon rate limit: {exc}", self._retry_after()) from exc
        except MastodonUnauthorizedError as exc:
            hint = (
                "" if self.hashtag else " (status search needs an access token on most instances)"
            )
            raise SourceError(f"Mastodon said 401 unauthorized{hint}: {exc}") from exc
        except MastodonNotFoundError as exc:
            raise SourceError(f"Mastodon said 404 not found at {self.base_url}: {exc}") from exc
        except (MastodonServerError, MastodonNetworkError) as exc:
            raise TransientError(f"Mastodon unavailable: {exc}") from exc
        except MastodonIllegalArgumentError as exc:
            raise SourceError(f"bad Mastodon query {self.query!r}: {exc}") from exc
        except MastodonAPIError as exc:
            if self._last_response is not None and self._last_response.ok:
                raise TransientError(f"Mastodon sent a broken JSON body: {exc}") from exc
            raise SourceError(f"Mastodon refused the request: {exc}") from exc
        except MastodonError as exc:
            raise SourceError(f"Mastodon request failed: {exc}") from exc
        return self._body_items()

    def gone(self, posts: Sequence[StoredRef]) -> set[str]:
        """The stored statuses of this instance's own users it answers 404 or 410 for (GET
        /api/v1/statuses/:id with the instance's own id): deleted, or no longer visible to
        this client. Statuses from other servers are not judged: an instance purges its cached
        copies of remote statuses (content cache retention, `tootctl statuses remove`), so its
        404 says nothing about the original."""
        found = set()
        try:
            for post in posts:
                if not post.local_id or not self.is_local(post.external_id):
                    continue
                if self._status_gone(post.local_id):
                    found.add(post.external_id)
        finally:
            self.api.session.close()
        return found

    def is_local(self, uri: str) -> bool:
        """Whether a status uri is on this instance's host (an id without a uri is not)."""
        origin = _origin(uri) if "://" in uri else ("", None)
        return bool(origin[0]) and origin == _origin(self.base_url)

    def _status_gone(self, local_id: str) -> bool:
        self._last_response = None
        try:
            self.api.status(local_id)
        except MastodonNotFoundError as exc:
            if self._says_not_found():
                return True
            raise SourceError(
                f"{self.base_url} answered 404 without Mastodon's error body: is it the "
                f"instance's base URL? ({exc})"
            ) from exc
        except MastodonRatelimitError as exc:
            raise RateLimited(f"Mastodon rate limit: {exc}", self._retry_after()) from exc
        except MastodonUnauthorizedError as exc:
            raise SourceError(f"Mastodon said 401 unauthorized: {exc}") from exc
        except (MastodonServerError, MastodonNetworkError) as exc:
            raise TransientError(f"Mastodon unavailable: {exc}") from exc
        except MastodonAPIError as exc:
            response = self._last_response
            if response is not None and response.status_code == 410 and self._says_not_found():
                return True
            if response is not None and response.ok:
                raise TransientError(f"Mastodon sent a broken JSON body: {exc}") from exc
            raise SourceError(f"Mastodon refused the status lookup: {exc}") from exc
        except MastodonError as exc:
            raise SourceError(f"Mastodon request failed: {exc}") from exc
        return False

    def _says_not_found(self) -> bool:
        """The last answer is Mastodon's own ({"error": "Record not found"}), not a proxy's or
        a server's that is no Mastodon: only then does a 404 mean the status is gone."""
        response = self._last_response
        try:
            body = json.loads(response.content) if response is not None else None
        except ValueError:
            return False
        return isinstance(body, Mapping) and isinstance(body.get("error"), str)

    def _check_hashtag_timeline(self) -> None:
        """Fail early when the instance says its hashtag feeds are closed to this client.

        Mastodon.py reads that from /api/v2/instance (cached once it answers); an instance that
        does not say is assumed open.
        """
        if self._availability_checked:
            return
        self._availability_checked = True
        if not self.api.timeline_is_available("hashtag", with_auth=self.token is not None):
            needs = "" if self.token else " without an access token"
            raise SourceError(f"hashtag timelines are not available on {self.base_url}{needs}")

    def _body_items(self) -> list[Any]:
        response = self._last_response
        if response is None:
            raise TransientError("Mastodon gave no response")
        try:
            body = json.loads(response.content)
        except ValueError as exc:
            raise TransientError(f"Mastodon sent a broken JSON body: {exc}") from exc
        if self.hashtag is None and isinstance(body, Mapping):
            body = body.get("statuses", [])
        if not isinstance(body, list):
            raise TransientError(f"Mastodon sent an unexpected body: {type(body).__name__}")
        return body

    def _normalize(
        self, items: list[Any], page_number: int
    ) -> tuple[list[HarvestedPost], list[ItemError]]:
        posts, errors = [], []
        for index, item in enumerate(items):
            try:
                posts.append(normalize_status(item))
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                errors.append(item_error(f"page {page_number}, item {index}", exc, item))
        return posts, errors

    def _retry_after(self) -> float | None:
        response = self._last_response
        if response is None:
            return None
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                pass
        reset = response.headers.get("X-RateLimit-Reset")
        if not reset:
            return None
        try:
            reset_at = parse_datetime(reset) if not reset.isdigit() else None
            if reset_at is None:
                return max(0.0, float(reset) - dt.datetime.now(dt.UTC).timestamp())
            server_now = _server_time(response)
            return max(0.0, (reset_at - server_now).total_seconds())
        except ValueError:
            return None


def _origin(url: str) -> tuple[str, int | None]:
    """Host and port of a URL, the scheme's default port made explicit."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return ("", None)
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    return ((parts.hostname or "").lower(), port or default)


def _server_time(response: requests.Response) -> dt.datetime:
    """The server's clock (Date header) as naive UTC, so a skewed local clock does not matter."""
    date = response.headers.get("Date")
    if date:
        try:
            return parsedate_to_datetime(date).astimezone(dt.UTC).replace(tzinfo=None)
        except (TypeError, ValueError):
            pass
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
