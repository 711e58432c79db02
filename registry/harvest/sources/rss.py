"""RSS and Atom feeds (news and government sites), fetched with a conditional GET.

The feed URL is `base_url` when given (then `query` keeps only entries containing any of its
words, "*" keeps all), else `query` itself. A feed is one page; an unchanged feed (304) is a
page with no posts and the stored etag/modified kept.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import requests

from registry.harvest.base import (
    HarvestedPost,
    ItemError,
    Page,
    RateLimited,
    SourceError,
    TransientError,
)
from registry.harvest.sources.normalize_util import (
    html_to_text,
    iso_lang,
    item_error,
    media_item,
)

PLATFORM = "rss"
MAX_ID_LENGTH = 200  # Post.external_id
USER_AGENT = "LumbungInovasi/1.0 (+registry harvester)"
MAX_REDIRECTS = 5


def parse_feed(content: bytes, base_url: str = "") -> tuple[list[HarvestedPost], list[ItemError]]:
    """The entries of an RSS/Atom document; SourceError when it is not a feed (an HTML page)."""
    parsed = feedparser.parse(content, response_headers={"content-location": base_url})
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        detail = f" ({problem})" if problem else ""
        raise SourceError(f"not a feed: {base_url or 'the document'} is no RSS or Atom{detail}")
    feed_lang = iso_lang(parsed.get("feed", {}).get("language"))
    posts: list[HarvestedPost] = []
    errors: list[ItemError] = []
    for index, entry in enumerate(parsed.get("entries", [])):
        try:
            posts.append(normalize_entry(entry, feed_lang, base_url))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            errors.append(item_error(f"entry {index}", exc, _json_safe(entry)))
    return posts, errors


def normalize_entry(
    entry: Mapping[str, Any], feed_lang: str | None = None, feed_url: str = ""
) -> HarvestedPost:
    """A feedparser entry as a HarvestedPost; ValueError when it has no id and no link.

    external_id is the entry's id (or link). A bare guid such as "1201" is unique only within
    its feed, so it is prefixed with the feed URL when that is known.
    """
    link = str(entry.get("link") or "")
    external_id = str(entry.get("id") or link)
    if external_id and ":" not in external_id and feed_url:
        external_id = f"{feed_url}#{external_id}"
    if not link.startswith(("http://", "https://")):
        link = ""  # feedparser copies a non-URL id (tag:, urn:) into the link
    if not external_id:
        raise ValueError("entry has neither an id nor a link")
    if len(external_id) > MAX_ID_LENGTH:
        external_id = "sha1:" + hashlib.sha1(external_id.encode("utf-8")).hexdigest()
    title = html_to_text(str(entry.get("title") or ""))
    body = _body_html(entry)
    summary = html_to_text(body)
    if summary == title:
        summary = ""
    text = "\n\n".join(part for part in (title, summary) if part)
    if not text:
        raise ValueError("entry has neither a title nor a summary")
    detail = entry.get("title_detail") or entry.get("summary_detail") or {}
    return HarvestedPost(
        platform=PLATFORM,
        external_id=external_id,
        text=text,
        url=link,
        author_name=str(entry.get("author") or ""),
        lang=iso_lang(detail.get("language")) or feed_lang,
        created_at=_entry_time(entry),
        media=_media(entry),
        raw=_json_safe(entry),
    )


def _body_html(entry: Mapping[str, Any]) -> str:
    summary = entry.get("summary")
    if summary:
        return str(summary)
    for content in entry.get("content") or []:
        if isinstance(content, Mapping) and content.get("value"):
            return str(content["value"])
    return ""


def _entry_time(entry: Mapping[str, Any]) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            # feedparser's struct_time is UTC
            try:
                return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=calendar.timegm(value))
            except OverflowError:
                raise ValueError(f"{key} out of range: {tuple(value)[:6]}") from None
    return None


def _media(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    media = []
    for link in entry.get("links") or []:
        kind = str(link.get("type") or "")
        if link.get("rel") == "enclosure" and kind.split("/")[0] in ("image", "video", "audio"):
            media.append(media_item(kind.split("/")[0], link.get("href")))
    for item in entry.get("media_content") or []:
        url = str(item.get("url") or "")
        if url and all(m.get("url") != url for m in media):
            media.append(media_item(str(item.get("medium") or "image"), url))
    return media


def _json_safe(value: Any) -> Any:
    """A feedparser entry as plain JSON data (its *_parsed struct_times are dropped)."""
    if isinstance(value, Mapping):
        return {
            str(k): _json_safe(v) for k, v in value.items() if not isinstance(v, time.struct_time)
        }
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class RssSource:
    platform = PLATFORM

    def __init__(
        self,
        query: str,
        base_url: str = "",
        token: str | None = None,
        timeout: float = 30.0,
        max_pages: int = 1000,
    ) -> None:
        self.feed_url = (base_url or query).strip()
        if not self.feed_url.startswith(("http://", "https://")):
            raise SourceError(f"an RSS source needs a feed URL, got {self.feed_url!r}")
        words = query.split() if base_url else []
        self.words = [] if words == ["*"] else [word.lower() for word in words]
        self.token = token  # unused: public feeds need none
        self.timeout = timeout
        # the runner's check of every address a redirect leads to (registry.harvest.policy):
        # a public feed must not send the harvester on to a private host
        self.check_url: Callable[[str], None] | None = None

    def pages(
        self,
        state: Mapping[str, Any],
        resume: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[Page]:
        kept = {key: state[key] for key in ("etag", "modified") if state.get(key)}
        response = self._get(kept)
        if response.status_code == 304:
            yield Page(posts=[], state=kept)
            return
        posts, errors = parse_feed(response.content, self.feed_url)
        if self.words:
            posts = [post for post in posts if self._matches(post.text)]
        if limit is not None:
            posts = posts[:limit]
        fresh = {
            "etag": response.headers.get("ETag"),
            "modified": response.headers.get("Last-Modified"),
        }
        yield Page(posts=posts, errors=errors, state={k: v for k, v in fresh.items() if v})

    def _matches(self, text: str) -> bool:
        lowered = text.lower()
        return any(word in lowered for word in self.words)

    def _get(self, validators: Mapping[str, str]) -> requests.Response:
        headers = {"User-Agent": USER_AGENT}
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("modified"):
            headers["If-Modified-Since"] = validators["modified"]
        url = self.feed_url
        for _ in range(MAX_REDIRECTS + 1):
            response = _get_once(url, headers, self.timeout)
            location = response.headers.get("Location")
            if not (response.is_redirect and location):
                break
            url = urljoin(url, location)
            if self.check_url is not None:
                try:
                    self.check_url(url)
                except ValueError as exc:
                    raise SourceError(f"feed {self.feed_url} redirects to {url}: {exc}") from None
        else:
            raise SourceError(f"feed {self.feed_url}: more than {MAX_REDIRECTS} redirects")
        status = response.status_code
        if status == 429:
            raise RateLimited(f"feed {self.feed_url} said 429", _retry_after(response))
        if status >= 500:
            raise TransientError(f"feed {self.feed_url} said {status}")
        if status >= 400:
            raise SourceError(f"feed {self.feed_url} said {status}")
        return response


def _get_once(url: str, headers: Mapping[str, str], timeout: float) -> requests.Response:
    try:
        return requests.get(url, headers=headers, timeout=timeout, allow_redirects=False)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientError(f"feed {url} unreachable: {exc}") from exc
    except requests.RequestException as exc:
        raise TransientError(f"feed {url} failed: {exc}") from exc


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - dt.datetime.now(dt.UTC)).total_seconds())
