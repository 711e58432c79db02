"""X/Twitter's payloads as our posts: v2 pages (live, or a twarc archive's lines) and v1.1
statuses (search, timeline, stream or export).

A live page and a page from a twarc archive (the same v2 JSON, one page a line, plus a
`__twarc` key) go through the same `normalize_v2_page`. A geotag's place has no field of its
own in HarvestedPost: its full name and country code go into `metrics` ("place",
"country_code"); the author's profile location stays in `author_location`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from typing import Any

from registry.harvest.base import HarvestedPost, ItemError
from registry.harvest.sources.normalize_util import (
    error_message,
    json_text,
    naive_utc,
    optional_str,
)
from registry.harvest.sources.normalize_util import iso_lang as normalize_lang

PLATFORM = "twitter"


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
        return [], [ItemError("data", "data is not a list of posts", json_text(data))]
    posts: list[HarvestedPost] = []
    errors: list[ItemError] = []
    for position, tweet in enumerate(data):
        try:
            post = _v2_post(tweet, lookup)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            errors.append(ItemError(f"data[{position}]", error_message(exc), json_text(tweet)))
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
        raise ValueError(error_message(exc)) from exc


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
        ref.get("type"): optional_str(ref.get("id"))
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
    video = _best_mp4(item.get("variants"), "bit_rate")
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
        repost_of_id = optional_str(retweeted.get("id_str") or retweeted.get("id"))
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
        reply_to_id=optional_str(
            status.get("in_reply_to_status_id_str") or status.get("in_reply_to_status_id")
        ),
        repost_of_id=repost_of_id,
        quote_of_id=optional_str(
            status.get("quoted_status_id_str") or status.get("quoted_status_id")
        ),
        raw=dict(status),
        original=original,
    )


def _v1_media(item: Mapping[str, Any]) -> dict[str, Any]:
    kind = item.get("type") or ""
    image = item.get("media_url_https") or item.get("media_url") or ""
    video = _best_mp4((item.get("video_info") or {}).get("variants"), "bitrate")
    if kind in ("video", "animated_gif"):
        media = {"type": kind, "url": (video or {}).get("url") or "", "preview_url": image}
    else:
        media = {"type": kind, "url": image}
    media["alt_text"] = item.get("ext_alt_text") or ""
    return {key: value for key, value in media.items() if value}


def _best_mp4(variants: Any, rate: str) -> Mapping[str, Any] | None:
    """The MP4 variant of a video with the highest bit rate (v2 says "bit_rate", v1.1
    "bitrate")."""
    return max(
        (
            v
            for v in variants or []
            if isinstance(v, Mapping) and v.get("content_type") == "video/mp4"
        ),
        key=lambda v: v.get(rate) or 0,
        default=None,
    )


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
