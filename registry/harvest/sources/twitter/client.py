"""X/Twitter's client: recent and full-archive search (API v2, through tweepy), paged by
next_token and incremental by since_id, and the lookup that rechecks stored tweets.

The client asks tweepy for raw JSON (`return_type=dict`) and hands each page to
:func:`.normalize.normalize_v2_page`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import requests
import tweepy

from registry.harvest.base import (
    DEFAULT_TOKEN_ENV,
    Page,
    RateLimited,
    SourceError,
    StoredRef,
    TransientError,
)
from registry.harvest.sources.normalize_util import optional_str
from registry.harvest.sources.twitter.normalize import PLATFORM, normalize_v2_page

# tweepy's debug log prints every request's headers, the bearer token included
logging.getLogger("tweepy.client").setLevel(logging.INFO)

API_HOST = "https://api.twitter.com"  # what tweepy.Client puts before every route
TOKEN_ENV = DEFAULT_TOKEN_ENV[PLATFORM]
MAX_RESULTS = 100  # the most either search endpoint gives with these expansions
MIN_RESULTS = 10  # the API refuses fewer
LOOKUP_MAX = 100  # ids per GET /2/tweets
# the problems a tweet lookup reports for a tweet that is deleted or no longer public
GONE_PROBLEMS = ("/problems/resource-not-found", "/problems/not-authorized-for-resource")
GONE_TITLES = ("Not Found Error", "Authorization Error")

EXPANSIONS = [
    "author_id",
    "geo.place_id",
    "referenced_tweets.id",
    # without it the original of a retweet comes without its author
    "referenced_tweets.id.author_id",
    "attachments.media_keys",
]
TWEET_FIELDS = [
    "created_at",
    "lang",
    "public_metrics",
    "entities",
    "referenced_tweets",
    "geo",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "attachments",
    "note_tweet",  # the full text of a post longer than 280 characters
]
USER_FIELDS = ["name", "username", "location", "description", "verified"]
PLACE_FIELDS = ["full_name", "country", "country_code", "place_type", "name"]
MEDIA_FIELDS = ["type", "url", "preview_image_url", "alt_text", "variants", "duration_ms"]

# full-archive search covers only the last 30 days unless told where to start (twarc does the same)
ARCHIVE_START = dt.datetime(2006, 3, 21, tzinfo=dt.UTC)
# recent search refuses (400) a since_id older than its 7-day window; keep an hour's margin
RECENT_WINDOW = dt.timedelta(days=7) - dt.timedelta(hours=1)
SNOWFLAKE_EPOCH_MS = 1288834974657


class _RoutedSession(requests.Session):
    """Re-points tweepy's requests at `base_url` and gives each one a timeout.

    tweepy.Client hard-codes https://api.twitter.com in `request()` and sends no timeout; both
    go through `self.session.request(method, url, ...)`, so a session is the one seam to use.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        if self.base_url and isinstance(url, str) and url.startswith(API_HOST):
            url = self.base_url + url[len(API_HOST) :]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


class TwitterSource:
    """A v2 search query, newest first, incremental by since_id."""

    platform = PLATFORM
    recheck_batch = LOOKUP_MAX

    def __init__(
        self,
        query: str,
        base_url: str = "",
        token: str | None = None,
        timeout: float = 30.0,
        max_pages: int = 1000,
        full_archive: bool = False,
    ) -> None:
        self.query = query
        self.base_url = base_url
        self.token = token
        self.timeout = timeout
        self.max_pages = max_pages
        self.full_archive = full_archive

    def pages(
        self,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[Page]:
        client = self._client()
        try:
            yield from self._pages(client, state, resume, limit)
        finally:
            client.session.close()

    def _pages(
        self,
        client: Any,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None,
        limit: int | None,
    ) -> Iterator[Page]:
        if resume and resume.get("next_token"):
            # a next_token is only valid with the parameters of the request that gave it
            next_token: str | None = str(resume["next_token"])
            since_id = optional_str(resume.get("since_id"))
            newest = optional_str(resume.get("newest_id"))
            page_count = int(resume.get("pages") or 0)
        else:
            next_token = None
            since_id = self._usable_since_id(state.get("since_id"))
            newest = None
            page_count = 0
        seen_tokens = {next_token} if next_token else set()
        fetched = 0
        while True:
            body = self._search(client, since_id, next_token, limit, fetched)
            page_count += 1
            posts, errors = normalize_v2_page(body)
            raw_meta = body.get("meta")
            meta: Mapping[str, Any] = raw_meta if isinstance(raw_meta, Mapping) else {}
            stopped = ""
            if limit is not None and fetched + len(posts) >= limit:
                posts = posts[: max(limit - fetched, 0)]
                stopped = f"limit of {limit} posts reached"
            else:
                newest = _newest(newest, meta.get("newest_id"))
            for post in posts:
                newest = _newest(newest, post.external_id)
            fetched += len(posts)
            next_token = optional_str(meta.get("next_token"))
            if not stopped and next_token:
                if next_token in seen_tokens:
                    stopped = f"next_token {next_token!r} repeated"
                elif page_count >= self.max_pages:
                    stopped = f"max_pages ({self.max_pages}) reached"
            page_state: dict[str, Any] = {"since_id": newest} if newest else {}
            if stopped:
                page_state["stopped"] = stopped
            if stopped or not next_token:
                yield Page(posts=posts, errors=errors, resume=None, state=page_state)
                return
            seen_tokens.add(next_token)
            resume_at: dict[str, Any] = {"next_token": next_token, "pages": page_count}
            if since_id:
                resume_at["since_id"] = since_id
            if newest:
                resume_at["newest_id"] = newest
            yield Page(posts=posts, errors=errors, resume=resume_at, state=page_state)

    def gone(self, posts: Sequence[StoredRef]) -> set[str]:
        """The stored tweets X/Twitter no longer shows (GET /2/tweets, one request)."""
        ids = [p.external_id for p in posts if p.external_id.isdigit()][:LOOKUP_MAX]
        if not ids:
            return set()
        client = self._client()
        try:
            body = _call(lambda: client.get_tweets(ids=ids), "lookup")
        finally:
            client.session.close()
        if not isinstance(body, Mapping):
            raise TransientError("X/Twitter answered a lookup with JSON that is not an object")
        return tweets_gone(body, ids)

    def _client(self) -> Any:
        if not self.token:
            raise SourceError(
                f"no X/Twitter bearer token: set the environment variable named by the "
                f"source's token_env (default {TOKEN_ENV})"
            )
        client = tweepy.Client(bearer_token=self.token, return_type=dict, wait_on_rate_limit=False)
        client.session = _RoutedSession(self.base_url, self.timeout)
        return client

    def _usable_since_id(self, value: Any) -> str | None:
        since_id = optional_str(value)
        if since_id is None or not since_id.isdigit():
            return None
        if not self.full_archive and _snowflake_time(since_id) < _utcnow() - RECENT_WINDOW:
            return None  # everything recent search can return is newer anyway
        return since_id

    def _search(
        self,
        client: Any,
        since_id: str | None,
        next_token: str | None,
        limit: int | None,
        fetched: int,
    ) -> Mapping[str, Any]:
        max_results = MAX_RESULTS
        if limit is not None:
            max_results = min(MAX_RESULTS, max(MIN_RESULTS, limit - fetched))
        params: dict[str, Any] = {
            "expansions": EXPANSIONS,
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
            "place_fields": PLACE_FIELDS,
            "media_fields": MEDIA_FIELDS,
            "max_results": max_results,
        }
        if since_id:
            params["since_id"] = since_id
        elif self.full_archive:
            params["start_time"] = ARCHIVE_START  # the API refuses it together with since_id
        if next_token:
            params["next_token"] = next_token
        search = client.search_all_tweets if self.full_archive else client.search_recent_tweets
        body = _call(lambda: search(self.query, **params), "search")
        if not isinstance(body, Mapping):
            raise SourceError("X/Twitter answered with JSON that is not a search page")
        return body


def _call(request: Callable[[], Any], what: str) -> Any:
    """One API request, with tweepy's and requests' faults turned into the harvest's."""
    try:
        return request()
    except tweepy.TooManyRequests as exc:
        raise RateLimited(f"X/Twitter rate limit: {exc}", _retry_after(exc.response)) from exc
    except tweepy.TwitterServerError as exc:
        raise TransientError(f"X/Twitter server error: {exc}") from exc
    except tweepy.HTTPException as exc:
        raise SourceError(f"X/Twitter refused the {what}: {exc}") from exc
    except (
        requests.Timeout,
        requests.ConnectionError,
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
    ) as exc:
        raise TransientError(f"X/Twitter did not answer: {exc}") from exc
    except requests.exceptions.JSONDecodeError as exc:  # a truncated or non-JSON body
        raise TransientError(f"X/Twitter sent an unreadable response: {exc}") from exc
    except requests.RequestException as exc:  # a malformed base_url: waiting will not help
        raise SourceError(f"X/Twitter request failed: {exc}") from exc
    except ValueError as exc:  # tweepy reading a malformed x-rate-limit-reset header
        raise TransientError(f"X/Twitter sent an unreadable response: {exc}") from exc


def tweets_gone(body: Mapping[str, Any], asked: Sequence[str]) -> set[str]:
    """The asked ids a GET /2/tweets body reports in its `errors` as not found (deleted) or not
    authorized (a protected, suspended or withheld account); an id the body neither returns nor
    explains is not judged."""
    data = body.get("data")
    present = {
        str(t.get("id")) for t in (data if isinstance(data, list) else []) if isinstance(t, Mapping)
    }
    wanted = set(asked) - present
    found: set[str] = set()
    errors = body.get("errors")
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, Mapping):
            continue
        if error.get("parameter", "ids") != "ids" or error.get("resource_type", "tweet") != "tweet":
            continue  # e.g. a referenced tweet missing from the includes
        kind = str(error.get("type") or "")
        if not (kind.endswith(GONE_PROBLEMS) or error.get("title") in GONE_TITLES):
            continue
        tweet_id = str(error.get("resource_id") or error.get("value") or "")
        if tweet_id in wanted:
            found.add(tweet_id)
    return found


def _snowflake_time(tweet_id: str) -> dt.datetime:
    milliseconds = (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _newest(current: str | None, candidate: Any) -> str | None:
    candidate = optional_str(candidate)
    if candidate is None or not candidate.isdigit():
        return current
    if current is None or int(candidate) > int(current):
        return candidate
    return current


def _retry_after(response: Any) -> float | None:
    """Seconds to wait: Retry-After when given, else until x-rate-limit-reset (epoch seconds)."""
    headers = getattr(response, "headers", None) or {}
    retry_after = headers.get("retry-after")
    if retry_after:
        if retry_after.strip().isdigit():
            return float(retry_after.strip())
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is not None:
            return max(0.0, (when - _utcnow()).total_seconds())
    reset = headers.get("x-rate-limit-reset")
    if reset and reset.strip().isdigit():
        return max(0.0, int(reset) - time.time())
    return None
