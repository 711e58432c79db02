"""Bluesky's client: `app.bsky.feed.searchPosts` (sort=latest) paged by its cursor.

A rerun asks only for posts since the newest one seen (the lexicon's `since`, inclusive, on
the post's sort time) and stops at the first older post in case a server ignores it. The
token, when given, is "handle:app-password": the source logs in (at bsky.social when the base
URL is the public AppView, which cannot log in) and searches as that account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx
from atproto import Client, models
from atproto_client.exceptions import (
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    RequestException,
    UnauthorizedError,
)
from atproto_client.request import Request
from atproto_core.exceptions import AtProtocolError

from registry.harvest.base import (
    HarvestedPost,
    ItemError,
    Page,
    RateLimited,
    SourceError,
    StoredRef,
    TransientError,
)
from registry.harvest.sources.bluesky.normalize import PLATFORM, normalize_post_view
from registry.harvest.sources.normalize_util import item_error, parse_datetime

PUBLIC_APPVIEW = "https://public.api.bsky.app"
LOGIN_SERVICE = "https://bsky.social"
PAGE_SIZE = 100  # the lexicon's maximum
GET_POSTS_MAX = 25  # uris per app.bsky.feed.getPosts
NOT_FOUND_POST = "app.bsky.feed.defs#notFoundPost"


def sort_time(view: Mapping[str, Any]) -> dt.datetime | None:
    """The time searchPosts sorts and filters by: the earlier of createdAt and indexedAt."""
    times = []
    record = view.get("record")
    for value in (
        record.get("createdAt") if isinstance(record, Mapping) else None,
        view.get("indexedAt"),
    ):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is not None:
            times.append(parsed)
    return min(times) if times else None


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class BlueskySource:
    platform = PLATFORM
    recheck_batch = GET_POSTS_MAX

    def __init__(
        self,
        query: str,
        base_url: str = "",
        token: str | None = None,
        timeout: float = 30.0,
        max_pages: int = 1000,
    ) -> None:
        self.query = query.strip()
        if not self.query:
            raise SourceError("a Bluesky source needs a search query")
        self.base_url = (base_url or PUBLIC_APPVIEW).rstrip("/")
        self.token = token or None
        self.timeout = timeout
        self.max_pages = max_pages
        self._client: Client | None = None

    def _connect(self) -> Client:
        if self._client is not None:
            return self._client
        login = None
        if self.token:
            handle, sep, password = self.token.partition(":")
            if not sep or not handle or not password:
                raise SourceError('a Bluesky token must be "handle:app-password"')
            login = (handle, password)
        base = self.base_url
        if login and base == PUBLIC_APPVIEW:
            base = LOGIN_SERVICE
        client = Client(base_url=base, request=Request(timeout=self.timeout))
        if login:
            try:
                self._call(lambda: client.login(*login, fetch_bsky_profile=False))
            except SourceError:
                client.request.close()
                raise
        self._client = client
        return client

    def pages(
        self,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[Page]:
        since_text = state.get("since") or None
        cursor = resume.get("cursor") if resume else None
        newest = parse_datetime(resume.get("newest")) if resume and resume.get("newest") else None
        try:
            yield from self._pages(since_text, cursor, newest, limit)
        finally:
            self.close()

    def close(self) -> None:
        """Close the connection pool (a later `pages` call opens a new one)."""
        if self._client is not None:
            self._client.request.close()
            self._client = None

    def _pages(
        self,
        since_text: str | None,
        cursor: str | None,
        newest: dt.datetime | None,
        limit: int | None,
    ) -> Iterator[Page]:
        since = parse_datetime(since_text) if since_text else None
        seen_cursors = {cursor} if cursor else set()
        fetched = 0
        client = self._connect()
        for page_number in range(1, self.max_pages + 1):
            size = PAGE_SIZE if limit is None else max(1, min(PAGE_SIZE, limit - fetched))
            params: dict[str, Any] = {"q": self.query, "sort": "latest", "limit": size}
            if since_text:
                params["since"] = since_text
            if cursor:
                params["cursor"] = cursor
            body = self._search(client, params)
            items = body.get("posts") or []
            if not isinstance(items, list):
                raise TransientError("Bluesky sent posts that are not a list")
            fetched += len(items)

            posts: list[HarvestedPost] = []
            errors: list[ItemError] = []
            reached_old = False
            for index, item in enumerate(items):
                moment = sort_time(item) if isinstance(item, Mapping) else None
                if since is not None and moment is not None and moment < since:
                    reached_old = True  # sorted newest first: the rest is older still
                    break
                if moment is not None and (newest is None or moment > newest):
                    newest = moment
                try:
                    posts.append(normalize_post_view(item))
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    errors.append(item_error(f"page {page_number}, item {index}", exc, item))

            kept_since = _iso(newest) if newest is not None else since_text
            page = Page(
                posts=posts, errors=errors, state={"since": kept_since} if kept_since else {}
            )
            next_cursor = body.get("cursor") or None
            if not items or not next_cursor or reached_old:
                yield page
                return
            if next_cursor in seen_cursors:
                page.state["stopped"] = f"cursor {next_cursor!r} repeats"
                yield page
                return
            seen_cursors.add(next_cursor)
            page.resume = {"cursor": next_cursor, "newest": _iso(newest) if newest else None}
            if limit is not None and fetched >= limit:
                yield page
                return
            if page_number == self.max_pages:
                page.resume = None
                page.state["stopped"] = f"max_pages ({self.max_pages}) reached"
            yield page
            cursor = next_cursor

    def gone(self, posts: Sequence[StoredRef]) -> set[str]:
        """The stored posts the AppView no longer has: deleted, or their author's account
        deleted, deactivated or taken down; call `close` when done.

        One `app.bsky.feed.getPosts` for the batch. It also leaves out the posts of an author
        who blocks the viewer or is blocked by it, so each post it leaves out is confirmed with
        `app.bsky.feed.getPostThread` (one request each): only the NotFound error or a
        `#notFoundPost` thread counts; a `#blockedPost` (or anything else) keeps the post.
        """
        uris = [p.external_id for p in posts if p.external_id.startswith("at://")]
        uris = uris[:GET_POSTS_MAX]
        if not uris:
            return set()
        client = self._connect()
        model = models.AppBskyFeedGetPosts.Params(uris=uris)
        response = self._call(lambda: client.invoke_query("app.bsky.feed.getPosts", params=model))
        content = response.content
        views = content.get("posts") if isinstance(content, Mapping) else None
        if not isinstance(views, list):
            raise TransientError("Bluesky sent a getPosts body without a list of posts")
        present = {v.get("uri") for v in views if isinstance(v, Mapping)}
        return {uri for uri in uris if uri not in present and self._thread_gone(client, uri)}

    def _thread_gone(self, client: Client, uri: str) -> bool:
        """Whether getPostThread says the post is not found (not blocked, not anything else)."""
        model = models.AppBskyFeedGetPostThread.Params(uri=uri, depth=0, parent_height=0)

        def ask() -> Any:
            try:
                return client.invoke_query("app.bsky.feed.getPostThread", params=model)
            except BadRequestError as exc:
                if _xrpc_error(exc) == "NotFound":
                    return None
                raise

        response = self._call(ask)
        if response is None:
            return True
        content = response.content
        thread = content.get("thread") if isinstance(content, Mapping) else None
        return isinstance(thread, Mapping) and thread.get("$type") == NOT_FOUND_POST

    def _search(self, client: Client, params: dict[str, Any]) -> Mapping[str, Any]:
        model = models.AppBskyFeedSearchPosts.Params(**params)
        response = self._call(
            lambda: client.invoke_query("app.bsky.feed.searchPosts", params=model)
        )
        content = response.content
        if not isinstance(content, Mapping):
            raise TransientError("Bluesky sent a body that is not a JSON object")
        return content

    def _call(self, request: Any) -> Any:
        """Run one request, turning atproto's and httpx's faults into the harvest's."""
        try:
            return request()
        except RateLimitExceededError as exc:
            raise RateLimited(f"Bluesky rate limit: {exc}", _retry_after(exc)) from exc
        except UnauthorizedError as exc:
            hint = "" if self.token else ' (a token "handle:app-password" may be needed)'
            raise SourceError(f"Bluesky refused the request{hint}: {exc}") from exc
        except BadRequestError as exc:
            raise SourceError(f"Bluesky refused the request: {exc}") from exc
        except NetworkError as exc:  # also timeouts and 502
            raise TransientError(f"Bluesky unavailable: {exc!r}") from exc
        except RequestException as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status >= 500:
                raise TransientError(f"Bluesky unavailable: {exc}") from exc
            raise SourceError(f"Bluesky refused the request: {exc}") from exc
        except (RequestErrorBase, AtProtocolError) as exc:
            raise SourceError(f"Bluesky request failed: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"Bluesky connection failed: {exc!r}") from exc
        except ValueError as exc:  # a JSON body cut short
            raise TransientError(f"Bluesky sent a broken JSON body: {exc}") from exc


def _xrpc_error(exc: RequestErrorBase) -> str | None:
    """The `error` name of an XRPC error body ({"error": "NotFound", "message": ...})."""
    content = exc.response.content if exc.response is not None else None
    name = content.get("error") if isinstance(content, Mapping) else getattr(content, "error", None)
    return name if isinstance(name, str) else None


def _retry_after(exc: RateLimitExceededError) -> float | None:
    if exc.retry_after is not None:
        return exc.retry_after
    if exc.reset_at is not None:
        return max(0.0, (exc.reset_at - dt.datetime.now(dt.UTC)).total_seconds())
    return None
