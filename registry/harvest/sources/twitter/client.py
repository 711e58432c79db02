"""X/Twitter: recent and full-archive search (API v2, through tweepy) and the v2/v1.1 normalizers.

The client asks tweepy for raw JSON (`return_type=dict`), so a live page and a page from a twarc
archive (the same v2 JSON, one page a line, plus a `__twarc` key) go through the same
`normalize_v2_page`. A geotag's place has no field of its own in HarvestedPost: its full name and
country code go into `metrics` ("place", "country_code"); the author's profile location stays in
`author_location`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import requests
import tweepy

from registry.harvest.base import (
    DEFAULT_TOKEN_ENV,
    HarvestedPost,
    ItemError,
    Page,
    RateLimited,
    SourceError,
    StoredRef,
    TransientError,
)
from registry.harvest.sources.normalize_util import iso_lang as normalize_lang
from registry.harvest.sources.normalize_util import naive_utc

# tweepy's debug log prints every request's headers, the bearer token included
logging.getLogger("tweepy.client").setLevel(logging.INFO)

PLATFORM = "twitter"
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

# Twitter's own codes that are not languages, and its pre-1989 ISO 639 codes


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
            since_id = _str_or_none(resume.get("since_id"))
            newest = _str_or_none(resume.get("newest_id"))
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
            next_token = _str_or_none(meta.get("next_token"))
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
        since_id = _str_or_none(value)
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


def normalize_v2_page(
    page: Mapping[str, Any],
) -> tuple[list[HarvestedPost], list[ItemError]]:
    """The posts of one v2 response page, with authors, places, media and originals resolved."""
    includes = page.get("includes")
    includes = includes if isinstance(includes, Mapping) else {}
    lookup = _Includes(includes)
    data = page.get("data") or []
    if isinstance(data, Mapping):  # GET /2/tweets/:id gives one object
        data = [data]
    if not isinstance(data, list):
        return [], [ItemError("data", "data is not a list of posts", _as_json(data))]
    posts: list[HarvestedPost] = []
    errors: list[ItemError] = []
    for position, tweet in enumerate(data):
        try:
            post = _v2_post(tweet, lookup)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            errors.append(ItemError(f"data[{position}]", _describe(exc), _as_json(tweet)))
            continue
        original = lookup.tweets.get(post.repost_of_id or "")
        if original is not None:
            try:
                post.original = _v2_post(original, lookup)
            except (KeyError, TypeError, ValueError, AttributeError):
                post.original = None  # the retweet itself is fine; its original stays unknown
            else:
                post.text = post.original.text
        posts.append(post)
    return posts, errors


def normalize_v1_status(status: Mapping[str, Any]) -> HarvestedPost:
    """A v1.1 status (search, timeline, stream or export); ValueError when it is malformed."""
    try:
        return _v1_post(status)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(_describe(exc)) from exc


class _Includes:
    def __init__(self, includes: Mapping[str, Any]) -> None:
        self.users = _index(includes.get("users"), "id")
        self.tweets = _index(includes.get("tweets"), "id")
        self.media = _index(includes.get("media"), "media_key")
        self.places = _index(includes.get("places"), "id")


def _index(items: Any, key: str) -> dict[str, Mapping[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {str(i[key]): i for i in items if isinstance(i, Mapping) and i.get(key) is not None}


def _v2_post(tweet: Mapping[str, Any], lookup: _Includes) -> HarvestedPost:
    if not isinstance(tweet, Mapping):
        raise TypeError("a post is not a JSON object")
    external_id = _tweet_id(tweet.get("id"))
    note = tweet.get("note_tweet")
    text = note.get("text") if isinstance(note, Mapping) and note.get("text") else tweet["text"]
    if not isinstance(text, str):
        raise TypeError("text is not a string")
    user = lookup.users.get(str(tweet.get("author_id")), {})
    handle = str(user.get("username") or "")
    references = {
        ref.get("type"): _str_or_none(ref.get("id"))
        for ref in tweet.get("referenced_tweets") or []
        if isinstance(ref, Mapping)
    }
    metrics = _v2_metrics(tweet.get("public_metrics"))
    geo = tweet.get("geo")
    if isinstance(geo, Mapping):
        metrics.update(_place(lookup.places.get(str(geo.get("place_id")))))
    media_keys = (tweet.get("attachments") or {}).get("media_keys") or []
    return HarvestedPost(
        platform=PLATFORM,
        external_id=external_id,
        text=html.unescape(text),
        url=status_url(external_id, handle),
        author_handle=handle,
        author_name=str(user.get("name") or ""),
        author_location=str(user.get("location") or ""),
        lang=normalize_lang(tweet.get("lang")),
        created_at=_iso_utc(tweet.get("created_at")),
        metrics=metrics,
        media=[_v2_media(lookup.media[k]) for k in media_keys if str(k) in lookup.media],
        reply_to_id=references.get("replied_to"),
        repost_of_id=references.get("retweeted"),
        quote_of_id=references.get("quoted"),
        raw=dict(tweet),
    )


def _v2_metrics(public: Any) -> dict[str, Any]:
    if not isinstance(public, Mapping):
        return {}
    names = {"retweet_count": "retweets", "reply_count": "replies", "like_count": "likes"}
    names["quote_count"] = "quotes"
    return {ours: public[theirs] for theirs, ours in names.items() if theirs in public}


def _v2_media(item: Mapping[str, Any]) -> dict[str, Any]:
    video = max(
        (
            v
            for v in item.get("variants") or []
            if isinstance(v, Mapping) and v.get("content_type") == "video/mp4"
        ),
        key=lambda v: v.get("bit_rate") or 0,
        default=None,
    )
    media = {
        "type": item.get("type") or "",
        "url": item.get("url") or (video or {}).get("url") or "",
        "preview_url": item.get("preview_image_url") or "",
        "alt_text": item.get("alt_text") or "",
    }
    return {key: value for key, value in media.items() if value}


def _v1_post(status: Mapping[str, Any]) -> HarvestedPost:
    if not isinstance(status, Mapping):
        raise TypeError("a status is not a JSON object")
    external_id = _tweet_id(status.get("id_str") or status.get("id"))
    extended = status.get("extended_tweet")
    if isinstance(extended, Mapping) and extended.get("full_text"):
        text = extended["full_text"]
    else:
        text = status.get("full_text") or status["text"]
    if not isinstance(text, str):
        raise TypeError("text is not a string")
    user = status.get("user") or {}
    handle = str(user.get("screen_name") or "")
    original: HarvestedPost | None = None
    repost_of_id: str | None = None
    retweeted = status.get("retweeted_status")
    if isinstance(retweeted, Mapping):
        repost_of_id = _str_or_none(retweeted.get("id_str") or retweeted.get("id"))
        try:
            original = _v1_post(retweeted)
        except (KeyError, TypeError, ValueError, AttributeError):
            original = None
    metrics = {
        ours: status[theirs]
        for theirs, ours in (
            ("retweet_count", "retweets"),
            ("reply_count", "replies"),
            ("favorite_count", "likes"),
            ("quote_count", "quotes"),
        )
        if status.get(theirs) is not None
    }
    metrics.update(_place(status.get("place")))
    entities = status.get("extended_entities") or status.get("entities") or {}
    if isinstance(extended, Mapping):
        entities = extended.get("extended_entities") or extended.get("entities") or entities
    return HarvestedPost(
        platform=PLATFORM,
        external_id=external_id,
        text=original.text if original else html.unescape(text),
        url=status_url(external_id, handle),
        author_handle=handle,
        author_name=str(user.get("name") or ""),
        author_location=str(user.get("location") or ""),
        lang=normalize_lang(status.get("lang")),
        created_at=_v1_time(status.get("created_at")),
        metrics=metrics,
        media=[_v1_media(m) for m in entities.get("media") or [] if isinstance(m, Mapping)],
        reply_to_id=_str_or_none(
            status.get("in_reply_to_status_id_str") or status.get("in_reply_to_status_id")
        ),
        repost_of_id=repost_of_id,
        quote_of_id=_str_or_none(
            status.get("quoted_status_id_str") or status.get("quoted_status_id")
        ),
        raw=dict(status),
        original=original,
    )


def _v1_media(item: Mapping[str, Any]) -> dict[str, Any]:
    kind = item.get("type") or ""
    image = item.get("media_url_https") or item.get("media_url") or ""
    variants = (item.get("video_info") or {}).get("variants") or []
    video = max(
        (v for v in variants if isinstance(v, Mapping) and v.get("content_type") == "video/mp4"),
        key=lambda v: v.get("bitrate") or 0,
        default=None,
    )
    if kind in ("video", "animated_gif"):
        media = {"type": kind, "url": (video or {}).get("url") or "", "preview_url": image}
    else:
        media = {"type": kind, "url": image}
    media["alt_text"] = item.get("ext_alt_text") or ""
    return {key: value for key, value in media.items() if value}


def _place(place: Any) -> dict[str, str]:
    if not isinstance(place, Mapping):
        return {}
    found = {"place": place.get("full_name"), "country_code": place.get("country_code")}
    return {key: str(value) for key, value in found.items() if value}


def status_url(external_id: str, handle: str = "") -> str:
    """The public link of a post; without a handle, the form Twitter redirects itself."""
    if handle:
        return f"https://x.com/{handle}/status/{external_id}"
    return f"https://twitter.com/i/web/status/{external_id}"


def _tweet_id(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        raise ValueError("the post has no id")
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"the post id {text!r} is not a number")
    return text


def _iso_utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("created_at is not a string")
    return naive_utc(dt.datetime.fromisoformat(value))


def _v1_time(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("created_at is not a string")
    return naive_utc(dt.datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y"))


def _snowflake_time(tweet_id: str) -> dt.datetime:
    milliseconds = (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _newest(current: str | None, candidate: Any) -> str | None:
    candidate = _str_or_none(candidate)
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


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc) or type(exc).__name__


def _as_json(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False, default=str)
